/**
 * The role matrix, generated from each service's registered route table: every route × every role is
 * either allowed or refused, exactly as the route declares. Refused answers 404 with the same body as a
 * route that does not exist; no token answers 401; a route registered without roles cannot boot.
 * Parametrised routes are called with ids that fail validation, so an allowed role gets 400 (the auth
 * hook ran and let it through) and a refused one 404 (the auth hook stopped it) — no data is needed.
 */
import { randomBytes, randomUUID } from 'node:crypto'
import Fastify, { type FastifyInstance } from 'fastify'
import { ed25519 } from '@noble/curves/ed25519.js'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createTestTarget, type TestTarget } from '@healthflag/db'
import { loadExampleIsa, withPartyKeys } from '@healthflag/isa'
import { toBase64Url } from '@healthflag/protocol'
import { SERVICE_FASTIFY_OPTIONS, authPlugin, errorsPlugin, generatePartyKeys, hashToken, publicKeys, routeTable, routeTablePlugin, type ApiUser, type Role, type RouteAccess } from '@healthflag/service-kit'
import { councilApp } from '@healthflag/council'
import { sidecarApp } from '@healthflag/sidecar'
import { ledgerApp } from '@healthflag/ledger'

const ROLES: Role[] = ['analyst', 'ig_officer', 'auditor', 'admin']
const tokens = Object.fromEntries(ROLES.map((r) => [r, randomBytes(24).toString('base64url')])) as Record<Role, string>
const users: ApiUser[] = ROLES.map((r) => ({ name: `test-${r}`, role: r, district: null, tokenSha256: hashToken(tokens[r]) }))

/**
 * The access policy of the two services this team owns, route by route. A route added, removed or
 * re-scoped without updating this table fails the test, so every change of access is a reviewed one.
 */
const POLICY: Record<'council' | 'sidecar', Record<string, RouteAccess>> = {
  council: {
    'GET /': 'public',
    'GET /health': 'public',
    'POST /v1/login': 'public',
    'POST /v1/logout': 'public',
    'POST /v1/uploads': ['analyst', 'admin'],
    'GET /v1/uploads': ['analyst', 'admin'],
    'GET /v1/uploads/:id': ['analyst', 'admin'],
    'POST /v1/uploads/:id/exchanges': ['analyst', 'admin'],
    'GET /v1/exchanges': ['analyst', 'admin'],
    'GET /v1/exchanges/:id': ['analyst', 'admin'],
    'GET /v1/exchanges/:id/results': ['analyst'],
    'GET /v1/exchanges/:id/results.csv': ['analyst'],
    'GET /v1/exchanges/:id/families': ['analyst'],
    'GET /v1/exchanges/:id/districts': ['analyst'],
    'POST /v1/admin/purge': ['admin'],
    'GET /v1/isas': ['analyst', 'admin'],
    'GET /v1/isas/:isa_id/versions': ['analyst', 'admin'],
    'POST /v1/isas': ['admin'],
    'POST /v1/isas/:isa_id/variations': ['admin'],
    'POST /v1/isas/:isa_id/suspend': ['admin'],
    'POST /v1/isas/:isa_id/expire': ['admin'],
  },
  sidecar: {
    'GET /health': 'public',
    'GET /ig': 'public',
    'POST /v1/login': 'public',
    'POST /v1/logout': 'public',
    'POST /v1/exchanges': 'peer',
    'GET /v1/exchanges/:id': 'peer',
    'POST /v1/index': ['ig_officer', 'admin'],
    'GET /v1/index': ['ig_officer', 'admin'],
    'GET /v1/ig/exchanges': ['ig_officer', 'admin'],
    'POST /v1/ig/exchanges/:id/approve': ['ig_officer'],
    'POST /v1/ig/exchanges/:id/refuse': ['ig_officer'],
    'GET /v1/isas': ['ig_officer', 'admin'],
    'GET /v1/isas/:isa_id/versions': ['ig_officer', 'admin'],
    'POST /v1/isas': ['admin'],
    'POST /v1/isas/:isa_id/variations': ['admin'],
    'POST /v1/isas/:isa_id/suspend': ['admin'],
    'POST /v1/isas/:isa_id/expire': ['admin'],
  },
}

const apps: Record<'council' | 'sidecar' | 'ledger', FastifyInstance> = {} as never
const targets: TestTarget[] = []

beforeAll(async () => {
  const councilKeys = generatePartyKeys()
  const trustKeys = generatePartyKeys()
  const isa = withPartyKeys(loadExampleIsa(), { council: publicKeys(councilKeys), trust: publicKeys(trustKeys) })
  const db = async (label: string) => {
    const t = await createTestTarget(label)
    targets.push(t)
    return t.target
  }
  // Peers are never called here: every request is refused or fails validation before any handler runs.
  const nowhere = 'http://127.0.0.1:9'
  apps.ledger = Fastify({ ...SERVICE_FASTIFY_OPTIONS, logger: false })
  await apps.ledger.register(ledgerApp, {
    database: await db('roles_l'),
    signingKey: ed25519.utils.randomSecretKey(),
    origin: 'healthflag.local/ledger/roles',
    parties: { council: toBase64Url(councilKeys.signing.publicKey), trust: toBase64Url(trustKeys.signing.publicKey) },
    users,
  })
  apps.sidecar = Fastify({ ...SERVICE_FASTIFY_OPTIONS, logger: false })
  await apps.sidecar.register(sidecarApp, { database: await db('roles_s'), keys: trustKeys, isa, ledgerUrl: nowhere, users })
  apps.council = Fastify({ ...SERVICE_FASTIFY_OPTIONS, logger: false })
  await apps.council.register(councilApp, { database: await db('roles_c'), keys: councilKeys, isa, sidecarUrl: nowhere, ledgerUrl: nowhere, users })
  for (const a of Object.values(apps)) await a.ready()
})

afterAll(async () => {
  for (const a of Object.values(apps)) await a?.close()
  for (const t of targets) await t.drop()
})

/** Route table entries, without the generated OpenAPI routes (forced public by authPlugin). */
function table(app: FastifyInstance) {
  return routeTable(app).filter((r) => !r.url.startsWith('/docs'))
}

/** A schema-valid exchange request, so a peer route is judged on its signature and not its body. */
const validExchange = {
  exchange_id: randomUUID(),
  isa_id: 'brfc-sssft-mh',
  isa_digest: '0'.repeat(64),
  clause_id: 'brfc-mh-1',
  purpose: 'brfc.mental_health_flag',
  epoch: 1,
  key_kcv: '0123456789abcdef',
  match_keys: ['nhs'],
  returned_fields: ['active_service'],
  attestation: { min_criteria: 2, rows: 1, statement: 'test' },
  rows: [{ ref: randomBytes(16).toString('base64url'), tokens: { nhs: [randomBytes(16).toString('base64url')] } }],
  sent_at: new Date().toISOString(),
}

/**
 * A request for `route`. User routes get ids that fail validation, so an allowed caller gets past auth and
 * then a 400 (or the route's answer), never 401/404. Peer routes get well-formed ids and bodies, so only
 * the missing signature can refuse them.
 */
function probe(route: { method: string; url: string; roles: RouteAccess }) {
  const peer = route.roles === 'peer'
  const url = route.url.replace(/:[a-z_]+/g, peer ? randomUUID() : 'NOT%20AN%20ID').replace(/\*$/, 'x')
  const payload = route.method !== 'POST' ? undefined : peer && route.url === '/v1/exchanges' ? validExchange : {}
  return { method: route.method as 'GET' | 'POST', url, ...(payload !== undefined ? { payload } : {}) }
}

async function call(app: FastifyInstance, route: { method: string; url: string; roles: RouteAccess }, token?: string) {
  const res = await app.inject({ ...probe(route), headers: token ? { authorization: `Bearer ${token}` } : {} })
  return { status: res.statusCode, body: res.headers['content-type']?.toString().includes('json') ? (res.json() as Record<string, unknown>) : res.body }
}

describe('route tables', () => {
  for (const svc of ['council', 'sidecar'] as const) {
    it(`declares exactly the reviewed access policy on every ${svc} route`, () => {
      const got = Object.fromEntries(table(apps[svc]).map((r) => [`${r.method} ${r.url}`, r.roles]))
      expect(got).toEqual(POLICY[svc])
    })
  }

  it('refuses to boot a route registered without declared roles', async () => {
    const app = Fastify({ logger: false })
    await app.register(errorsPlugin)
    await app.register(routeTablePlugin)
    await app.register(authPlugin, { users })
    expect(() => app.get('/v1/undeclared', async () => ({ secret: true }))).toThrow(/registered without declared roles/)
    app.get('/v1/declared', { config: { roles: ['admin'] } }, async () => ({ ok: true }))
    await app.ready()
    // authPlugin brings the public sign-in routes; the declared route is the only other one.
    expect(routeTable(app).map((r) => r.url)).toEqual(['/v1/login', '/v1/logout', '/v1/declared'])
    await app.close()
  })
})

describe('role matrix', () => {
  for (const svc of ['council', 'sidecar', 'ledger'] as const) {
    it(`allows or refuses every ${svc} route for every role exactly as declared`, async () => {
      const app = apps[svc]
      const unknown = await call(app, { method: 'GET', url: '/v1/no-such-resource', roles: 'public' }, tokens.admin)
      expect(unknown.status).toBe(404)
      const matrix: string[] = []
      for (const route of table(app)) {
        for (const role of ROLES) {
          const res = await call(app, route, tokens[role])
          const access = route.roles
          let verdict: string
          if (access === 'public') {
            expect(res.status, `${route.method} ${route.url} as ${role}`).not.toBe(401)
            verdict = 'allowed'
          } else if (access === 'peer') {
            // Users are never peers: a peer route needs a request signed with a party key from the ISA.
            expect(res.status, `${route.method} ${route.url} as ${role}`).toBe(401)
            expect((res.body as { code: string }).code).toBe('SIGNATURE_MISSING')
            verdict = 'refused'
          } else if (access.includes(role)) {
            expect([401, 404], `${route.method} ${route.url} as ${role} (allowed) answered ${res.status}`).not.toContain(res.status)
            verdict = 'allowed'
          } else {
            expect(res.status, `${route.method} ${route.url} as ${role} (refused)`).toBe(404)
            // Forbidden and unknown are indistinguishable.
            expect({ ...(res.body as object), requestId: undefined }).toEqual({ ...(unknown.body as object), requestId: undefined })
            verdict = 'refused'
          }
          matrix.push(`${route.method} ${route.url} ${role} ${verdict}`)
        }
        if (Array.isArray(route.roles)) {
          const anonymous = await call(app, route)
          expect(anonymous.status, `${route.method} ${route.url} without a token`).toBe(401)
        }
      }
      expect(matrix.length).toBe(table(app).length * ROLES.length)
      // Every service refuses at least one role somewhere: roles are not decoration.
      expect(matrix.some((m) => m.endsWith('refused'))).toBe(true)
    })
  }

  it('lets only the ig_officer decide exchanges on the side-car, and only admins change an ISA anywhere', () => {
    for (const svc of ['council', 'sidecar'] as const) {
      for (const r of table(apps[svc])) {
        if (r.method === 'POST' && r.url.startsWith('/v1/isas')) expect(r.roles).toEqual(['admin'])
      }
    }
    const decisions = table(apps.sidecar).filter((r) => /\/(approve|refuse)$/.test(r.url))
    expect(decisions).toHaveLength(2)
    for (const d of decisions) expect(d.roles).toEqual(['ig_officer'])
  })
})
