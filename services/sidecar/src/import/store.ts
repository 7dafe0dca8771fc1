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

const embedded = new WeakMap<object, boolean>()

/**
 * PGlite turns a bytea parameter into hex in JavaScript (seconds per MB) and parses bytea results the same way;
 * base64 text with decode()/encode() in SQL is ~10× faster there. node-pg sends a Buffer as a binary parameter,
 * the fastest way in, so it keeps that.
 */
async function isEmbedded(db: Db): Promise<boolean> {
  let v = embedded.get(db)
  if (v === undefined) {
    v = await db.getExecutor().provideConnection(async (c) => c.constructor.name.startsWith('PGlite'))
    embedded.set(db, v)
  }
  return v
}

export async function insertChunk(db: Db, versionId: number, chunkNo: number, firstSeq: number, chunk: PackedChunk): Promise<void> {
  const text = await isEmbedded(db)
  const bin = (a: ArrayBufferView) => (text ? sql<Uint8Array>`decode(${bytesOf(a).toString('base64')}, 'base64')` : bytesOf(a))
  await compact(db)
    .insertInto('index_chunk')
    .values({
      version_id: versionId,
      chunk_no: chunkNo,
      first_seq: firstSeq,
      patients: chunk.ids.length,
      tokens: chunk.kinds.length,
      ids: JSON.stringify(chunk.ids),
      flags: bin(chunk.flags),
      counts: bin(littleEndianU16(chunk.counts)),
      kinds: bin(chunk.kinds),
      token_bytes: bin(chunk.tokens),
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
  const PAGE = 4
  for (let from = 0; from < layout.chunks; from += PAGE) {
    const rows = await compact(db)
      .selectFrom('index_chunk')
      .select([
        'ids',
        sql<string>`encode(flags, 'base64')`.as('flags'),
        sql<string>`encode(counts, 'base64')`.as('counts'),
        sql<string>`encode(kinds, 'base64')`.as('kinds'),
        sql<string>`encode(token_bytes, 'base64')`.as('token_bytes'),
      ])
      .where('version_id', '=', versionId)
      .where('chunk_no', '>=', from)
      .where('chunk_no', '<', from + PAGE)
      .orderBy('chunk_no')
      .execute()
    if (rows.length !== Math.min(PAGE, layout.chunks - from)) throw new Error('an index version is missing chunks')
    for (const r of rows) {
      // base64 out of SQL: node-pg and PGlite both return bytea as hex text, which is slower to carry and decode.
      builder.add({
        ids: JSON.parse(r.ids) as string[],
        flags: Buffer.from(r.flags, 'base64'),
        counts: readU16(Buffer.from(r.counts, 'base64')),
        kinds: Buffer.from(r.kinds, 'base64'),
        tokens: Buffer.from(r.token_bytes, 'base64'),
      })
    }
  }
  return builder.buildAsync()
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
