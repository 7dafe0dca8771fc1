/**
 * Password sign-in for people. Passwords are hashed with node:crypto scrypt; a successful sign-in issues a
 * random session token that works like an API token until it expires or is revoked. Only the SHA-256 of a
 * session token is kept, in memory: restarting a service signs everyone out, which is the safe failure.
 */
import { createHash, randomBytes, scrypt, timingSafeEqual, type ScryptOptions } from 'node:crypto'
import type { FastifyInstance } from 'fastify'
import { Type } from 'typebox'
import { ErrorBody, errors } from '@healthflag/protocol'
import type { ApiUser, User } from './auth.js'

/** scrypt cost: N=2^15, r=8, p=1 (OWASP's floor for scrypt), 16-byte salt, 32-byte output. */
export const SCRYPT_PARAMS = { N: 2 ** 15, r: 8, p: 1, saltBytes: 16, keyBytes: 32 } as const

/** Upper bounds accepted when reading a stored hash, so a tampered users file cannot exhaust memory. */
const MAX_N = 2 ** 20
const MAX_R = 32
const MAX_P = 16

function scryptAsync(password: Uint8Array, salt: Uint8Array, keyBytes: number, o: ScryptOptions): Promise<Buffer> {
  return new Promise((resolve, reject) => scrypt(password, salt, keyBytes, o, (err, key) => (err ? reject(err) : resolve(key))))
}

/** Memory scrypt needs is 128·N·r bytes; Node's default cap (32 MiB) is exactly N=2^15, r=8, so allow headroom. */
function options(N: number, r: number, p: number): ScryptOptions {
  return { N, r, p, maxmem: 128 * N * r + 16 * 1024 * 1024 }
}

/** Passwords are compared as NFC-normalised UTF-8, so the same password typed on two keyboards matches. */
function passwordBytes(password: string): Uint8Array {
  return new TextEncoder().encode(password.normalize('NFC'))
}

/**
 * Hashes a password for a users file.
 * @returns `scrypt$N$r$p$salt_b64$hash_b64` (standard base64).
 */
export async function hashPassword(password: string, params: { N: number; r: number; p: number } = SCRYPT_PARAMS): Promise<string> {
  const salt = randomBytes(SCRYPT_PARAMS.saltBytes)
  const key = await scryptAsync(passwordBytes(password), salt, SCRYPT_PARAMS.keyBytes, options(params.N, params.r, params.p))
  return `scrypt$${params.N}$${params.r}$${params.p}$${salt.toString('base64')}$${key.toString('base64')}`
}

interface ParsedHash {
  N: number
  r: number
  p: number
  salt: Buffer
  key: Buffer
}

function parseHash(stored: string): ParsedHash | undefined {
  const parts = stored.split('$')
  if (parts.length !== 6 || parts[0] !== 'scrypt') return undefined
  const [N, r, p] = parts.slice(1, 4).map((s) => (/^[1-9][0-9]{0,7}$/.test(s ?? '') ? Number(s) : NaN)) as [number, number, number]
  if (!(N > 1 && N <= MAX_N && (N & (N - 1)) === 0) || !(r >= 1 && r <= MAX_R) || !(p >= 1 && p <= MAX_P)) return undefined
  const salt = Buffer.from(parts[4]!, 'base64')
  const key = Buffer.from(parts[5]!, 'base64')
  if (salt.length < 16 || key.length < 16 || key.length > 64) return undefined
  return { N, r, p, salt, key }
}

/**
 * True when `password` hashes to `stored` (a `scrypt$…` string from {@link hashPassword}). Compares in
 * constant time; a malformed stored hash verifies nothing (false), it never throws.
 */
export async function verifyPassword(password: string, stored: string): Promise<boolean> {
  const h = parseHash(stored)
  if (!h) return false
  const key = await scryptAsync(passwordBytes(password), h.salt, h.key.length, options(h.N, h.r, h.p))
  return timingSafeEqual(key, h.key)
}

function sha256hex(token: string): string {
  return createHash('sha256').update(token, 'utf8').digest('hex')
}

export interface Session {
  user: User
  expiresAt: Date
}

/**
 * Sessions by SHA-256 of their token. A map lookup by hash leaks no useful timing: the caller cannot steer
 * the hash of a guess towards a stored one.
 */
export class SessionStore {
  private readonly sessions = new Map<string, Session>()

  constructor(
    private readonly now: () => Date = () => new Date(),
    readonly ttlMs: number = 8 * 60 * 60 * 1000,
  ) {}

  /** A fresh 32-byte random token (base64url) for `user`; only its hash is kept. */
  issue(user: User): { token: string; expiresAt: Date } {
    this.prune()
    const token = randomBytes(32).toString('base64url')
    const expiresAt = new Date(this.now().getTime() + this.ttlMs)
    this.sessions.set(sha256hex(token), { user: { name: user.name, role: user.role, district: user.district }, expiresAt })
    return { token, expiresAt }
  }

  /** The signed-in user, or undefined for an unknown, revoked or expired token. */
  find(token: string): User | undefined {
    const key = sha256hex(token)
    const s = this.sessions.get(key)
    if (!s) return undefined
    if (s.expiresAt.getTime() <= this.now().getTime()) {
      this.sessions.delete(key)
      return undefined
    }
    return s.user
  }

  /** Ends the session; true when there was one. */
  revoke(token: string): boolean {
    return this.sessions.delete(sha256hex(token))
  }

  get size(): number {
    return this.sessions.size
  }

  private prune(): void {
    const t = this.now().getTime()
    for (const [k, s] of this.sessions) if (s.expiresAt.getTime() <= t) this.sessions.delete(k)
  }
}

/**
 * Failed sign-ins per key within a sliding window. Keys are (user name, client address) pairs, so one
 * address guessing one person's password is stopped without letting anyone lock a person out everywhere,
 * and a per-address total stops one address spraying many names.
 */
export class LoginLimiter {
  private readonly failures = new Map<string, number[]>()

  constructor(
    private readonly now: () => Date = () => new Date(),
    readonly maxFailures = 5,
    readonly windowMs = 15 * 60 * 1000,
  ) {}

  private recent(key: string): number[] {
    const since = this.now().getTime() - this.windowMs
    const kept = (this.failures.get(key) ?? []).filter((t) => t > since)
    if (kept.length) this.failures.set(key, kept)
    else this.failures.delete(key)
    return kept
  }

  blocked(key: string, max = this.maxFailures): boolean {
    return this.recent(key).length >= max
  }

  fail(key: string): void {
    this.failures.set(key, [...this.recent(key), this.now().getTime()])
  }

  clear(key: string): void {
    this.failures.delete(key)
  }
}

export interface LoginRoutesOptions {
  users: readonly ApiUser[]
  sessions: SessionStore
  limiter: LoginLimiter
  /** Failed sign-ins from one address, over all names, before it is refused too. */
  maxFailuresPerAddress?: number
}

const LoginBody = Type.Object(
  {
    name: Type.String({ minLength: 1, maxLength: 200 }),
    password: Type.String({ minLength: 1, maxLength: 1024 }),
  },
  { additionalProperties: false },
)

const LoginAnswer = Type.Object(
  {
    token: Type.String(),
    expires_at: Type.String(),
    user: Type.Object({ name: Type.String(), role: Type.String(), district: Type.Union([Type.String(), Type.Null()]) }, { additionalProperties: false }),
  },
  { additionalProperties: false },
)

/** The same sentence for an unknown name and a wrong password, so sign-in does not confirm who has an account. */
export const LOGIN_FAILED_MESSAGE = 'User name or password is wrong.'

let dummyHash: Promise<string> | undefined
/** A real hash to verify against when the name is unknown, so both failures cost one scrypt. */
function dummy(): Promise<string> {
  dummyHash ??= hashPassword(randomBytes(16).toString('base64'))
  return dummyHash
}

function bearer(header: string | undefined): string | undefined {
  return header?.startsWith('Bearer ') ? header.slice(7).trim() || undefined : undefined
}

/** POST /v1/login and POST /v1/logout; registered by authPlugin on every service. */
export async function loginRoutes(app: FastifyInstance, opts: LoginRoutesOptions): Promise<void> {
  const perAddress = opts.maxFailuresPerAddress ?? opts.limiter.maxFailures * 10
  app.post(
    '/v1/login',
    {
      config: { roles: 'public' },
      schema: {
        summary: 'Sign in with user name and password; answers a session token to send as "Authorization: Bearer <token>"',
        body: LoginBody,
        response: { 200: LoginAnswer, 400: ErrorBody, 401: ErrorBody, 429: ErrorBody },
      },
    },
    async (req) => {
      const { name, password } = req.body as { name: string; password: string }
      const pairKey = `user\u0000${name}\u0000${req.ip}`
      const addressKey = `addr\u0000${req.ip}`
      if (opts.limiter.blocked(pairKey) || opts.limiter.blocked(addressKey, perAddress)) {
        throw errors.rateLimited('Too many failed sign-in attempts; wait 15 minutes and try again, or ask an administrator.')
      }
      const user = opts.users.find((u) => u.name === name && typeof u.passwordHash === 'string')
      const ok = await verifyPassword(password, user?.passwordHash ?? (await dummy()))
      if (!user || !ok) {
        opts.limiter.fail(pairKey)
        opts.limiter.fail(addressKey)
        req.log.info('sign-in refused')
        throw errors.unauthenticated(LOGIN_FAILED_MESSAGE)
      }
      opts.limiter.clear(pairKey)
      const { token, expiresAt } = opts.sessions.issue(user)
      req.log.info({ user: user.name, role: user.role }, 'signed in')
      return { token, expires_at: expiresAt.toISOString(), user: { name: user.name, role: user.role, district: user.district } }
    },
  )

  app.post(
    '/v1/logout',
    {
      config: { roles: 'public' },
      schema: { summary: 'End the session whose token is sent as "Authorization: Bearer <token>"; API tokens are not affected', response: { 204: Type.Null() } },
    },
    async (req, reply) => {
      const token = bearer(req.headers.authorization)
      if (token && opts.sessions.revoke(token)) req.log.info('signed out')
      return reply.status(204).send()
    },
  )
}
