/**
 * The per-chunk work of an index import, run in a worker thread (or inline for small files): parse a
 * record-aligned slice of the CSV under the file's header, normalise, group consecutive rows of one patient
 * (referral format), derive the active flag and tokenise each patient into binary columns.
 */
import { deriveActive, type ActiveDefinition, type Referral } from '@healthflag/isa'
import { HealthflagError, errors, isHealthflagError } from '@healthflag/protocol'
import { isReject, readPatients, type PatientInput, type PatientReject } from '@healthflag/records'
import { TOKEN_BYTES, TokenColumns, createBinaryTokeniser, type BinaryTokeniser, type MatchKeyKind } from '@healthflag/tokens'
import { forEachPlainPatient } from './fast-rows.js'

export interface ChunkSettings {
  epochKey: Uint8Array
  kinds: readonly MatchKeyKind[]
  activeDefinition: ActiveDefinition
  /** ISO date: referrals are judged open or closed on this day */
  asOf: string
  /** ISO instant: what normalisation takes as today (future dates of birth) */
  today: string
}

export interface ChunkJob {
  seq: number
  header: Uint8Array
  headerLines: number
  body: Uint8Array
  /** file line number of the body's first line */
  firstLine: number
  /**
   * Buffers of an earlier result that the main thread is done with, for this result's kinds and tokens: memory a
   * worker has not touched yet costs a page fault per 4 KiB, ~11 µs each on the side-car's kind of virtual machine
   * (~60 k per worker in a 1 M import when every result had new buffers).
   */
  spare?: TokenBuffers
}

/** The buffers a result's kinds and tokens are views of (from the start), to be handed back for reuse. */
export interface TokenBuffers {
  kinds: ArrayBuffer
  tokens: ArrayBuffer
}

export interface RowReject {
  line: number
  code: string
  message: string
}

/** One chunk's patients in columns (transferable), in file order. */
export interface ChunkResult {
  seq: number
  rowsRead: number
  rejects: RowReject[]
  ids: string[]
  /** file line of each patient's first row */
  lines: Int32Array
  /** the active_service column: -1 absent (referral format), 0 false, 1 true */
  explicit: Int8Array
  /** any listed referral open on the as-of date */
  referralActive: Uint8Array
  restricted: Uint8Array
  counts: Uint16Array
  kinds: Uint8Array
  tokens: Uint8Array
}

export interface SerialisedError {
  name: string
  message: string
  code?: string
  statusCode?: number
  details?: Record<string, unknown>
}

const tokenisers = new WeakMap<ChunkSettings, BinaryTokeniser>()

/** Columns a worker reuses from chunk to chunk (each chunk's result is a copy), so they grow once, not per chunk. */
const spareColumns: TokenColumns[] = []

/** The chunk's rows with file line numbers through readPatients (csv-parse). */
async function* parsedRows(settings: ChunkSettings, job: ChunkJob): AsyncGenerator<PatientInput | PatientReject> {
  const decoder = new TextDecoder('utf-8', { fatal: false })
  const fileLine = (chunkLine: number): number => job.firstLine + chunkLine - job.headerLines - 1
  try {
    for await (const item of readPatients(decoder.decode(concat(job.header, job.body)), { today: new Date(settings.today) })) yield { ...item, line: fileLine(item.line) }
  } catch (e) {
    throw relocate(e, fileLine)
  }
}

export async function processChunk(settings: ChunkSettings, job: ChunkJob, opts: { parser?: 'auto' | 'csv-parse' } = {}): Promise<ChunkResult> {
  let tok = tokenisers.get(settings)
  if (!tok) tokenisers.set(settings, (tok = createBinaryTokeniser(settings.epochKey, { kinds: settings.kinds })))
  const cols = spareColumns.pop() ?? new TokenColumns(1 << 16)
  try {
    if ((opts.parser ?? 'auto') === 'auto') {
      // The plain reader hands over each row as it reads it, and the row is tokenised at once, while it is young; if
      // the chunk turns out not to be plain, it starts again under csv-parse.
      const decoder = new TextDecoder('utf-8', { fatal: false })
      cols.length = 0
      const c = collector(settings, tok, cols)
      if (forEachPlainPatient(decoder.decode(job.header), decoder.decode(job.body), job.firstLine, new Date(settings.today), c.row)) return c.result(job.seq, job.spare)
    }
    cols.length = 0
    const c = collector(settings, tok, cols)
    for await (const item of parsedRows(settings, job)) c.row(item)
    return c.result(job.seq, job.spare)
  } finally {
    spareColumns.push(cols)
  }
}

/** Groups a chunk's rows into patients (consecutive rows of one patient_id), tokenising each patient's first row. */
function collector(
  settings: ChunkSettings,
  tok: BinaryTokeniser,
  cols: TokenColumns,
): { row: (item: PatientInput | PatientReject) => void; result: (seq: number, spare?: TokenBuffers) => ChunkResult } {
  // Midday UTC falls on the same UK calendar day all year (23:59:59Z is already the next day in London under BST).
  const asOf = new Date(`${settings.asOf}T12:00:00Z`)

  const ids: string[] = []
  const lines: number[] = []
  const explicit: number[] = []
  const referralActive: number[] = []
  const restricted: number[] = []
  const counts: number[] = []
  const rejects: RowReject[] = []
  let rowsRead = 0
  let referrals: Referral[] = []
  let groupLine = 0

  const closeGroup = (): void => {
    if (ids.length === 0) return
    // No referral rows: nothing can be open (deriveActive would say so too, after working out the date).
    if (referrals.length === 0) return
    try {
      referralActive[ids.length - 1] = deriveActive(referrals, settings.activeDefinition, asOf) ? 1 : 0
    } catch (e) {
      if (e instanceof RangeError) throw located(errors.fileMalformed(`A referral date cannot be read (${e.message}) in the rows of the patient starting on line ${groupLine}; fix the date and import again.`, { line: groupLine }))
      throw e
    }
    referrals = []
  }

  const row = (item: PatientInput | PatientReject): void => {
    rowsRead++
    const line = item.line
    if (isReject(item)) {
      rejects.push({ line, code: item.code, message: item.message })
      return
    }
    const last = ids.length - 1
    if (last >= 0 && ids[last] === item.patientId) {
      // Another row of the same patient: its referral counts, the person fields of the first row stand.
      if (item.referral) referrals.push(item.referral)
      const a = explicit[last]!
      explicit[last] = a === -1 && item.active === null ? -1 : a === 1 || item.active === true ? 1 : 0
      if (item.restricted) restricted[last] = 1
      return
    }
    closeGroup()
    groupLine = line
    ids.push(item.patientId)
    lines.push(line)
    explicit.push(item.active === null ? -1 : item.active ? 1 : 0)
    referralActive.push(0)
    restricted.push(item.restricted ? 1 : 0)
    if (item.referral) referrals.push(item.referral)
    const n = tok.tokenise(item.person, cols)
    if (n > 0xffff) throw located(errors.fileMalformed(`The patient on line ${line} gives more tokens than an index can hold; check its name fields.`, { line }))
    counts.push(n)
  }

  const result = (seq: number, spare?: TokenBuffers): ChunkResult => {
    closeGroup()
    const n = cols.length
    // Into the spare buffers when they are large enough; else new ones with room to spare, so that they can serve a
    // somewhat larger chunk when they come back.
    const fits = spare !== undefined && spare.kinds.byteLength >= n && spare.tokens.byteLength >= n * TOKEN_BYTES
    const kinds = fits ? new Uint8Array(spare.kinds, 0, n) : new Uint8Array(new ArrayBuffer(Math.ceil(n * 1.25)), 0, n)
    const tokens = fits ? new Uint8Array(spare.tokens, 0, n * TOKEN_BYTES) : new Uint8Array(new ArrayBuffer(Math.ceil(n * 1.25) * TOKEN_BYTES), 0, n * TOKEN_BYTES)
    kinds.set(cols.kinds.subarray(0, n))
    tokens.set(cols.tokens.subarray(0, n * TOKEN_BYTES))
    return {
      seq,
      rowsRead,
      rejects,
      ids,
      lines: Int32Array.from(lines),
      explicit: Int8Array.from(explicit),
      referralActive: Uint8Array.from(referralActive),
      restricted: Uint8Array.from(restricted),
      counts: Uint16Array.from(counts),
      kinds,
      tokens,
    }
  }
  return { row, result }
}

/** Errors that already name a line of the file. */
const fileLineErrors = new WeakSet<object>()
function located(e: HealthflagError): HealthflagError {
  fileLineErrors.add(e)
  return e
}

/** A CSV error from the parser names a line of the chunk; the user needs the line of the file. */
function relocate(e: unknown, fileLine: (chunkLine: number) => number): unknown {
  if (!isHealthflagError(e) || fileLineErrors.has(e) || typeof e.details?.line !== 'number') return e
  const chunkLine = e.details.line
  const line = fileLine(chunkLine)
  return new HealthflagError(e.code, e.statusCode, e.message.replace(`line ${chunkLine}`, `line ${line}`), { ...e.details, line })
}

function concat(a: Uint8Array, b: Uint8Array): Uint8Array {
  const out = new Uint8Array(a.length + b.length)
  out.set(a)
  out.set(b, a.length)
  return out
}

export function serialiseError(e: unknown): SerialisedError {
  if (isHealthflagError(e)) return { name: e.name, message: e.message, code: e.code, statusCode: e.statusCode, ...(e.details ? { details: e.details } : {}) }
  const err = e instanceof Error ? e : new Error(String(e))
  return { name: err.name, message: err.message }
}

export function transferList(r: ChunkResult): ArrayBuffer[] {
  return [r.lines, r.explicit, r.referralActive, r.restricted, r.counts, r.kinds, r.tokens].map((a) => a.buffer as ArrayBuffer)
}
