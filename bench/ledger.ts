// Ledger benchmarks on real PostgreSQL, in schemas of their own that are dropped afterwards:
//  1. appends/s with 20 concurrent writers (group commit in the store; HTTP single appends; HTTP batches);
//  2. a bulk-loaded log of 10^6 entries (multi-row inserts, not appends): inclusion-proof latency p50/p95,
//     full tree re-hash from the stored bodies, and, separately, the signature pass.
// Usage: DATABASE_URL=postgres://… npm run bench:ledger   (BENCH_LEDGER_SIZE=… for a smaller log;
// BENCH_LEDGER_ONLY=appends|log runs one half; BENCH_LEDGER_SIGNATURES=0 skips the signature pass; BENCH_LEDGER_FULL_AUDIT=1 adds the one-pass audit `ledger verify --database-url` makes)
import { createPrivateKey, randomBytes, sign as nodeSign } from 'node:crypto'
import Fastify from 'fastify'
import { canonicalize } from 'json-canonicalize'
import pg from 'pg'
import { sql } from 'kysely'
import { ed25519 } from '@noble/curves/ed25519.js'
import { migrateToLatest, openDatabase, quoteIdent, type DatabaseTarget } from '@healthflag/db'
import {
  ENTRY_SIGNATURE_DOMAIN,
  RootBuilder,
  auditLog,
  fastLeafHash,
  fastNodeHash,
  fastVerifyEntry,
  fromBase64,
  inclusionProofFrom,
  parseEntryBytes,
  signCheckpoint,
  signEntry,
  toBase64Url,
  verifyEntry,
  verifyInclusion,
  type AuditRow,
  type LedgerEntry,
  type SignedEntry,
} from '@healthflag/ledger-core'
import { signedFetch } from '@healthflag/service-kit'
import { createSequencer, ledgerApp, nodeReader, type LedgerDB } from '@healthflag/ledger'
import { emit, percentile, round } from './lib/figures.js'

const url = process.env.DATABASE_URL
if (!url) {
  process.stderr.write('bench:ledger needs real PostgreSQL: set DATABASE_URL=postgres://…\n')
  process.exit(2)
}
const SIZE = Number(process.env.BENCH_LEDGER_SIZE ?? 1_000_000)
const WRITERS = 20
const origin = 'bench.healthflag/ledger'
const ledgerKey = ed25519.utils.randomSecretKey()
const signer = { name: origin, origin, privateKey: ledgerKey }
const parties = { council: ed25519.utils.randomSecretKey(), trust: ed25519.utils.randomSecretKey() }
const log = (s: string) => process.stderr.write(`[bench:ledger] ${s}\n`)
const schemas: string[] = []

async function freshSchema(label: string): Promise<DatabaseTarget & { kind: 'postgres' }> {
  const schema = `bench_ledger_${label}_${randomBytes(4).toString('hex')}`
  const c = new pg.Client({ connectionString: url })
  await c.connect()
  await c.query(`CREATE SCHEMA ${quoteIdent(schema)}`)
  await c.end()
  schemas.push(schema)
  return { kind: 'postgres', url: url!, schema, poolSize: 10 }
}

async function dropSchemas(): Promise<void> {
  const c = new pg.Client({ connectionString: url })
  await c.connect()
  for (const s of schemas) await c.query(`DROP SCHEMA IF EXISTS ${quoteIdent(s)} CASCADE`)
  await c.end()
}

let n = 0
function entryOf(party: 'council' | 'trust', i: number): LedgerEntry {
  return {
    type: party === 'council' ? 'exchange.requested' : 'exchange.answered',
    isa_id: 'brfc-sssft-mh',
    isa_digest: 'aa4f5aac63ef1965eda06ef6b524b15434e2ba2adc3b05b0792e501f3022856c',
    clause_id: 'brfc-mh-1',
    exchange_id: `b-${i}-${n++}`,
    party,
    at: new Date(Date.UTC(2026, 0, 1) + i * 1000).toISOString(),
    counts: { rows: 100 + (i % 900), flagged: i % 37, ambiguous: i % 3 },
    digests: { request: 'df8b208f5726eadde5f886d7cdd7802c525218de8a00adc1c59a24bf25ccd517', answer: '56ee8bf490515a8c362b48de75483ba355ca6deb6ae27caefeab025e2ec772aa' },
    key_kcv: '17fc42380c95f60a',
  }
}

// --- 1. appends/s ---------------------------------------------------------------------------------------

async function appendsGroupCommit(total: number): Promise<void> {
  const target = await freshSchema('seq')
  const h = await openDatabase<LedgerDB>(target)
  await migrateToLatest(h.db, 'ledger')
  const seq = createSequencer(h.db, signer, { singleRoundTrip: true })
  const pub = { council: ed25519.getPublicKey(parties.council), trust: ed25519.getPublicKey(parties.trust) }
  const per = total / WRITERS
  const signed = Array.from({ length: WRITERS }, (_, w) => {
    const party = w % 2 === 0 ? 'council' : 'trust'
    return Array.from({ length: per }, (_, i) => signEntry(entryOf(party, i), parties[party], party))
  })
  const t0 = performance.now()
  await Promise.all(
    signed.map(async (mine) => {
      for (const e of mine) {
        // What the route does per entry: the signature check, then the append.
        if (!fastVerifyEntry(e, pub[e.entry.party as 'council' | 'trust'])) throw new Error('bad signature')
        await seq.append([e])
      }
    }),
  )
  const s = (performance.now() - t0) / 1000
  const st = seq.stats()
  emit({ figure: 'ledger.appends', path: 'store group commit (verify + append, one entry per call)', writers: WRITERS, entries: total, seconds: round(s), appends_per_s: Math.round(total / s), transactions: st.transactions, entries_per_tx: round(st.entries / st.transactions, 1) })
  await h.close()
}

async function appendsHttp(total: number, batch: number): Promise<void> {
  const target = await freshSchema(batch === 1 ? 'http1' : 'httpb')
  const app = Fastify({ logger: false, bodyLimit: 64 * 1024 * 1024 })
  await app.register(ledgerApp, { database: target, signingKey: ledgerKey, origin, parties: { council: toBase64Url(ed25519.getPublicKey(parties.council)), trust: toBase64Url(ed25519.getPublicKey(parties.trust)) }, users: [] })
  const ledgerUrl = await app.listen({ host: '127.0.0.1', port: 0 })
  const per = total / WRITERS
  // Parties sign their entries on their own machines: signing is done before the clock starts. Each HTTP
  // request is still signed here (noble, same process), and the ledger checks that signature with noble.
  const work = Array.from({ length: WRITERS }, (_, w) => {
    const party = w % 2 === 0 ? 'council' : 'trust'
    return { key: { party, privateKey: parties[party] }, entries: Array.from({ length: per }, (_, i) => signEntry(entryOf(party, i), parties[party], party)) }
  })
  const t0 = performance.now()
  await Promise.all(
    work.map(async ({ key, entries }) => {
      for (let i = 0; i < per; i += batch) {
        if (batch === 1) await signedFetch(ledgerUrl, key, 'POST', '/v1/entries', entries[i])
        else await signedFetch(ledgerUrl, key, 'POST', '/v1/entries/batch', { entries: entries.slice(i, i + batch) })
      }
    }),
  )
  const s = (performance.now() - t0) / 1000
  emit({
    figure: 'ledger.appends',
    path: batch === 1 ? 'HTTP POST /v1/entries (entries pre-signed; each request signed and verified with noble)' : `HTTP POST /v1/entries/batch of ${batch} (entries pre-signed)`,
    writers: WRITERS,
    entries: total,
    seconds: round(s),
    appends_per_s: Math.round(total / s),
  })
  await app.close()
}

// --- 2. a log of 10^6 entries ---------------------------------------------------------------------------

const PKCS8_PREFIX = Buffer.from('302e020100300506032b657004220420', 'hex')
const nodeKey = (seed: Uint8Array) => createPrivateKey({ key: Buffer.concat([PKCS8_PREFIX, seed]), format: 'der', type: 'pkcs8' })

/** Signs with node:crypto (byte-identical to noble: Ed25519 is deterministic) and builds the leaf bytes directly. */
function fastSigned(i: number, keys: { council: ReturnType<typeof nodeKey>; trust: ReturnType<typeof nodeKey> }): { body: Buffer; entry: LedgerEntry } {
  const party = i % 2 === 0 ? 'council' : 'trust'
  const entry = entryOf(party, i)
  const sig = nodeSign(null, Buffer.from(ENTRY_SIGNATURE_DOMAIN + canonicalize(entry)), keys[party])
  const envelope: SignedEntry = { entry, key_id: party, signature: sig.toString('base64url') }
  return { body: Buffer.from(canonicalize(envelope)), entry }
}

async function bulkLoad(target: DatabaseTarget & { kind: 'postgres' }, size: number): Promise<{ root: Uint8Array; note: string }> {
  const h = await openDatabase<LedgerDB>(target)
  await migrateToLatest(h.db, 'ledger')
  await h.db.insertInto('party').values([{ id: 'council', signing_key: toBase64Url(ed25519.getPublicKey(parties.council)) }, { id: 'trust', signing_key: toBase64Url(ed25519.getPublicKey(parties.trust)) }]).execute()
  const keys = { council: nodeKey(parties.council), trust: nodeKey(parties.trust) }
  // Check once that the fast path makes exactly what signEntry would.
  const probe = fastSigned(0, keys)
  const ref = signEntry(probe.entry, parties.council, 'council')
  if (JSON.parse(probe.body.toString()).signature !== ref.signature) throw new Error('node:crypto and noble signatures differ')

  const CHUNK = 5000
  let level: Uint8Array[] = []
  const t0 = performance.now()
  let genMs = 0
  for (let start = 0; start < size; start += CHUNK) {
    const g0 = performance.now()
    const rows = Array.from({ length: Math.min(CHUNK, size - start) }, (_, k) => fastSigned(start + k, keys))
    const leaves = rows.map((r) => fastLeafHash(r.body))
    genMs += performance.now() - g0
    level.push(...leaves)
    await sql`insert into entry (idx, body, leaf_hash, type, isa_id, clause_id, exchange_id, party, at)
      select * from unnest(${rows.map((_, k) => start + k)}::bigint[], ${rows.map((r) => r.body)}::bytea[], ${leaves.map((l) => Buffer.from(l))}::bytea[],
        ${rows.map((r) => r.entry.type)}::text[], ${rows.map((r) => r.entry.isa_id)}::text[], ${rows.map((r) => r.entry.clause_id ?? null)}::text[],
        ${rows.map((r) => r.entry.exchange_id ?? null)}::text[], ${rows.map((r) => r.entry.party)}::text[], ${rows.map((r) => r.entry.at)}::timestamptz[])`.execute(h.db)
    if (start % 100_000 === 0) log(`loaded ${start + rows.length} entries`)
  }
  const tEntries = performance.now()
  // Every complete subtree, level by level, as the appender would have stored them.
  let nodeRows = 0
  for (let lv = 0; level.length > 0; lv++) {
    for (let start = 0; start < level.length; start += 20_000) {
      const part = level.slice(start, start + 20_000)
      await sql`insert into node (level, idx, hash) select ${lv}, * from unnest(${part.map((_, k) => start + k)}::bigint[], ${part.map((x) => Buffer.from(x))}::bytea[])`.execute(h.db)
      nodeRows += part.length
    }
    const up: Uint8Array[] = []
    for (let i = 0; i + 1 < level.length; i += 2) up.push(fastNodeHash(level[i]!, level[i + 1]!))
    level = up
  }
  const root = await (async () => {
    const b = new RootBuilder()
    const rows = await h.db.selectFrom('node').select('hash').where('level', '=', 0).orderBy('idx').execute()
    for (const r of rows) b.push(new Uint8Array(r.hash))
    return b.root()
  })()
  const note = signCheckpoint({ origin, size, rootHash: root }, signer)
  await h.db.insertInto('checkpoint').values({ size, root, note }).execute()
  await h.db.updateTable('log_head').set({ size, root }).where('id', '=', 1).execute()
  await sql`analyze`.execute(h.db)
  const s = (performance.now() - t0) / 1000
  emit({ figure: 'ledger.bulk_load', entries: size, node_rows: nodeRows, seconds: round(s), entries_s: round((tEntries - t0) / 1000), of_which_generate_and_sign_s: round(genMs / 1000), rows_per_s: Math.round(size / ((tEntries - t0) / 1000)) })
  await h.close()
  return { root, note }
}

async function proofLatency(target: DatabaseTarget & { kind: 'postgres' }, size: number, root: Uint8Array): Promise<void> {
  const h = await openDatabase<LedgerDB>(target)
  const reader = nodeReader(h.db)
  const times: number[] = []
  for (let k = 0; k < 1200; k++) {
    const index = Math.floor(Math.random() * size)
    const t = performance.now()
    const proof = await inclusionProofFrom(reader, index, size)
    const dt = performance.now() - t
    if (k >= 200) times.push(dt) // the first 200 warm the pool and the cache
    if (k % 100 === 0) {
      const body = await h.db.selectFrom('entry').select('body').where('idx', '=', index).executeTakeFirstOrThrow()
      if (!verifyInclusion(fastLeafHash(new Uint8Array(body.body)), index, size, proof, root)) throw new Error('proof does not verify')
    }
  }
  emit({ figure: 'ledger.inclusion_proof', path: 'store (one query for all proof nodes)', entries: size, samples: times.length, p50_ms: round(percentile(times, 50)), p95_ms: round(percentile(times, 95)), max_ms: round(Math.max(...times)) })
  await h.close()

  // The same through the service's HTTP route (adds the head look-up, routing and JSON).
  const app = Fastify({ logger: false })
  await app.register(ledgerApp, { database: target, signingKey: ledgerKey, origin, parties: {}, users: [] })
  const base = await app.listen({ host: '127.0.0.1', port: 0 })
  const http: number[] = []
  for (let k = 0; k < 1200; k++) {
    const index = Math.floor(Math.random() * size)
    const t = performance.now()
    const res = await fetch(`${base}/v1/proof/inclusion?index=${index}&size=${size}`)
    const body = (await res.json()) as { proof: string[] }
    const dt = performance.now() - t
    if (k >= 200) http.push(dt)
    if (body.proof.length === 0 || !body.proof.every((p) => fromBase64(p)?.length === 32)) throw new Error('bad proof over HTTP')
  }
  emit({ figure: 'ledger.inclusion_proof', path: 'HTTP GET /v1/proof/inclusion', entries: size, samples: http.length, p50_ms: round(percentile(http, 50)), p95_ms: round(percentile(http, 95)), max_ms: round(Math.max(...http)) })
  await app.close()
}

async function* stored(target: DatabaseTarget & { kind: 'postgres' }, withColumns: boolean): AsyncGenerator<AuditRow> {
  const h = await openDatabase<LedgerDB>(target)
  const PAGE = 10_000
  const page = (after: number) =>
    withColumns
      ? h.db.selectFrom('entry').select(['idx', 'body', 'leaf_hash', 'type', 'isa_id', 'clause_id', 'exchange_id', 'party', 'at']).where('idx', '>', after).orderBy('idx').limit(PAGE).execute()
      : h.db.selectFrom('entry').select(['idx', 'body']).where('idx', '>', after).orderBy('idx').limit(PAGE).execute()
  try {
    // As the CLI does: fetch the next page while this one is hashed.
    let next = page(-1)
    for (;;) {
      const rows = await next
      if (rows.length === PAGE) next = page(Number(rows[rows.length - 1]!.idx))
      for (const r of rows) {
        const row = r as typeof r & Partial<{ leaf_hash: Uint8Array; type: string; isa_id: string; clause_id: string | null; exchange_id: string | null; party: string; at: Date }>
        yield {
          index: Number(r.idx),
          body: new Uint8Array(r.body),
          ...(withColumns ? { storedLeafHash: new Uint8Array(row.leaf_hash!), columns: { type: row.type!, isa_id: row.isa_id!, clause_id: row.clause_id!, exchange_id: row.exchange_id!, party: row.party!, at: row.at! } } : {}),
        }
      }
      if (rows.length < PAGE) return
    }
  } finally {
    await h.close()
  }
}

async function rehashAndSignatures(target: DatabaseTarget & { kind: 'postgres' }, size: number, note: string): Promise<void> {
  const ledgerVerifier = { name: origin, publicKey: ed25519.getPublicKey(ledgerKey) }
  const partyKeys = new Map([['council', ed25519.getPublicKey(parties.council)], ['trust', ed25519.getPublicKey(parties.trust)]])
  let t = performance.now()
  const re = await auditLog(stored(target, false), { ledgerKey: ledgerVerifier, origin, checkpoints: [{ label: 'bench', note }], rehashOnly: true, requireCovered: true })
  if (!re.ok || re.size !== size) throw new Error(`re-hash failed: ${re.problems.join('; ')}`)
  emit({ figure: 'ledger.rehash', what: 'read every body from PostgreSQL, leaf hash, rebuild the tree, compare with the signed checkpoint', entries: size, seconds: round((performance.now() - t) / 1000) })

  // The signature pass alone, on bodies already in memory: parse + shape + canonical check + Ed25519.
  if (process.env.BENCH_LEDGER_SIGNATURES === '0') return
  const bodies: Uint8Array[] = []
  for await (const r of stored(target, false)) bodies.push(r.body)
  t = performance.now()
  let ok = 0
  for (const b of bodies) {
    const s = parseEntryBytes(b)
    if (fastVerifyEntry(s, partyKeys.get(s.entry.party)!)) ok++
  }
  const sigS = (performance.now() - t) / 1000
  if (ok !== size) throw new Error('signature pass: some signatures failed')
  t = performance.now()
  const sample = bodies.slice(0, 500).map((b) => parseEntryBytes(b))
  const tp = performance.now()
  for (const s of sample) if (!verifyEntry(s, partyKeys.get(s.entry.party)!)) throw new Error('noble disagrees')
  const nobleMs = (performance.now() - tp) / sample.length
  t = performance.now()
  for (const s of sample) fastVerifyEntry(s, partyKeys.get(s.entry.party)!)
  const nodeMs = (performance.now() - t) / sample.length
  emit({ figure: 'ledger.signatures', what: 'parse, shape and canonical-form check, Ed25519 verify (node:crypto), one core', entries: size, seconds: round(sigS), per_entry_us: round((sigS * 1e6) / size, 1), verify_only_node_us: round(nodeMs * 1000, 1), verify_only_noble_us: round(nobleMs * 1000, 1) })
  bodies.length = 0

  // What an auditor actually runs: both in one streaming pass, with the stored columns compared too.
  if (process.env.BENCH_LEDGER_FULL_AUDIT !== '1') return
  t = performance.now()
  const full = await auditLog(stored(target, true), { ledgerKey: ledgerVerifier, origin, partyKeys, checkpoints: [{ label: 'bench', note }], requireCovered: true })
  if (!full.ok) throw new Error(`full audit failed: ${full.problems.slice(0, 3).join('; ')}`)
  emit({ figure: 'ledger.full_audit', what: 'ledger verify --database-url equivalent: rehash + tree + columns + duplicates + signatures, one pass', entries: size, seconds: round((performance.now() - t) / 1000) })
}

const only = process.env.BENCH_LEDGER_ONLY // 'appends' or 'log'
try {
  if (only !== 'log') {
    log(`appends with ${WRITERS} concurrent writers`)
    await appendsGroupCommit(10_000)
    await appendsHttp(2_000, 1)
    await appendsHttp(10_000, 50)
  }
  if (only !== 'appends') {
    log(`bulk-loading ${SIZE} entries`)
    const big = await freshSchema('big')
    const { root, note } = await bulkLoad(big, SIZE)
    log('inclusion proofs')
    await proofLatency(big, SIZE, root)
    log('re-hash and signatures')
    await rehashAndSignatures(big, SIZE, note)
  }
} finally {
  await dropSchemas()
}
