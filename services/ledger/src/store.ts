/**
 * Ledger storage. Appends take the head row FOR UPDATE, so concurrent writers get gapless indexes; each
 * append stores the entry bytes, its leaf and the interior nodes it completes, and a signed checkpoint.
 */
import { sql, type Expression, type ExpressionBuilder, type Kysely, type SqlBool, type Transaction } from 'kysely'
import {
  appendLeaves,
  compactRangeFrom,
  compactRangeRoot,
  consistencyProofFrom,
  entryBytes,
  fastLeafHash,
  fastSignCheckpoint,
  inclusionProofFrom,
  type CompactRange,
  type NodeId,
  type NodeReader,
  type NoteSigner,
  type SignedEntry,
} from '@healthflag/ledger-core'
import type { LedgerDB } from './schema.js'

type Db = Kysely<LedgerDB> | Transaction<LedgerDB>

export function nodeReader(db: Db): NodeReader {
  const fetch = async (ids: readonly NodeId[]) => {
    if (ids.length === 0) return []
    const rows = await db
      .selectFrom('node')
      .select(['level', 'idx', 'hash'])
      .where((eb) => eb.or(ids.map((id) => eb.and([eb('level', '=', id.level), eb('idx', '=', id.index)]))))
      .execute()
    const map = new Map(rows.map((r) => [`${r.level}/${r.idx}`, r.hash]))
    return ids.map((id) => {
      const h = map.get(`${id.level}/${id.index}`)
      if (!h) throw new Error(`ledger node ${id.level}/${id.index} is missing`)
      return new Uint8Array(h)
    })
  }
  return {
    node: async (level, index) => (await fetch([{ level, index }]))[0]!,
    nodes: fetch,
  }
}

export interface Appended {
  index: number
  leafHash: Uint8Array
  /** The entry was already in the log (a re-sent entry, or its twin's append won), so nothing new was written for it. */
  existed?: true
}

/** A signed entry with its leaf bytes and leaf hash, computed once when it was checked. */
export interface PreparedEntry {
  signed: SignedEntry
  body: Uint8Array
  leaf: Uint8Array
}

export function prepareEntry(signed: SignedEntry): PreparedEntry {
  const body = entryBytes(signed)
  return { signed, body, leaf: fastLeafHash(body) }
}

/**
 * The right frontier after the last append this process made. When the head row still has that size no
 * other writer came between, so the node read is skipped; otherwise it is read again under the lock.
 */
export interface FrontierCache {
  range?: CompactRange
  /** Use ledger_append (migrations/ledger/0003) for one round trip when the frontier is known (PostgreSQL). */
  singleRoundTrip?: boolean
}

const buf = (b: Uint8Array): Buffer => Buffer.from(b.buffer, b.byteOffset, b.byteLength)

/** The one-round-trip append; false when another writer moved the head since `range` was read. */
async function appendWithFunction(db: Kysely<LedgerDB>, range: CompactRange, prepared: readonly PreparedEntry[], signer: NoteSigner & { origin: string }) {
  const { range: next, created } = appendLeaves(range, prepared.map((p) => p.leaf))
  const root = compactRangeRoot(next)
  const note = fastSignCheckpoint({ origin: signer.origin, size: next.size, rootHash: root }, signer)
  const e = prepared.map((p) => p.signed.entry)
  const res = await sql<{ ok: boolean }>`select ledger_append(
    ${range.size}::bigint, ${next.size}::bigint, ${buf(root)}::bytea, ${note}::text,
    ${prepared.map((_, i) => range.size + i)}::bigint[], ${prepared.map((p) => buf(p.body))}::bytea[], ${prepared.map((p) => buf(p.leaf))}::bytea[],
    ${e.map((x) => x.type)}::text[], ${e.map((x) => x.isa_id)}::text[], ${e.map((x) => x.clause_id ?? null)}::text[],
    ${e.map((x) => x.exchange_id ?? null)}::text[], ${e.map((x) => x.party)}::text[], ${e.map((x) => x.at)}::timestamptz[],
    ${created.map((c) => c.level)}::smallint[], ${created.map((c) => c.index)}::bigint[], ${created.map((c) => buf(c.hash))}::bytea[]
  ) as ok`.execute(db)
  return res.rows[0]?.ok ? { next, note } : null
}

/**
 * Appends entries in order, in one transaction; returns their indexes and the new signed checkpoint.
 * Under the head-row lock: the head row FOR UPDATE, the node read (skipped with a fresh `cache`), and
 * one statement that inserts entries, nodes and checkpoint and moves the head. With a known frontier on
 * PostgreSQL, the whole transaction is one call of ledger_append (same lock, one round trip).
 */
export async function appendEntries(
  db: Kysely<LedgerDB>,
  input: readonly (SignedEntry | PreparedEntry)[],
  signer: NoteSigner & { origin: string },
  cache: FrontierCache = {},
): Promise<{ appended: Appended[]; checkpoint: string; size: number }> {
  if (input.length === 0) throw new Error('appendEntries needs at least one entry')
  const prepared = input.map((e) => ('leaf' in e ? e : prepareEntry(e)))
  const leaves = prepared.map((p) => p.leaf)
  if (cache.singleRoundTrip && cache.range) {
    const fast = await appendWithFunction(db, cache.range, prepared, signer)
    if (fast) {
      const size = cache.range.size
      cache.range = fast.next
      return { appended: leaves.map((h, i) => ({ index: size + i, leafHash: h })), checkpoint: fast.note, size: fast.next.size }
    }
  }
  const out = await db.transaction().execute(async (trx) => {
    const head = await trx.selectFrom('log_head').select(['size']).where('id', '=', 1).forUpdate().executeTakeFirstOrThrow()
    const size = Number(head.size)
    const range = cache.range?.size === size ? cache.range : await compactRangeFrom(nodeReader(trx), size)
    const { range: next, created } = appendLeaves(range, leaves)
    const root = compactRangeRoot(next)
    const note = fastSignCheckpoint({ origin: signer.origin, size: next.size, rootHash: root }, signer)
    const entryRows = prepared.map(({ signed: { entry: e }, body, leaf }, i) => ({
      idx: size + i,
      body,
      leaf_hash: leaf,
      type: e.type,
      isa_id: e.isa_id,
      clause_id: e.clause_id ?? null,
      exchange_id: e.exchange_id ?? null,
      party: e.party,
      at: e.at,
    }))
    await trx
      .with('e', (q) => q.insertInto('entry').values(entryRows))
      .with('n', (q) => q.insertInto('node').values(created.map((c) => ({ level: c.level, idx: c.index, hash: c.hash }))))
      .with('c', (q) => q.insertInto('checkpoint').values({ size: next.size, root, note }))
      .updateTable('log_head')
      .set({ size: next.size, root })
      .where('id', '=', 1)
      .execute()
    return { appended: leaves.map((h, i) => ({ index: size + i, leafHash: h })), checkpoint: note, size: next.size, range: next }
  })
  cache.range = out.range
  return { appended: out.appended, checkpoint: out.checkpoint, size: out.size }
}

export async function latestCheckpoint(db: Db): Promise<{ size: number; note: string } | undefined> {
  const row = await db.selectFrom('checkpoint').select(['size', 'note']).orderBy('size', 'desc').limit(1).executeTakeFirst()
  return row ? { size: Number(row.size), note: row.note } : undefined
}

export async function inclusion(db: Db, index: number, size: number): Promise<Uint8Array[]> {
  return inclusionProofFrom(nodeReader(db), index, size)
}

export async function consistency(db: Db, oldSize: number, newSize: number): Promise<Uint8Array[]> {
  return consistencyProofFrom(nodeReader(db), oldSize, newSize)
}

export interface EntryFilter {
  isa_id?: string
  clause_id?: string
  party?: string
  type?: string
  from?: string
  to?: string
  after?: number
  limit?: number
}

/** The filter's conditions on entry rows, all of which must hold (none: every row). `limit` is the caller's. */
function matchesFilter(f: Omit<EntryFilter, 'limit'>) {
  return (eb: ExpressionBuilder<LedgerDB, 'entry'>) => {
    const all: Expression<SqlBool>[] = []
    if (f.isa_id) all.push(eb('isa_id', '=', f.isa_id))
    if (f.clause_id) all.push(eb('clause_id', '=', f.clause_id))
    if (f.party) all.push(eb('party', '=', f.party))
    if (f.type) all.push(eb('type', '=', f.type))
    if (f.from) all.push(eb('at', '>=', new Date(f.from)))
    if (f.to) all.push(eb('at', '<', new Date(f.to)))
    if (f.after !== undefined) all.push(eb('idx', '>', f.after))
    return eb.and(all)
  }
}

export async function listEntries(db: Db, f: EntryFilter) {
  return db
    .selectFrom('entry')
    .select(['idx', 'body', 'leaf_hash', 'type', 'isa_id', 'clause_id', 'exchange_id', 'party', 'at', 'recorded_at'])
    .where(matchesFilter(f))
    .orderBy('idx')
    .limit(Math.min(f.limit ?? 500, 5000))
    .execute()
}

export async function registerParty(db: Db, id: string, signingKey: string): Promise<void> {
  await db.insertInto('party').values({ id, signing_key: signingKey }).onConflict((oc) => oc.column('id').doUpdateSet({ signing_key: signingKey })).execute()
}

export async function partyKeys(db: Db): Promise<Map<string, string>> {
  const rows = await db.selectFrom('party').select(['id', 'signing_key']).execute()
  return new Map(rows.map((r) => [r.id, r.signing_key]))
}

/** Indexes of entries already stored with these leaf hashes (a party re-sending an entry gets its index back). */
export async function indexesByLeaf(db: Db, leaves: readonly Uint8Array[]): Promise<Map<string, number>> {
  if (leaves.length === 0) return new Map()
  const rows = await db.selectFrom('entry').select(['idx', 'leaf_hash']).where('leaf_hash', 'in', [...leaves]).execute()
  return new Map(rows.map((r) => [Buffer.from(r.leaf_hash).toString('hex'), Number(r.idx)]))
}

export async function getEntry(db: Db, index: number) {
  return db.selectFrom('entry').select(['idx', 'body', 'leaf_hash', 'recorded_at']).where('idx', '=', index).executeTakeFirst()
}

/** Entries [from, to) in index order, bodies only: what an export carries. */
export async function entryBodies(db: Db, from: number, to: number): Promise<{ idx: number; body: Uint8Array }[]> {
  const rows = await db.selectFrom('entry').select(['idx', 'body']).where('idx', '>=', from).where('idx', '<', to).orderBy('idx').execute()
  return rows.map((r) => ({ idx: Number(r.idx), body: new Uint8Array(r.body) }))
}

export async function checkpointOfSize(db: Db, size: number): Promise<string | undefined> {
  const row = await db.selectFrom('checkpoint').select('note').where('size', '=', size).executeTakeFirst()
  return row?.note
}

export interface StatsRow {
  isa_id: string
  clause_id: string | null
  month: string
  type: string
  entries: number
  rows: number
  flagged: number
}

/** Entries, rows and flagged people per ISA, clause, calendar month (UTC) and type, from the signed bodies. */
export async function stats(db: Db, f: Pick<EntryFilter, 'isa_id' | 'clause_id' | 'party' | 'type' | 'from' | 'to'>): Promise<StatsRow[]> {
  const counts = (key: string) => sql<number>`coalesce(sum((convert_from(body, 'UTF8')::jsonb #>> ${`{entry,counts,${key}}`})::bigint), 0)`
  const rows = await db
    .selectFrom('entry')
    .select([
      'isa_id',
      'clause_id',
      sql<string>`to_char(date_trunc('month', at at time zone 'UTC'), 'YYYY-MM')`.as('month'),
      'type',
      sql<number>`count(*)`.as('entries'),
      counts('rows').as('rows'),
      counts('flagged').as('flagged'),
    ])
    .where(matchesFilter(f))
    .groupBy(['isa_id', 'clause_id', sql`3`, 'type'])
    .orderBy(sql`3`)
    .orderBy('isa_id')
    .orderBy('clause_id')
    .orderBy('type')
    .execute()
  return rows.map((r) => ({ ...r, entries: Number(r.entries), rows: Number(r.rows), flagged: Number(r.flagged) }))
}
