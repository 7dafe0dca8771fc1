/**
 * Starts the three services on free localhost ports, each with its own database, wired together with
 * fresh keys and the example ISA. Used by the demo and the end-to-end tests (real HTTP between them).
 */
import Fastify, { type FastifyInstance } from 'fastify'
import { randomBytes } from 'node:crypto'
import type { Writable } from 'node:stream'
import { ed25519 } from '@noble/curves/ed25519.js'
import type { DatabaseTarget } from '@healthflag/db'
import { loadExampleIsa, renewals, withPartyKeys, withApproval, type IsaDocument } from '@healthflag/isa'
import { toBase64Url } from '@healthflag/protocol'
import { SERVICE_FASTIFY_OPTIONS, generatePartyKeys, hashPassword, hashToken, loggerOptions, publicKeys, type ApiUser, type PartyKeys } from '@healthflag/service-kit'
import { councilApp } from '@healthflag/council'
import { sidecarApp } from '@healthflag/sidecar'
import { ledgerApp } from '@healthflag/ledger'
import { api } from './client.js'

export interface StackOptions {
  databases: { council: DatabaseTarget; sidecar: DatabaseTarget; ledger: DatabaseTarget }
  keys?: { council?: PartyKeys; trust?: PartyKeys; ledger?: Uint8Array }
  /** Where service logs go (JSON lines); default: discarded. */
  logStream?: Writable
  logLevel?: string
  approvalRequired?: boolean
  isa?: (doc: IsaDocument) => IsaDocument
  now?: () => Date
  /** Start the services' worker threads at start-up, as production servers do (the bench; tests leave it off). */
  warmWorkers?: boolean
  /** the side-car reads its live index into memory at start (SidecarOptions.preloadIndex) */
  preloadIndex?: boolean
  /** The side-car's index directory (its token files); default: a temporary one removed with the stack. */
  indexDir?: string
  /** The token key epoch of both council and side-car (default 1). */
  epoch?: number
  /** The side-car's idle limit on an index upload (SidecarOptions.importIdleMs). */
  importIdleMs?: number
}

export interface StackUser {
  name: string
  token: string
}

/** A person's sign-in on one service's web page. */
export interface StackLogin {
  name: string
  password: string
}

export interface Stack {
  council: FastifyInstance
  sidecar: FastifyInstance
  ledger: FastifyInstance
  urls: { council: string; sidecar: string; ledger: string }
  isa: IsaDocument
  keys: { council: PartyKeys; trust: PartyKeys; ledger: Uint8Array }
  /** API tokens of the built-in users, by role. */
  tokens: { analyst: string; districtAnalyst: (district: string) => string; igOfficer: string; auditor: string; admin: string }
  /**
   * User names and passwords of the same built-in users, for the web pages' sign-in form. Always set by
   * startStack; optional only so stacks assembled by hand (test/isa-fixtures.ts) still type-check.
   */
  logins?: {
    analyst: StackLogin
    districtAnalyst: (district: string) => StackLogin
    igOfficer: StackLogin
    auditor: StackLogin
    admin: { council: StackLogin; sidecar: StackLogin; ledger: StackLogin }
  }
  ledgerOrigin: string
  close(): Promise<void>
}

const DISTRICTS = ['Cannock Chase', 'East Staffordshire', 'Lichfield', 'Newcastle-under-Lyme', 'South Staffordshire', 'Stafford', 'Staffordshire Moorlands', 'Tamworth']

function token(): string {
  return randomBytes(24).toString('base64url')
}

function districtUserName(d: string): string {
  return `analyst-${d.toLowerCase().replace(/[^a-z]+/g, '-')}`
}

/**
 * scrypt cost for the built-in users of a local stack. The full cost (N=2^15) protects passwords people
 * choose; these are random 192-bit throwaway passwords of an in-memory stack, which no cost factor makes
 * easier or harder to guess, and fourteen full-cost hashes add seconds to every stack start.
 * Provisioned users files (scripts/provision.ts) use the full cost.
 */
const STACK_SCRYPT = { N: 2 ** 12, r: 8, p: 1 }

/** Each built-in user gets a random password; hashed concurrently (scrypt runs on the libuv pool). */
async function withPasswords(users: Omit<ApiUser, 'passwordHash'>[], passwords: Map<string, string>): Promise<ApiUser[]> {
  return Promise.all(
    users.map(async (u) => {
      const password = token()
      passwords.set(u.name, password)
      return { ...u, passwordHash: await hashPassword(password, STACK_SCRYPT) }
    }),
  )
}

export type StackLogins = NonNullable<Stack['logins']>

export interface BuiltInUsers {
  /** The users lists to pass to councilApp, sidecarApp and ledgerApp. */
  users: { council: ApiUser[]; sidecar: ApiUser[]; ledger: ApiUser[] }
  tokens: Stack['tokens']
  logins: StackLogins
}

/**
 * The built-in users of a local stack, each with a fresh API token and a fresh password: the central
 * analyst, one analyst per district and an admin on the council; the IG officer and an admin on the
 * side-car; the auditor and an admin on the ledger (the three admins share one API token).
 * Exported for harnesses that assemble the services themselves.
 */
export async function builtInUsers(): Promise<BuiltInUsers> {
  const analyst = token()
  const igOfficer = token()
  const auditor = token()
  const admin = token()
  const districtTokens = new Map(DISTRICTS.map((d) => [d, token()]))
  const passwords = new Map<string, string>()
  const [council, sidecar, ledger] = await Promise.all([
    withPasswords(
      [
        { name: 'central-analyst', role: 'analyst', district: null, tokenSha256: hashToken(analyst) },
        { name: 'council-admin', role: 'admin', district: null, tokenSha256: hashToken(admin) },
        ...[...districtTokens].map(([d, t]) => ({ name: districtUserName(d), role: 'analyst' as const, district: d, tokenSha256: hashToken(t) })),
      ],
      passwords,
    ),
    withPasswords(
      [
        { name: 'ig-officer', role: 'ig_officer', district: null, tokenSha256: hashToken(igOfficer) },
        { name: 'trust-admin', role: 'admin', district: null, tokenSha256: hashToken(admin) },
      ],
      passwords,
    ),
    withPasswords(
      [
        { name: 'auditor', role: 'auditor', district: null, tokenSha256: hashToken(auditor) },
        { name: 'ledger-admin', role: 'admin', district: null, tokenSha256: hashToken(admin) },
      ],
      passwords,
    ),
  ])
  const login = (name: string): StackLogin => ({ name, password: passwords.get(name)! })
  return {
    users: { council, sidecar, ledger },
    tokens: {
      analyst,
      districtAnalyst: (d) => {
        const t = districtTokens.get(d)
        if (!t) throw new Error(`unknown district ${d}`)
        return t
      },
      igOfficer,
      auditor,
      admin,
    },
    logins: {
      analyst: login('central-analyst'),
      districtAnalyst: (d) => {
        if (!districtTokens.has(d)) throw new Error(`unknown district ${d}`)
        return login(districtUserName(d))
      },
      igOfficer: login('ig-officer'),
      auditor: login('auditor'),
      admin: { council: login('council-admin'), sidecar: login('trust-admin'), ledger: login('ledger-admin') },
    },
  }
}

/**
 * Records on the council and the side-car, through their ISA registries as both IG leads would, the renewing
 * variations the agreement needs on `now` (`renewals` in @healthflag/isa: none before its review date), so that the
 * demo and the tests keep running on the example after its own dates. Returns the version then in effect.
 */
export async function registerRenewals(urls: { council: string; sidecar: string }, adminToken: string, doc: IsaDocument, now: Date): Promise<IsaDocument> {
  const chain = renewals(doc, now)
  for (const v of chain) for (const url of [urls.council, urls.sidecar]) await api.registerIsa(url, adminToken, v)
  return chain.at(-1) ?? doc
}

export async function startStack(opts: StackOptions): Promise<Stack> {
  const councilKeys = opts.keys?.council ?? generatePartyKeys()
  const trustKeys = opts.keys?.trust ?? generatePartyKeys()
  const ledgerKey = opts.keys?.ledger ?? ed25519.utils.randomSecretKey()
  let isa = withPartyKeys(loadExampleIsa(), { council: publicKeys(councilKeys), trust: publicKeys(trustKeys) })
  if (opts.approvalRequired) isa = withApproval(isa, isa.clauses[0]!.id, true)
  if (opts.isa) isa = opts.isa(isa)

  const { users: { council: councilUsers, sidecar: sidecarUsers, ledger: ledgerUsers }, tokens, logins } = await builtInUsers()
  const logger = (service: string) => (opts.logStream ? { ...loggerOptions(service, opts.logLevel ?? 'info'), stream: opts.logStream } : false)
  const ledgerOrigin = 'healthflag.local/ledger/brfc-sssft'

  const ledger = Fastify({ ...SERVICE_FASTIFY_OPTIONS, logger: logger('ledger') as never })
  await ledger.register(ledgerApp, {
    database: opts.databases.ledger,
    signingKey: ledgerKey,
    origin: ledgerOrigin,
    parties: { council: toBase64Url(councilKeys.signing.publicKey), trust: toBase64Url(trustKeys.signing.publicKey) },
    users: ledgerUsers,
    ...(opts.now ? { now: opts.now } : {}),
  })
  const ledgerUrl = await ledger.listen({ host: '127.0.0.1', port: 0 })

  const sidecar = Fastify({ ...SERVICE_FASTIFY_OPTIONS, logger: logger('sidecar') as never })
  await sidecar.register(sidecarApp, { database: opts.databases.sidecar, keys: trustKeys, isa, ledgerUrl, users: sidecarUsers, ...(opts.now ? { now: opts.now } : {}), ...(opts.warmWorkers ? { warmWorkers: true } : {}), ...(opts.preloadIndex ? { preloadIndex: true } : {}), ...(opts.indexDir ? { indexDir: opts.indexDir } : {}), ...(opts.epoch !== undefined ? { epoch: opts.epoch } : {}), ...(opts.importIdleMs !== undefined ? { importIdleMs: opts.importIdleMs } : {}) })
  const sidecarUrl = await sidecar.listen({ host: '127.0.0.1', port: 0 })

  const council = Fastify({ ...SERVICE_FASTIFY_OPTIONS, logger: logger('council') as never })
  await council.register(councilApp, { database: opts.databases.council, keys: councilKeys, isa, sidecarUrl, ledgerUrl, users: councilUsers, ...(opts.now ? { now: opts.now } : {}), ...(opts.warmWorkers ? { warmWorkers: true } : {}), ...(opts.epoch !== undefined ? { epoch: opts.epoch } : {}) })
  const councilUrl = await council.listen({ host: '127.0.0.1', port: 0 })
  const inEffect = await registerRenewals({ council: councilUrl, sidecar: sidecarUrl }, tokens.admin, isa, opts.now?.() ?? new Date())

  return {
    council,
    sidecar,
    ledger,
    urls: { council: councilUrl, sidecar: sidecarUrl, ledger: ledgerUrl },
    isa: inEffect,
    keys: { council: councilKeys, trust: trustKeys, ledger: ledgerKey },
    tokens,
    logins,
    ledgerOrigin,
    async close() {
      await council.close()
      await sidecar.close()
      await ledger.close()
    },
  }
}
