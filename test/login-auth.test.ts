/**
 * Password sign-in as authPlugin provides it to every service: scrypt hashes, session tokens that carry the
 * user's role, identical refusals for an unknown name and a wrong password, the attempt limit, logout and
 * expiry. A bare fastify instance with an injected clock; the services' own wiring is in login-stack.test.ts.
 */
import { Writable } from 'node:stream'
import Fastify, { type FastifyInstance } from 'fastify'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { authPlugin, errorsPlugin, hashPassword, hashToken, loggerOptions, routeTablePlugin, verifyPassword, LOGIN_FAILED_MESSAGE, SCRYPT_PARAMS, type ApiUser } from '@healthflag/service-kit'

const PASSWORDS = { analyst: 'correct horse battery staple', admin: 'Ünïcödé pässwörd 🔑' }
const API_TOKEN = 'api-token-of-the-analyst-0123456789'
let clock = new Date('2026-11-25T09:00:00Z')
const logLines: string[] = []
let app: FastifyInstance
let users: ApiUser[]

async function build(loginLimit?: { maxFailures: number; maxFailuresPerAddress: number }): Promise<FastifyInstance> {
  const a = Fastify({
    logger: { ...loggerOptions('test', 'debug'), stream: new Writable({ write: (c, _e, cb) => (logLines.push(String(c)), cb()) }) } as never,
  })
  await a.register(errorsPlugin)
  await a.register(routeTablePlugin)
  await a.register(authPlugin, { users, now: () => clock, ...(loginLimit ? { loginLimit } : {}) })
  a.get('/v1/analysts-only', { config: { roles: ['analyst'] } }, async (req) => ({ name: req.user!.name, role: req.user!.role }))
  a.get('/v1/admins-only', { config: { roles: ['admin'] } }, async () => ({ ok: true }))
  await a.ready()
  return a
}

beforeAll(async () => {
  users = [
    { name: 'ana', role: 'analyst', district: 'Tamworth', tokenSha256: hashToken(API_TOKEN), passwordHash: await hashPassword(PASSWORDS.analyst) },
    { name: 'root', role: 'admin', district: null, tokenSha256: hashToken('admin-api-token-0123456789'), passwordHash: await hashPassword(PASSWORDS.admin) },
    // A service account: API token only, no password.
    { name: 'cli', role: 'analyst', district: null, tokenSha256: hashToken('cli-token-0123456789') },
  ]
  app = await build()
})
afterAll(async () => {
  await app?.close()
})

const login = (name: string, password: string, ip = '10.0.0.1') =>
  app.inject({ method: 'POST', url: '/v1/login', payload: { name, password }, remoteAddress: ip })
const get = (url: string, token: string) => app.inject({ method: 'GET', url, headers: { authorization: `Bearer ${token}` } })

describe('password hashes', () => {
  it('are stored as scrypt$N$r$p$salt$hash with the required cost and a fresh salt each time', async () => {
    const a = await hashPassword('same password')
    const b = await hashPassword('same password')
    const [kind, N, r, p, salt, hash] = a.split('$')
    expect([kind, Number(N), Number(r), Number(p)]).toEqual(['scrypt', 2 ** 15, 8, 1])
    expect(Buffer.from(salt!, 'base64')).toHaveLength(SCRYPT_PARAMS.saltBytes)
    expect(Buffer.from(hash!, 'base64')).toHaveLength(32)
    expect(a).not.toBe(b)
  })

  it('verify the right password and refuse a wrong one, a changed hash, changed parameters and malformed strings', async () => {
    const stored = users[0]!.passwordHash!
    expect(await verifyPassword(PASSWORDS.analyst, stored)).toBe(true)
    expect(await verifyPassword(PASSWORDS.analyst + ' ', stored)).toBe(false)
    const parts = stored.split('$')
    const hash = Buffer.from(parts[5]!, 'base64')
    hash[0] = hash[0]! ^ 1
    expect(await verifyPassword(PASSWORDS.analyst, [...parts.slice(0, 5), hash.toString('base64')].join('$'))).toBe(false)
    const salt = Buffer.from(parts[4]!, 'base64')
    salt[3] = salt[3]! ^ 0x80
    expect(await verifyPassword(PASSWORDS.analyst, [...parts.slice(0, 4), salt.toString('base64'), parts[5]].join('$'))).toBe(false)
    expect(await verifyPassword(PASSWORDS.analyst, ['scrypt', String(2 ** 14), ...parts.slice(2)].join('$'))).toBe(false)
    for (const bad of ['', 'scrypt$', 'bcrypt$2$8$1$aaaa$bbbb', stored.replace('32768', '32767'), stored.replace('32768', String(2 ** 30))]) {
      expect(await verifyPassword(PASSWORDS.analyst, bad), bad.slice(0, 20)).toBe(false)
    }
  })

  it('match the same password typed in composed or decomposed Unicode', async () => {
    const stored = await hashPassword('caf\u00e9')
    expect(await verifyPassword('cafe\u0301', stored)).toBe(true)
  })
})

describe('POST /v1/login', () => {
  it('answers a session token that works on a route of the user role and carries name, role and district', async () => {
    const res = await login('ana', PASSWORDS.analyst)
    expect(res.statusCode).toBe(200)
    const body = res.json() as { token: string; expires_at: string; user: unknown }
    expect(body.user).toEqual({ name: 'ana', role: 'analyst', district: 'Tamworth' })
    expect(Buffer.from(body.token, 'base64url')).toHaveLength(32)
    expect(new Date(body.expires_at).getTime() - clock.getTime()).toBe(8 * 60 * 60 * 1000)
    const ok = await get('/v1/analysts-only', body.token)
    expect(ok.statusCode).toBe(200)
    expect(ok.json()).toEqual({ name: 'ana', role: 'analyst' })
  })

  it('gives a session no more than its role: a route of another role answers 404 as if it did not exist', async () => {
    const { token } = (await login('ana', PASSWORDS.analyst)).json() as { token: string }
    const forbidden = await get('/v1/admins-only', token)
    const missing = await get('/v1/no-such-route', token)
    expect(forbidden.statusCode).toBe(404)
    expect({ ...forbidden.json(), requestId: null }).toEqual({ ...missing.json(), requestId: null })
    const admin = (await login('root', PASSWORDS.admin)).json() as { token: string }
    expect((await get('/v1/admins-only', admin.token)).statusCode).toBe(200)
    expect((await get('/v1/analysts-only', admin.token)).statusCode).toBe(404)
  })

  it('keeps API tokens working alongside sessions', async () => {
    expect((await get('/v1/analysts-only', API_TOKEN)).json()).toEqual({ name: 'ana', role: 'analyst' })
  })

  it('answers an unknown user, a wrong password and a user without a password identically', async () => {
    const bodies = []
    for (const [name, password] of [
      ['nobody', PASSWORDS.analyst],
      ['ana', 'wrong password'],
      ['cli', 'anything at all'],
    ] as const) {
      const res = await login(name, password, '10.0.0.2')
      expect(res.statusCode).toBe(401)
      bodies.push({ ...res.json(), requestId: null })
    }
    expect(bodies[0]).toEqual({ code: 'UNAUTHENTICATED', message: LOGIN_FAILED_MESSAGE, requestId: null })
    expect(bodies[1]).toEqual(bodies[0])
    expect(bodies[2]).toEqual(bodies[0])
  })

  it('refuses a body without a name or password as a bad request', async () => {
    const res = await app.inject({ method: 'POST', url: '/v1/login', payload: { name: 'ana' } })
    expect(res.statusCode).toBe(400)
    expect(res.json().code).toBe('BAD_REQUEST')
  })

  it('refuses a sixth attempt within 15 minutes after five failures, even with the right password, and allows it again later', async () => {
    const ip = '10.0.0.3'
    for (let i = 0; i < 5; i++) expect((await login('root', `guess ${i}`, ip)).statusCode).toBe(401)
    const limited = await login('root', PASSWORDS.admin, ip)
    expect(limited.statusCode).toBe(429)
    expect(limited.json().code).toBe('RATE_LIMITED')
    // Another address is not locked out by this one's guesses.
    expect((await login('root', PASSWORDS.admin, '10.0.0.4')).statusCode).toBe(200)
    clock = new Date(clock.getTime() + 15 * 60 * 1000 + 1)
    expect((await login('root', PASSWORDS.admin, ip)).statusCode).toBe(200)
  })

  it('stops one address spraying many user names once its total of failures reaches the per-address limit', async () => {
    const small = await build({ maxFailures: 5, maxFailuresPerAddress: 8 })
    const statuses = []
    for (let i = 0; i < 9; i++) {
      statuses.push((await small.inject({ method: 'POST', url: '/v1/login', payload: { name: `user-${i}`, password: 'x' }, remoteAddress: '10.0.0.5' })).statusCode)
    }
    const elsewhere = await small.inject({ method: 'POST', url: '/v1/login', payload: { name: 'ana', password: PASSWORDS.analyst }, remoteAddress: '10.0.0.55' })
    await small.close()
    expect(statuses).toEqual([401, 401, 401, 401, 401, 401, 401, 401, 429])
    expect(elsewhere.statusCode).toBe(200)
  })

  it('never writes the password or the session token to the log', async () => {
    logLines.length = 0
    const res = await login('ana', PASSWORDS.analyst, '10.0.0.6')
    await login('ana', 'a-wrong-password-that-must-not-be-logged', '10.0.0.6')
    const { token } = res.json() as { token: string }
    await get('/v1/analysts-only', token)
    await app.inject({ method: 'POST', url: '/v1/logout', headers: { authorization: `Bearer ${token}` } })
    const log = logLines.join('')
    expect(log).toContain('signed in')
    expect(log).toContain('sign-in refused')
    for (const secret of [PASSWORDS.analyst, 'a-wrong-password-that-must-not-be-logged', token]) expect(log).not.toContain(secret)
  })
})

describe('sessions', () => {
  it('end at logout: the token is refused afterwards and logout itself always answers 204', async () => {
    const { token } = (await login('ana', PASSWORDS.analyst, '10.0.0.7')).json() as { token: string }
    expect((await get('/v1/analysts-only', token)).statusCode).toBe(200)
    const out = await app.inject({ method: 'POST', url: '/v1/logout', headers: { authorization: `Bearer ${token}` } })
    expect(out.statusCode).toBe(204)
    const after = await get('/v1/analysts-only', token)
    expect(after.statusCode).toBe(401)
    expect(after.json().code).toBe('UNAUTHENTICATED')
    expect((await app.inject({ method: 'POST', url: '/v1/logout' })).statusCode).toBe(204)
    // Logging out with an API token does not revoke it.
    expect((await app.inject({ method: 'POST', url: '/v1/logout', headers: { authorization: `Bearer ${API_TOKEN}` } })).statusCode).toBe(204)
    expect((await get('/v1/analysts-only', API_TOKEN)).statusCode).toBe(200)
  })

  it('expire after eight hours', async () => {
    const { token } = (await login('ana', PASSWORDS.analyst, '10.0.0.8')).json() as { token: string }
    clock = new Date(clock.getTime() + 8 * 60 * 60 * 1000 - 1000)
    expect((await get('/v1/analysts-only', token)).statusCode).toBe(200)
    clock = new Date(clock.getTime() + 1000)
    expect((await get('/v1/analysts-only', token)).statusCode).toBe(401)
  })

  it('are not accepted by another service instance, which keeps its own sessions', async () => {
    const { token } = (await login('ana', PASSWORDS.analyst, '10.0.0.9')).json() as { token: string }
    const other = await build()
    const res = await other.inject({ method: 'GET', url: '/v1/analysts-only', headers: { authorization: `Bearer ${token}` } })
    await other.close()
    expect(res.statusCode).toBe(401)
  })
})
