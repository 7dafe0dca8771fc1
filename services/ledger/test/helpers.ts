/** A ledger service alone on a fresh database (own PG schema, or in-memory PGlite), for the ledger's tests. */
import Fastify, { type FastifyInstance } from 'fastify'
import { randomBytes } from 'node:crypto'
import { ed25519 } from '@noble/curves/ed25519.js'
import { createTestTarget, openDatabase, type DatabaseHandle, type DatabaseTarget, type TestTarget } from '@healthflag/db'
import { signEntry, type LedgerEntry, type SignedEntry } from '@healthflag/ledger-core'
import { signRequest, toBase64Url } from '@healthflag/protocol'
import { SERVICE_FASTIFY_OPTIONS, hashToken } from '@healthflag/service-kit'
import { ledgerApp, type LedgerDB } from '../src/index.js'

export interface TestLedger {
  app: FastifyInstance
  url: string
  origin: string
  signingKey: Uint8Array
  parties: { council: Uint8Array; trust: Uint8Array }
  auditorToken: string
  target: DatabaseTarget
  /** A second connection to the same database, for tampering and direct checks (PostgreSQL only). */
  sql?: DatabaseHandle<LedgerDB>
  close(): Promise<void>
}

export const ORIGIN = 'healthflag.test/ledger'

export async function startLedger(label: string, opts: { target?: TestTarget; signingKey?: Uint8Array; parties?: { council: Uint8Array; trust: Uint8Array }; maxBatch?: number } = {}): Promise<TestLedger & { drop(): Promise<void> }> {
  const t = opts.target ?? (await createTestTarget(label))
  const signingKey = opts.signingKey ?? ed25519.utils.randomSecretKey()
  const parties = opts.parties ?? { council: ed25519.utils.randomSecretKey(), trust: ed25519.utils.randomSecretKey() }
  const auditorToken = randomBytes(24).toString('base64url')
  const app = Fastify({ ...SERVICE_FASTIFY_OPTIONS, logger: false })
  await app.register(ledgerApp, {
    database: t.target,
    signingKey,
    origin: ORIGIN,
    parties: { council: toBase64Url(ed25519.getPublicKey(parties.council)), trust: toBase64Url(ed25519.getPublicKey(parties.trust)) },
    users: [{ name: 'auditor', role: 'auditor', district: null, tokenSha256: hashToken(auditorToken) }],
    ...(opts.maxBatch !== undefined ? { maxBatch: opts.maxBatch } : {}),
  })
  const url = await app.listen({ host: '127.0.0.1', port: 0 })
  const sqlHandle = t.target.kind === 'postgres' ? await openDatabase<LedgerDB>(t.target) : undefined
  const close = async () => {
    await sqlHandle?.close()
    await app.close()
  }
  return { app, url, origin: ORIGIN, signingKey, parties, auditorToken, target: t.target, ...(sqlHandle ? { sql: sqlHandle } : {}), close, drop: async () => { await close(); await t.drop() } }
}

let counter = 0
/** A well-formed entry of `party`, distinct from every other one made in this process. */
export function makeEntry(party: 'council' | 'trust', seed: Uint8Array, over: Partial<LedgerEntry> = {}): SignedEntry {
  counter++
  const e: LedgerEntry = {
    type: party === 'council' ? 'exchange.requested' : 'exchange.answered',
    isa_id: 'ISA-TEST',
    isa_digest: 'ab'.repeat(32),
    clause_id: 'c1',
    exchange_id: `x-${process.pid}-${counter}-${randomBytes(4).toString('hex')}`,
    party,
    at: new Date().toISOString(),
    counts: { rows: 10 + (counter % 7) },
    ...over,
  }
  return signEntry(e, seed, party)
}

/** POSTs `body` as JSON to the ledger, as a signed request of `party` (its private key) when given. */
export async function postJson(L: TestLedger, path: string, body: unknown, signAs?: { party: string; privateKey: Uint8Array }): Promise<{ status: number; body: Record<string, unknown> }> {
  const bytes = new TextEncoder().encode(JSON.stringify(body))
  const headers: Record<string, string> = { 'content-type': 'application/json', ...(signAs ? signRequest(signAs, 'POST', path, bytes) : {}) }
  const res = await fetch(new URL(path, L.url), { method: 'POST', headers, body: bytes })
  return { status: res.status, body: (await res.json()) as Record<string, unknown> }
}

/** GETs JSON from the ledger with the auditor's token. */
export async function auditorGetJson<T = unknown>(L: TestLedger, path: string): Promise<{ status: number; body: T }> {
  const res = await fetch(new URL(path, L.url), { headers: { authorization: `Bearer ${L.auditorToken}` } })
  return { status: res.status, body: (await res.json()) as T }
}
