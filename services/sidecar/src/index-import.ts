/**
 * Imports the trust's patient index extract into a new index version, streaming: the CSV is cut into record-aligned
 * chunks, worker threads (one per core) parse, normalise and tokenise them, and the main thread stores the patients
 * as packed chunks (import/store.ts) while the next chunks are worked on. The version is loaded while 'loading' and
 * becomes live in one transaction that retires the previous one, so an exchange sees the old index or the new one,
 * never a mix. A failed load leaves the live version untouched. Memory is bounded by the chunks in flight, whatever
 * the file's size; only a fingerprint per patient id (8 bytes) is kept for the whole file.
 *
 * Referral-format extracts (one line per referral) must give each patient's rows together (sorted or grouped by
 * patient_id), as trust systems export them: rows of one patient are merged across chunk boundaries, and a patient_id
 * seen again after other patients is refused row by row rather than held in memory.
 */
import { createHash } from 'node:crypto'
import { sql } from 'kysely'
import { Readable } from 'node:stream'
import { activeDefinitionDigest, type Clause, type IsaVersion } from '@healthflag/isa'
import { errors, fromBase64Url } from '@healthflag/protocol'
import { TOKEN_BYTES, deriveEpochKey, indexTokenKinds, keyCheckValue, type MatchKeyKind } from '@healthflag/tokens'
import type { SidecarContext } from './context.js'
import type { LiveIndex } from './index-cache.js'
import { drainLedgerQueue } from './ledger-view.js'
import { processChunk, type ChunkJob, type ChunkResult, type ChunkSettings, type RowReject, type TokenBuffers } from './import/chunk-work.js'
import { CompactIndexBuilder, FLAG_ACTIVE, FLAG_RESTRICTED, type PackedChunk } from './import/compact-index.js'
import { FingerprintSet } from './import/fingerprints.js'
import { importPool } from './import/pool.js'
import { ProgressTracker, type ImportStatus } from './import/progress.js'
import { splitCsv } from './import/split.js'
import { dropRetiredVersions, failStaleLoads, insertChunk, insertLayout, isEmbedded, setLoadCounts, swapLive } from './import/store.js'
import { TokenFileWriter, chunkDigest } from './import/token-file.js'

export { importStatus, type ImportStatus } from './import/progress.js'

export interface ImportReport {
  version_id: number
  as_of: string
  rows_read: number
  patients_loaded: number
  rows_rejected: number
  rejects: { line: number; code: string; message: string }[]
  key_kcv: string
  clause_id: string
}

export interface ImportOptions {
  asOf: string
  /** the source's length in bytes when known (for the ETA) */
  sizeBytes?: number
  onProgress?: (s: ImportStatus) => void
  /** 'auto' (default): worker threads unless the file is small; 'inline' runs on this thread */
  workers?: 'auto' | 'inline' | 'threads'
  /** how long a retired version's stored index is kept (ms; default one hour) */
  graceMs?: number
  /** bytes of CSV per worker job (default 2 MiB; tests make it small to cross many chunk boundaries) */
  chunkBytes?: number
  /** at most this many tokens kept to build the in-memory index from (default KEEP_TOKENS; more: read back) */
  keepTokens?: number
  /**
   * The clause whose definition of active (and permitted match keys) the index is built for; default the ISA's first.
   * Exchanges under any other clause are refused until an index is imported for theirs (answer.ts checkIndexClause).
   */
  clauseId?: string
}

/**
 * Bytes of CSV per worker job (~8 k patient rows, ~0.25 s of a worker). Against 2 MiB (the size until 3 December):
 * less memory in flight (peak RSS ~170 MiB lower at a million patients) and less of the last job left to one core.
 */
const CHUNK_BYTES = 512 * 1024
/** Patients per stored chunk row (~2.5 MB of tokens; PGlite slows more than linearly with larger values). */
const STORE_PATIENTS = 16_384
/**
 * Tokens of the stored chunks an import keeps in memory, in the arrays the new version's in-memory index then uses as
 * they are, rather than reading them back from the database once it is live (8 s at a million patients here). ~20 M
 * at a million patients, 17 bytes each with the kind. A larger index is read back instead, so the import's memory
 * stays bounded (the 2 GiB budget).
 */
const KEEP_TOKENS = 24 * 1024 * 1024
const DEFAULT_GRACE_MS = 60 * 60 * 1000
const MAX_REJECTS_REPORTED = 100

/** Databases an import of this process is loading into (PGlite has one session: the advisory lock cannot tell two apart). */
const importing = new WeakSet<object>()

/**
 * The advisory lock one side-car database's imports take (two int4 keys: healthflag's, and the index_version table's
 * OID, which differs between two side-cars' schemas in one PostgreSQL database). Held on a connection of its own for
 * the whole import and released with it, also when the process dies (the session ends).
 */
const IMPORT_LOCK = sql`26726, ('index_version'::regclass)::oid::int4`

/**
 * Runs one import at a time per side-car database, across processes: a second import (another request, or another
 * side-car process on the same database) is refused with IMPORT_RUNNING while one is loading, so no import can take
 * another's 'loading' version for the leftover of a dead process, and two loads never race to go live. An import
 * that has stopped loading (live or failed, and still clearing up after itself: removing its file, deleting retired
 * versions' rows) is waited for, up to FINISHING_WAIT_MS: GET /v1/index already shows it ended, so sending the next
 * file then must not be refused.
 */
async function exclusively<T>(ctx: SidecarContext, run: () => Promise<T>): Promise<T> {
  const deadline = Date.now() + FINISHING_WAIT_MS
  for (;;) {
    const held = await tryExclusively(ctx, run)
    if (held.ran) return held.value
    const refusal = await importRunning(ctx)
    if (refusal.details?.running_version !== undefined || Date.now() >= deadline) throw refusal
    await new Promise((resolve) => setTimeout(resolve, 50))
  }
}

/** How long an import waits for one that is no longer loading to let go of the lock (see exclusively). */
const FINISHING_WAIT_MS = 10_000

/** Runs `run` under the import lock, or answers that another import holds it. */
async function tryExclusively<T>(ctx: SidecarContext, run: () => Promise<T>): Promise<{ ran: true; value: T } | { ran: false }> {
  if (importing.has(ctx.db)) return { ran: false }
  importing.add(ctx.db)
  try {
    if (await isEmbedded(ctx.db)) return { ran: true, value: await run() }
    return await ctx.db.connection().execute(async (conn) => {
      const { rows } = await sql<{ ok: boolean }>`select pg_try_advisory_lock(${IMPORT_LOCK}) as ok`.execute(conn)
      if (!rows[0]?.ok) return { ran: false as const }
      try {
        return { ran: true as const, value: await run() }
      } finally {
        // A connection already gone has released the lock with its session.
        await sql`select pg_advisory_unlock(${IMPORT_LOCK})`.execute(conn).catch(() => undefined)
      }
    })
  } finally {
    importing.delete(ctx.db)
  }
}

async function importRunning(ctx: SidecarContext) {
  const other = await ctx.db.selectFrom('index_version').select(['id', 'started_at']).where('status', '=', 'loading').orderBy('id', 'desc').executeTakeFirst()
  const which = other ? ` (version ${other.id}, started ${new Date(other.started_at).toISOString()})` : ''
  return errors.importRunning(
    `Another import of the patient index is under way${which}; one runs at a time. GET /v1/index shows its progress: send this file again once it has finished.`,
    other ? { running_version: other.id } : undefined,
  )
}

export function epochKeyFor(ctx: SidecarContext, isa: IsaVersion): Uint8Array {
  const council = isa.doc.parties.find((p) => p.id === 'council')
  const trust = isa.doc.parties.find((p) => p.id === 'trust')
  if (!council || !trust) throw errors.isaUnknown('The ISA must name a council and a trust party with keys.')
  return deriveEpochKey({
    ownPrivateKey: ctx.keys.agreement.privateKey,
    peerPublicKey: fromBase64Url(council.agreement_key),
    isaId: isa.doc.id,
    epoch: ctx.epoch,
    councilPublicKey: fromBase64Url(council.agreement_key),
    trustPublicKey: fromBase64Url(trust.agreement_key),
  })
}

/**
 * How an import cuts its file into worker jobs: `chunkBytes` each, and the file's end in quarter-size jobs, so that the
 * workers finish within ~a quarter job of each other where one used to wait for the other's last full job.
 */
export function jobSizes(chunkBytes: number = CHUNK_BYTES): { targetBytes: number; lastBytes: number } {
  return { targetBytes: chunkBytes, lastBytes: Math.max(1, chunkBytes >> 2) }
}

/**
 * The token kinds of the index: the index-side kinds of the match keys the clause permits (edit_name_dob_sex for
 * typo_name_dob_sex), plus the frequency keys the rare-name rule counts with.
 */
export function indexKindsFor(isa: IsaVersion, clauseId?: string): MatchKeyKind[] {
  return indexTokenKinds(importClause(isa, clauseId).permitted_match_keys)
}

/** The clause an import builds the index for: the one asked for, or the agreement's first. */
export function importClause(isa: IsaVersion, clauseId: string | undefined): Clause {
  const clause = clauseId === undefined ? isa.doc.clauses[0] : isa.doc.clauses.find((c) => c.id === clauseId)
  if (!clause) throw errors.clauseUnknown(`Clause ${clauseId} is not in the agreement in effect; choose one of: ${isa.doc.clauses.map((c) => c.id).join(', ')}.`)
  return clause
}

/** Imports an extract given whole (the HTTP route) or as a stream of bytes (the CLI, the bench). */
export async function importIndex(ctx: SidecarContext, isa: IsaVersion, source: Uint8Array | AsyncIterable<Uint8Array>, opts: ImportOptions): Promise<ImportReport> {
  return exclusively(ctx, () => loadVersion(ctx, isa, source, opts))
}

async function loadVersion(ctx: SidecarContext, isa: IsaVersion, source: Uint8Array | AsyncIterable<Uint8Array>, opts: ImportOptions): Promise<ImportReport> {
  const whole = source instanceof Uint8Array
  const sizeBytes = whole ? source.length : (opts.sizeBytes ?? null)
  const input: AsyncIterable<Uint8Array> = whole ? Readable.from([source], { objectMode: true }) : source
  const epochKey = epochKeyFor(ctx, isa)
  const kcv = keyCheckValue(epochKey)
  // Each index version is built for one clause's definition of active, and says which (checked when answering).
  const clause = importClause(isa, opts.clauseId)
  const definitionDigest = activeDefinitionDigest(clause)
  const settings: ChunkSettings = {
    epochKey,
    kinds: indexKindsFor(isa, clause.id),
    activeDefinition: clause.active_definition,
    asOf: opts.asOf,
    today: ctx.now().toISOString(),
  }
  const mode = opts.workers ?? 'auto'
  const chunkBytes = opts.chunkBytes ?? CHUNK_BYTES
  const threaded = mode === 'threads' || (mode === 'auto' && (sizeBytes === null || sizeBytes > 2 * chunkBytes))
  const pool = threaded ? importPool() : undefined
  const progress = new ProgressTracker(ctx.db, sizeBytes, opts.onProgress)
  const digest = createHash('sha256')

  const version = await ctx.db
    .insertInto('index_version')
    .values({ status: 'loading', as_of: opts.asOf, source_digest: '', epoch: ctx.epoch, key_kcv: kcv, clause_id: clause.id, definition_digest: definitionDigest })
    .returning('id')
    .executeTakeFirstOrThrow()
  progress.update({ version_id: version.id })

  // Room to keep the tokens: at most KEEP_TOKENS, less for a file of known size (~0.32 tokens per byte in the demo
  // extract's format, fewer with referral rows or longer fields). Pages of it never written cost no memory; a file
  // that turns out to hold more is read back instead.
  const keepLimit = opts.keepTokens ?? KEEP_TOKENS
  const keepRoom = sizeBytes === null ? keepLimit : Math.min(keepLimit, Math.ceil(sizeBytes * 0.5))
  const markFailed = async (): Promise<void> => {
    progress.update({ state: 'failed' })
    await ctx.db.updateTable('index_version').set({ status: 'failed' }).where('id', '=', version.id).execute()
  }
  let file: TokenFileWriter
  try {
    file = await TokenFileWriter.create(ctx.indexDir, version.id)
  } catch (e) {
    await markFailed()
    throw e
  }
  const load = new Loader(ctx, version.id, file, keepRoom, pool ? (b) => pool.recycle(b) : undefined)
  let bytesDone = 0
  const drain = new OrderedDrain(async (result, bytes) => {
    bytesDone += bytes
    await load.add(result)
    progress.update({ rows_read: load.rowsRead, patients_loaded: load.patients, rows_rejected: load.rejected, bytes_read: bytesDone })
  })
  try {
    // Under the import lock: any other version still 'loading' was left by a process that died.
    await failStaleLoads(ctx.db, [version.id])
    const limit = pool ? pool.size * 2 : 1
    let seq = 0
    const chunks = splitCsv(input, { ...jobSizes(chunkBytes), onBytes: (piece) => digest.update(piece) })
    for await (const chunk of chunks) {
      drain.check()
      const job: ChunkJob = { seq, header: chunk.header, headerLines: chunk.headerLines, body: chunk.body, firstLine: chunk.firstLine }
      drain.track(seq, chunk.body.length, pool ? pool.run(settings, job) : processChunk(settings, job))
      seq++
      await drain.room(seq, limit)
    }
    await drain.room(seq, 1)
    await load.finish()
    if (load.rowsRead === 0) throw errors.fileEmpty('The patient index file has no rows.')
    // Every row refused: going live would answer every candidate "not active", which looks like a real answer.
    if (load.patients === 0) {
      const first = load.rejects[0]
      throw errors.fileMalformed(
        `None of the file's ${load.rowsRead} rows could be loaded${first ? ` (line ${first.line}, ${first.code}: ${first.message})` : ''}; the live index is unchanged. Fix the rows and import again.`,
        { rows_rejected: load.rejected, rejects: load.rejects },
      )
    }

    progress.update({ state: 'swapping', bytes_read: sizeBytes ?? bytesDone, rows_read: load.rowsRead, patients_loaded: load.patients, rows_rejected: load.rejected })
    const sourceDigest = digest.digest('hex')
    await ctx.db.updateTable('index_version').set({ source_digest: sourceDigest }).where('id', '=', version.id).execute()
    await file.commit()
    await insertLayout(ctx.db, version.id, { kinds: settings.kinds, chunks: load.chunks, patients: load.patients, tokens: load.tokens, fileName: file.name })
    await swapLive(
      ctx.db,
      version.id,
      { rowsRead: load.rowsRead, loaded: load.patients, rejected: load.rejected },
      {
        type: 'index.loaded',
        isa_id: isa.doc.id,
        isa_digest: isa.digest,
        counts: { rows_read: load.rowsRead, patients: load.patients, rejected: load.rejected },
        digests: { source: sourceDigest },
        key_kcv: kcv,
      },
    )
  } catch (e) {
    // Chunks still being worked on are not stored once the import has failed (nor while it is marked so).
    await drain.abandon()
    await file.discard()
    await markFailed()
    await dropRetiredVersions(ctx.db, ctx.now(), opts.graceMs ?? DEFAULT_GRACE_MS, ctx.indexDir).catch(() => undefined)
    throw e
  } finally {
    pool?.release(settings)
  }
  progress.update({ state: 'live' })
  await drainLedgerQueue(ctx)
  // Build the new version's in-memory index now rather than in the first exchange that needs it: from the chunks this
  // import kept, or else by reading them back.
  const kept = load.takeKept()
  if (kept) ctx.indexes.prime(version.id, buildKept(version.id, { asOf: opts.asOf, kcv, epoch: ctx.epoch, kinds: settings.kinds, patients: load.patients }, kept))
  else ctx.indexes.live().catch(() => undefined)
  await dropRetiredVersions(ctx.db, ctx.now(), opts.graceMs ?? DEFAULT_GRACE_MS, ctx.indexDir)
  return { version_id: version.id, as_of: opts.asOf, rows_read: load.rowsRead, patients_loaded: load.patients, rows_rejected: load.rejected, rejects: load.rejects, key_kcv: kcv, clause_id: clause.id }
}

/** The stored chunks' patients and tokens, kept by the Loader for the in-memory index (see KEEP_TOKENS). */
interface Kept {
  patients: { ids: string[]; flags: Uint8Array; counts: Uint16Array }[]
  kinds: Uint8Array
  tokens: Uint8Array
}

/** The new version's in-memory index from what the import kept: the token arrays as they are, no copy. */
async function buildKept(versionId: number, v: { asOf: string; kcv: string; epoch: number; kinds: readonly MatchKeyKind[]; patients: number }, kept: Kept): Promise<LiveIndex> {
  const builder = new CompactIndexBuilder(v.kinds, { patients: v.patients, tokens: kept.kinds.length }, kept)
  for (const p of kept.patients) builder.addPatients(p)
  return { versionId, asOf: v.asOf, kcv: v.kcv, epoch: v.epoch, index: await builder.buildAsync(undefined, importPool().parallelFill()), builtFrom: 'import' }
}

/**
 * Stores chunk results in file order as they complete, while later chunks are still read and worked on: a result is
 * stored once it and every chunk before it are done, so progress moves even while a slow upload is still arriving. A
 * failure is reported in file order too (the first failing chunk of the file, not the first to fail), and nothing
 * after it is stored.
 */
class OrderedDrain {
  private next = 0
  private readonly done = new Map<number, { result: ChunkResult; bytes: number } | { error: unknown }>()
  private chain: Promise<void> = Promise.resolve()
  private failure: { error: unknown } | undefined
  private waiters: (() => void)[] = []

  constructor(private readonly store: (result: ChunkResult, bytes: number) => Promise<void>) {}

  track(seq: number, bytes: number, run: Promise<ChunkResult>): void {
    run.then(
      (result) => this.settle(seq, { result, bytes }),
      (error: unknown) => this.settle(seq, { error }),
    )
  }

  /** Stores nothing more; resolves once a store under way has finished. */
  async abandon(): Promise<void> {
    this.failure ??= { error: new Error('import abandoned') }
    this.done.clear()
    await this.chain
  }

  /** Throws the failure, if a chunk has failed. */
  check(): void {
    if (this.failure) throw this.failure.error
  }

  /** Waits until fewer than `limit` of the `submitted` chunks are unstored; throws the first failure. */
  async room(submitted: number, limit: number): Promise<void> {
    for (;;) {
      this.check()
      if (submitted - this.next < limit) return
      await new Promise<void>((resolve) => this.waiters.push(resolve))
    }
  }

  private settle(seq: number, outcome: { result: ChunkResult; bytes: number } | { error: unknown }): void {
    this.done.set(seq, outcome)
    this.chain = this.chain.then(() => this.storeReady())
  }

  private async storeReady(): Promise<void> {
    while (!this.failure && this.done.has(this.next)) {
      const outcome = this.done.get(this.next)!
      this.done.delete(this.next)
      try {
        if ('error' in outcome) throw outcome.error
        await this.store(outcome.result, outcome.bytes)
      } catch (e) {
        this.failure = { error: e }
        this.done.clear()
      }
      this.next++
      this.wake()
    }
  }

  private wake(): void {
    const waiting = this.waiters
    this.waiters = []
    for (const w of waiting) w()
  }
}

interface HeldPatient {
  id: string
  line: number
  explicit: number
  referralActive: boolean
  restricted: boolean
  kinds: Uint8Array
  tokens: Uint8Array
}

/** Takes chunk results in file order, joins a patient split across two chunks, and stores packed chunks. */
class Loader {
  rowsRead = 0
  patients = 0
  tokens = 0
  rejected = 0
  chunks = 0
  readonly rejects: RowReject[] = []
  private tail: HeldPatient | undefined
  private readonly seen = new FingerprintSet()
  private ids: string[] = []
  private flags: number[] = []
  private counts: number[] = []
  private kinds = new Uint8Array(1 << 16)
  private tokenBytes = new Uint8Array((1 << 16) * TOKEN_BYTES)
  private held = 0
  /** token buffers of results taken in and not yet released (the held tail may still refer to one) */
  private inUse: TokenBuffers[] = []

  /** the stored chunks' patients and tokens, while they fit the room made for them (see KEEP_TOKENS) */
  private kept: Kept | undefined

  constructor(
    private readonly ctx: SidecarContext,
    private readonly versionId: number,
    private readonly file: TokenFileWriter,
    keepRoom = 0,
    /** takes back a result's token buffers once nothing here refers to them */
    private readonly release?: (buffers: TokenBuffers) => void,
  ) {
    // Shared memory, so that the import workers can fill the new index's hash table from it (buildAsync).
    if (keepRoom > 0) this.kept = { patients: [], kinds: new Uint8Array(new SharedArrayBuffer(keepRoom)), tokens: new Uint8Array(new SharedArrayBuffer(keepRoom * TOKEN_BYTES)) }
  }

  /** What was kept of every stored chunk, if all of it fitted; once. */
  takeKept(): Kept | undefined {
    const k = this.kept
    this.kept = undefined
    return k && { patients: k.patients, kinds: k.kinds.subarray(0, this.tokens), tokens: k.tokens.subarray(0, this.tokens * TOKEN_BYTES) }
  }

  async add(r: ChunkResult): Promise<void> {
    this.rowsRead += r.rowsRead
    for (const rej of r.rejects) this.reject(rej)
    const n = r.ids.length
    let from = 0
    let offset = 0
    if (n > 0 && this.tail && this.tail.id === r.ids[0]) {
      // The first patient's rows began in the previous chunk.
      const t = this.tail
      const a = t.explicit
      const b = r.explicit[0]!
      t.explicit = a === -1 && b === -1 ? -1 : a === 1 || b === 1 ? 1 : 0
      t.referralActive ||= r.referralActive[0] === 1
      t.restricted ||= r.restricted[0] === 1
      from = 1
      offset = r.counts[0]!
    }
    if (from < n) {
      // Every patient but the last is complete: the tail first, then the rest in bulk; the last is held, as its rows
      // may go on in the next chunk.
      if (this.tail) this.emit(this.tail)
      let end = offset
      for (let i = from; i < n - 1; i++) end += r.counts[i]!
      this.emitRange(r, from, n - 1, offset)
      const count = r.counts[n - 1]!
      this.tail = {
        id: r.ids[n - 1]!,
        line: r.lines[n - 1]!,
        explicit: r.explicit[n - 1]!,
        referralActive: r.referralActive[n - 1] === 1,
        restricted: r.restricted[n - 1] === 1,
        kinds: r.kinds.subarray(end, end + count),
        tokens: r.tokens.subarray(end * TOKEN_BYTES, (end + count) * TOKEN_BYTES),
      }
    }
    // Every patient of the result but the held tail has been copied out: its buffers can go back, unless the tail
    // (from it or from an earlier result, when this one only continued it) is in them.
    this.inUse.push({ kinds: r.kinds.buffer as ArrayBuffer, tokens: r.tokens.buffer as ArrayBuffer })
    this.releaseUnused()
    if (this.ids.length >= STORE_PATIENTS) await this.flush()
  }

  async finish(): Promise<void> {
    if (this.tail) this.emit(this.tail)
    this.tail = undefined
    this.releaseUnused()
    await this.flush()
  }

  private releaseUnused(): void {
    const held = this.tail?.tokens.buffer
    this.inUse = this.inUse.filter((b) => {
      if (b.tokens === held) return true
      this.release?.(b)
      return false
    })
  }

  private reject(r: RowReject): void {
    this.rejected++
    if (this.rejects.length < MAX_REJECTS_REPORTED) this.rejects.push(r)
  }

  private emit(p: HeldPatient): void {
    if (!this.seen.add(p.id)) {
      this.rejectRepeat(p.line)
      return
    }
    const active = p.explicit === -1 ? p.referralActive : p.explicit === 1
    this.append(p.kinds, p.tokens)
    this.ids.push(p.id)
    this.flags.push((active ? FLAG_ACTIVE : 0) | (p.restricted ? FLAG_RESTRICTED : 0))
    this.counts.push(p.kinds.length)
  }

  /** Emits patients [from, to) of a chunk whose tokens start at token `offset`, copying their tokens in runs. */
  private emitRange(r: ChunkResult, from: number, to: number, offset: number): void {
    let runStart = offset
    let at = offset
    for (let i = from; i < to; i++) {
      const n = r.counts[i]!
      if (!this.seen.add(r.ids[i]!)) {
        this.append(r.kinds.subarray(runStart, at), r.tokens.subarray(runStart * TOKEN_BYTES, at * TOKEN_BYTES))
        this.rejectRepeat(r.lines[i]!)
        at += n
        runStart = at
        continue
      }
      const explicit = r.explicit[i]!
      const active = explicit === -1 ? r.referralActive[i] === 1 : explicit === 1
      this.ids.push(r.ids[i]!)
      this.flags.push((active ? FLAG_ACTIVE : 0) | (r.restricted[i] === 1 ? FLAG_RESTRICTED : 0))
      this.counts.push(n)
      at += n
    }
    this.append(r.kinds.subarray(runStart, at), r.tokens.subarray(runStart * TOKEN_BYTES, at * TOKEN_BYTES))
  }

  private rejectRepeat(line: number): void {
    this.reject({ line, code: 'patient_id_repeated', message: 'patient_id appears again after rows of other patients; sort the extract by patient_id so that each patient\'s rows are together, and import again.' })
  }

  /**
   * Gathers tokens for the next stored chunk: while the stored chunks are kept, straight into the kept room at their
   * place (the file and the database are written from there, so the tokens are copied once); else, or once the room is
   * full, into a staging buffer.
   */
  private append(kinds: Uint8Array, tokens: Uint8Array): void {
    const n = kinds.length
    const kept = this.kept
    if (kept) {
      const at = this.tokens + this.held
      if (at + n <= kept.kinds.length) {
        kept.kinds.set(kinds, at)
        kept.tokens.set(tokens, at * TOKEN_BYTES)
        this.held += n
        return
      }
      // The room is full: nothing is kept from here on (the index is read back once live), and what was gathered for
      // the next chunk moves to the staging buffer.
      this.kept = undefined
      this.held = 0
      this.stage(kept.kinds.subarray(this.tokens, at), kept.tokens.subarray(this.tokens * TOKEN_BYTES, at * TOKEN_BYTES))
    }
    this.stage(kinds, tokens)
  }

  private stage(kinds: Uint8Array, tokens: Uint8Array): void {
    const n = kinds.length
    if (this.held + n > this.kinds.length) {
      const cap = Math.max(this.kinds.length * 2, this.held + n)
      const grownKinds = new Uint8Array(cap)
      grownKinds.set(this.kinds.subarray(0, this.held))
      const grownTokens = new Uint8Array(cap * TOKEN_BYTES)
      grownTokens.set(this.tokenBytes.subarray(0, this.held * TOKEN_BYTES))
      this.kinds = grownKinds
      this.tokenBytes = grownTokens
    }
    this.kinds.set(kinds, this.held)
    this.tokenBytes.set(tokens, this.held * TOKEN_BYTES)
    this.held += n
  }

  private async flush(): Promise<void> {
    if (this.ids.length === 0) return
    const kept = this.kept
    const from = kept ? this.tokens : 0
    const chunk: PackedChunk = {
      ids: this.ids,
      flags: Uint8Array.from(this.flags),
      counts: Uint16Array.from(this.counts),
      kinds: (kept ? kept.kinds : this.kinds).subarray(from, from + this.held),
      tokens: (kept ? kept.tokens : this.tokenBytes).subarray(from * TOKEN_BYTES, (from + this.held) * TOKEN_BYTES),
    }
    // The tokens go to the version's file, then the patients and the tokens' place and digest to the database.
    const digest = chunkDigest(chunk.kinds, chunk.tokens)
    const offset = await this.file.append(chunk.kinds, chunk.tokens)
    await insertChunk(this.ctx.db, this.versionId, this.chunks, this.patients, chunk, { offset, digest })
    if (kept) kept.patients.push({ ids: chunk.ids, flags: chunk.flags, counts: chunk.counts })
    this.chunks++
    this.patients += this.ids.length
    this.tokens += this.held
    this.ids = []
    this.flags = []
    this.counts = []
    this.held = 0
    await setLoadCounts(this.ctx.db, this.versionId, { rowsRead: this.rowsRead, loaded: this.patients, rejected: this.rejected })
  }
}
