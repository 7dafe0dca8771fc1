/** Repository functions for the compact index tables (migrations/sidecar/0010_compact_index.sql). */
import { sql, type Kysely, type Transaction } from 'kysely'
import type { MatchKeyKind } from '@healthflag/tokens'
import type { SidecarDB } from '../db/schema.js'
import { CompactIndexBuilder, type CompactIndex, type PackedChunk } from './compact-index.js'

export interface IndexLayoutTable {
  version_id: number
  kinds: string
  chunks: number
  patients: number
  tokens: string | number | bigint
}

export interface IndexChunkTable {
  version_id: number
  chunk_no: number
  first_seq: number
  patients: number
  tokens: number
  ids: string
  flags: Uint8Array
  counts: Uint8Array
  kinds: Uint8Array
  token_bytes: Uint8Array
}

export interface CompactIndexDB extends SidecarDB {
  index_layout: IndexLayoutTable
  index_chunk: IndexChunkTable
}

type Db = Kysely<SidecarDB> | Transaction<SidecarDB>

function compact(db: Db): Kysely<CompactIndexDB> {
  return db as unknown as Kysely<CompactIndexDB>
}

function bytesOf(a: ArrayBufferView): Buffer {
  return Buffer.from(a.buffer, a.byteOffset, a.byteLength)
}

export async function insertChunk(db: Db, versionId: number, chunkNo: number, firstSeq: number, chunk: PackedChunk): Promise<void> {
  await compact(db)
    .insertInto('index_chunk')
    .values({
      version_id: versionId,
      chunk_no: chunkNo,
      first_seq: firstSeq,
      patients: chunk.ids.length,
      tokens: chunk.kinds.length,
      ids: JSON.stringify(chunk.ids),
      flags: bytesOf(chunk.flags),
      counts: bytesOf(littleEndianU16(chunk.counts)),
      kinds: bytesOf(chunk.kinds),
      token_bytes: bytesOf(chunk.tokens),
    })
    .execute()
}

export async function insertLayout(db: Db, versionId: number, layout: { kinds: readonly MatchKeyKind[]; chunks: number; patients: number; tokens: number }): Promise<void> {
  await compact(db)
    .insertInto('index_layout')
    .values({ version_id: versionId, kinds: JSON.stringify(layout.kinds), chunks: layout.chunks, patients: layout.patients, tokens: layout.tokens })
    .execute()
}

/** Reads a version's chunks in order, a few at a time, into a CompactIndex; undefined when the version has no layout. */
export async function loadCompactIndex(db: Db, versionId: number): Promise<CompactIndex | undefined> {
  const layout = await compact(db).selectFrom('index_layout').selectAll().where('version_id', '=', versionId).executeTakeFirst()
  if (!layout) return undefined
  const kinds = JSON.parse(layout.kinds) as MatchKeyKind[]
  const builder = new CompactIndexBuilder(kinds, { patients: layout.patients, tokens: Number(layout.tokens) })
  const PAGE = 8
  for (let from = 0; from < layout.chunks; from += PAGE) {
    const rows = await compact(db)
      .selectFrom('index_chunk')
      .selectAll()
      .where('version_id', '=', versionId)
      .where('chunk_no', '>=', from)
      .where('chunk_no', '<', from + PAGE)
      .orderBy('chunk_no')
      .execute()
    if (rows.length !== Math.min(PAGE, layout.chunks - from)) throw new Error('an index version is missing chunks')
    for (const r of rows) {
      builder.add({
        ids: JSON.parse(r.ids) as string[],
        flags: r.flags,
        counts: readU16(r.counts),
        kinds: r.kinds,
        tokens: r.token_bytes,
      })
    }
  }
  return builder.build()
}

/**
 * Deletes the stored index of versions retired more than `graceMs` ago (their history row stays), and of versions
 * that failed. An exchange already answering from one holds its own copy in memory.
 */
export async function dropRetiredVersions(db: Db, now: Date, graceMs: number): Promise<number> {
  const before = new Date(now.getTime() - graceMs)
  const old = await db
    .selectFrom('index_version')
    .select('id')
    .where((eb) => eb.or([eb.and([eb('status', '=', 'retired'), eb('retired_at', '<', before)]), eb('status', '=', 'failed')]))
    .execute()
  if (old.length === 0) return 0
  const ids = old.map((v) => v.id)
  await compact(db).deleteFrom('index_chunk').where('version_id', 'in', ids).execute()
  await compact(db).deleteFrom('index_layout').where('version_id', 'in', ids).execute()
  await db.deleteFrom('index_patient').where('version_id', 'in', ids).execute()
  return ids.length
}

/** Versions stuck in 'loading' with no import running (a process that died mid-import) are marked failed. */
export async function failStaleLoads(db: Db, except: readonly number[]): Promise<void> {
  let q = db.updateTable('index_version').set({ status: 'failed' }).where('status', '=', 'loading')
  if (except.length > 0) q = q.where('id', 'not in', except)
  await q.execute()
}

export async function setLoadCounts(db: Db, versionId: number, counts: { rowsRead: number; loaded: number; rejected: number }): Promise<void> {
  await db.updateTable('index_version').set({ rows_read: counts.rowsRead, rows_loaded: counts.loaded, rows_rejected: counts.rejected }).where('id', '=', versionId).execute()
}

export async function swapLive(db: Kysely<SidecarDB>, versionId: number, counts: { rowsRead: number; loaded: number; rejected: number }): Promise<void> {
  await db.transaction().execute(async (trx) => {
    await trx.updateTable('index_version').set({ status: 'retired', retired_at: sql`now()` }).where('status', '=', 'live').execute()
    await trx
      .updateTable('index_version')
      .set({ status: 'live', live_at: sql`now()`, rows_read: counts.rowsRead, rows_loaded: counts.loaded, rows_rejected: counts.rejected })
      .where('id', '=', versionId)
      .execute()
  })
}

function littleEndianU16(a: Uint16Array): Uint8Array {
  const out = new Uint8Array(a.length * 2)
  const v = new DataView(out.buffer)
  for (let i = 0; i < a.length; i++) v.setUint16(i * 2, a[i]!, true)
  return out
}

function readU16(b: Uint8Array): Uint16Array {
  const out = new Uint16Array(b.length >>> 1)
  const v = new DataView(b.buffer, b.byteOffset, b.byteLength)
  for (let i = 0; i < out.length; i++) out[i] = v.getUint16(i * 2, true)
  return out
}
