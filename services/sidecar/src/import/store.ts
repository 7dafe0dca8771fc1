/** Repository functions for the compact index tables (migrations/sidecar/0010_compact_index.sql). */
import { sql, type Kysely, type Transaction } from 'kysely'
import { queueEntry, type EntryInput } from '@healthflag/ledger-client'
import { errors } from '@healthflag/protocol'
import type { MatchKeyKind } from '@healthflag/tokens'
import type { SidecarDB } from '../db/schema.js'
import { TOKEN_BYTES } from '@healthflag/tokens'
import { CompactIndexBuilder, type CompactIndex, type PackedChunk, type ParallelFill } from './compact-index.js'
import { TokenFileReader, removeTokenFiles } from './token-file.js'

export interface IndexLayoutTable {
  version_id: number
  kinds: string
  chunks: number
  patients: number
  tokens: string | number | bigint
  /** the version's token file in the index directory (import/token-file.ts); null: tokens in index_chunk */
  file_name: string | null
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
  /** null when the version's tokens are in its file */
  kinds: Uint8Array | null
  token_bytes: Uint8Array | null
  /** where the chunk's kind codes start in the version's file, its tokens right after them */
  file_offset: string | number | bigint | null
  /** SHA-256 of the chunk's kind codes and tokens as the file holds them */
  file_digest: Uint8Array | null
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
export async function isEmbedded(db: Db): Promise<boolean> {
  let v = embedded.get(db)
  if (v === undefined) {
    v = await db.getExecutor().provideConnection(async (c) => c.constructor.name.startsWith('PGlite'))
    embedded.set(db, v)
  }
  return v
}

/** Stores a chunk's patients, and where its tokens are in the version's file (`file`: their offset and SHA-256). */
export async function insertChunk(
  db: Db,
  versionId: number,
  chunkNo: number,
  firstSeq: number,
  chunk: Pick<PackedChunk, 'ids' | 'flags' | 'counts' | 'kinds'>,
  file: { offset: number; digest: Uint8Array },
): Promise<void> {
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
      kinds: null,
      token_bytes: null,
      file_offset: file.offset,
      file_digest: bin(file.digest),
    })
    .execute()
}

export async function insertLayout(
  db: Db,
  versionId: number,
  layout: { kinds: readonly MatchKeyKind[]; chunks: number; patients: number; tokens: number; fileName: string },
): Promise<void> {
  await compact(db)
    .insertInto('index_layout')
    .values({ version_id: versionId, kinds: JSON.stringify(layout.kinds), chunks: layout.chunks, patients: layout.patients, tokens: layout.tokens, file_name: layout.fileName })
    .execute()
}

/**
 * Reads a version's chunks in order, a few at a time, into a CompactIndex: their patients from the database, their
 * tokens from the version's file in `dir` (checked against each chunk's digest) or, for a version stored before the
 * token files, from the rows. Undefined when the version has no layout.
 */
export async function loadCompactIndex(db: Db, versionId: number, dir: string, parallel?: ParallelFill): Promise<CompactIndex | undefined> {
  const layout = await compact(db).selectFrom('index_layout').selectAll().where('version_id', '=', versionId).executeTakeFirst()
  if (!layout) return undefined
  const kinds = JSON.parse(layout.kinds) as MatchKeyKind[]
  const total = Number(layout.tokens)
  // The tokens are read straight into the arrays the index then uses (shared memory, for a parallel fill).
  const placed = { kinds: new Uint8Array(new SharedArrayBuffer(total)), tokens: new Uint8Array(new SharedArrayBuffer(total * TOKEN_BYTES)) }
  const builder = new CompactIndexBuilder(kinds, { patients: layout.patients, tokens: total }, placed)
  const file = layout.file_name === null ? undefined : await TokenFileReader.open(dir, layout.file_name, versionId)
  try {
    let at = 0
    const PAGE = 4
    for (let from = 0; from < layout.chunks; from += PAGE) {
      const rows = await compact(db)
        .selectFrom('index_chunk')
        .select([
          'ids',
          'tokens',
          'file_offset',
          sql<string>`encode(flags, 'base64')`.as('flags'),
          sql<string>`encode(counts, 'base64')`.as('counts'),
          sql<string | null>`encode(file_digest, 'base64')`.as('file_digest'),
          // Only a version stored before the token files has its bytes here.
          sql<string | null>`encode(kinds, 'base64')`.as('kinds'),
          sql<string | null>`encode(token_bytes, 'base64')`.as('token_bytes'),
        ])
        .where('version_id', '=', versionId)
        .where('chunk_no', '>=', from)
        .where('chunk_no', '<', from + PAGE)
        .orderBy('chunk_no')
        .execute()
      if (rows.length !== Math.min(PAGE, layout.chunks - from)) throw new Error('an index version is missing chunks')
      for (const r of rows) {
        // base64 out of SQL: node-pg and PGlite both return bytea as hex text, which is slower to carry and decode.
        const n = r.tokens
        if (at + n > total) throw new RangeError('chunk token counts disagree with the layout')
        const kindsAt = placed.kinds.subarray(at, at + n)
        const tokensAt = placed.tokens.subarray(at * TOKEN_BYTES, (at + n) * TOKEN_BYTES)
        if (file) {
          if (r.file_offset === null || r.file_digest === null) throw new Error('an index version stored in a file has a chunk without its place in it')
          await file.readInto(Number(r.file_offset), kindsAt, tokensAt, Buffer.from(r.file_digest, 'base64'))
        } else {
          if (r.kinds === null || r.token_bytes === null) throw new Error('an index version has a chunk without its tokens')
          const k = Buffer.from(r.kinds, 'base64')
          const t = Buffer.from(r.token_bytes, 'base64')
          if (k.length !== n || t.length !== n * TOKEN_BYTES) throw new RangeError('chunk token counts disagree with its tokens')
          kindsAt.set(k)
          tokensAt.set(t)
        }
        const added = builder.addPatients({ ids: JSON.parse(r.ids) as string[], flags: Buffer.from(r.flags, 'base64'), counts: readU16(Buffer.from(r.counts, 'base64')) })
        if (added !== n) throw new RangeError('chunk token counts disagree with its tokens')
        at += n
      }
    }
  } finally {
    await file?.close()
  }
  return builder.buildAsync(undefined, parallel)
}

/**
 * Deletes the stored index of versions retired more than `graceMs` ago (their history row stays), and of versions
 * that failed: their rows, and their token files in `dir`. An exchange already answering from one holds its own copy in memory.
 */
export async function dropRetiredVersions(db: Db, now: Date, graceMs: number, dir: string): Promise<number> {
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
  await removeTokenFiles(dir, ids)
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

/** Makes the version live, retiring the one before, and queues `recorded` (its ledger entry) in the same transaction. */
export async function swapLive(db: Kysely<SidecarDB>, versionId: number, counts: { rowsRead: number; loaded: number; rejected: number }, recorded: EntryInput): Promise<void> {
  await db.transaction().execute(async (trx) => {
    await trx.updateTable('index_version').set({ status: 'retired', retired_at: sql`now()` }).where('status', '=', 'live').execute()
    const done = await trx
      .updateTable('index_version')
      .set({ status: 'live', live_at: sql`now()`, rows_read: counts.rowsRead, rows_loaded: counts.loaded, rows_rejected: counts.rejected })
      .where('id', '=', versionId)
      .where('status', '=', 'loading')
      .executeTakeFirst()
    // Only a version still loading goes live: one marked failed meanwhile (its import lock lost with its connection, and
    // another import begun) stays failed, and the live version stays as it was.
    if (done.numUpdatedRows !== 1n) throw errors.conflict('This import was marked failed while it loaded (another import began after this one lost its database connection); the live index is unchanged. Import the file again.')
    await queueEntry(trx, recorded)
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
