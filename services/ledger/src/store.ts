/**
 * Ledger storage. Appends take the head row FOR UPDATE, so concurrent writers get gapless indexes; each
 * append stores the entry bytes, its leaf and the interior nodes it completes, and a signed checkpoint.
 */
import type { Kysely, Transaction } from 'kysely'
import {
  appendLeaves,
  compactRangeFrom,
  compactRangeRoot,
  consistencyProofFrom,
  entryBytes,
  inclusionProofFrom,
  leafHash,
  signCheckpoint,
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
}

/** Appends signed entries in order, in one transaction; returns their indexes and the new signed checkpoint. */
export async function appendEntries(db: Kysely<LedgerDB>, entries: readonly SignedEntry[], signer: NoteSigner & { origin: string }): Promise<{ appended: Appended[]; checkpoint: string; size: number }> {
  return db.transaction().execute(async (trx) => {
    const head = await trx.selectFrom('log_head').select(['size']).where('id', '=', 1).forUpdate().executeTakeFirstOrThrow()
    const size = Number(head.size)
    const range = await compactRangeFrom(nodeReader(trx), size)
    const bodies = entries.map((e) => entryBytes(e))
    const leaves = bodies.map((b) => leafHash(b))
    const { range: next, created } = appendLeaves(range, leaves)
    const root = compactRangeRoot(next)
    await trx
      .insertInto('entry')
      .values(
        entries.map((e, i) => ({
          idx: size + i,
          body: bodies[i]!,
          leaf_hash: leaves[i]!,
          type: e.entry.type,
          isa_id: e.entry.isa_id,
          clause_id: e.entry.clause_id ?? null,
          exchange_id: e.entry.exchange_id ?? null,
          party: e.entry.party,
          at: e.entry.at,
        })),
      )
      .execute()
    await trx.insertInto('node').values(created.map((n) => ({ level: n.level, idx: n.index, hash: n.hash }))).execute()
    await trx.updateTable('log_head').set({ size: next.size, root }).where('id', '=', 1).execute()
    const note = signCheckpoint({ origin: signer.origin, size: next.size, rootHash: root }, signer)
    await trx.insertInto('checkpoint').values({ size: next.size, root, note }).execute()
    return { appended: leaves.map((h, i) => ({ index: size + i, leafHash: h })), checkpoint: note, size: next.size }
  })
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

export async function listEntries(db: Db, f: EntryFilter) {
  let q = db.selectFrom('entry').select(['idx', 'body', 'leaf_hash', 'type', 'isa_id', 'clause_id', 'exchange_id', 'party', 'at', 'recorded_at'])
  if (f.isa_id) q = q.where('isa_id', '=', f.isa_id)
  if (f.clause_id) q = q.where('clause_id', '=', f.clause_id)
  if (f.party) q = q.where('party', '=', f.party)
  if (f.type) q = q.where('type', '=', f.type)
  if (f.from) q = q.where('at', '>=', new Date(f.from))
  if (f.to) q = q.where('at', '<', new Date(f.to))
  if (f.after !== undefined) q = q.where('idx', '>', f.after)
  return q.orderBy('idx').limit(Math.min(f.limit ?? 500, 5000)).execute()
}

export async function registerParty(db: Db, id: string, signingKey: string): Promise<void> {
  await db.insertInto('party').values({ id, signing_key: signingKey }).onConflict((oc) => oc.column('id').doUpdateSet({ signing_key: signingKey })).execute()
}

export async function partyKeys(db: Db): Promise<Map<string, string>> {
  const rows = await db.selectFrom('party').select(['id', 'signing_key']).execute()
  return new Map(rows.map((r) => [r.id, r.signing_key]))
}
