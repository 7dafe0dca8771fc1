/**
 * Cuts a CSV byte stream into record-aligned chunks of about `targetBytes`, so each can be parsed on its own under the
 * file's header. A record ends at a line feed outside quotes; RFC 4180 doubles a quote inside a quoted field, so the
 * parity of the quotes since the last boundary tells whether a line feed is inside one. Memory is bounded by the
 * chunk size, except that a quote never closed would swallow the rest of the file: past `maxRecordBytes` that is
 * refused as malformed.
 */
import { errors } from '@healthflag/protocol'

const LF = 0x0a
const QUOTE = 0x22

export interface CsvChunk {
  header: Uint8Array
  headerLines: number
  body: Uint8Array
  /** file line number of the body's first line */
  firstLine: number
}

export interface SplitOptions {
  targetBytes: number
  /**
   * about how large the chunks cut from what is held when the source ends are (default `targetBytes`): smaller ones let
   * the import's workers finish together instead of one waiting for the other's last full chunk
   */
  lastBytes?: number
  maxRecordBytes?: number
  /** sees every byte of the source, in order (digest, progress) */
  onBytes?: (piece: Uint8Array) => void
}

/** A copy (Buffer's `slice` is a view; a chunk must own its bytes, to be transferred to a worker alone). */
function copy(buf: Uint8Array, from: number, to: number): Uint8Array {
  return new Uint8Array(buf.subarray(from, to))
}

/**
 * Occurrences of `byte` in [from, to), by Buffer's indexOf (a native byte search) over a view bounded at `to`: a
 * typed array's own indexOf has no end, so counting the quotes of one chunk that way scanned the rest of the held
 * buffer each time (~2 s per million rows), and a plain loop over every byte cost ~0.12 µs per row; this is ~4× less
 * for line feeds (one every ~60 bytes) and ~9× less for quotes (usually none).
 */
function countByte(buf: Uint8Array, byte: number, from: number, to: number): number {
  if (to <= from) return 0
  const view = Buffer.from(buf.buffer, buf.byteOffset + from, to - from)
  let n = 0
  for (let i = view.indexOf(byte); i !== -1; i = view.indexOf(byte, i + 1)) n++
  return n
}

/**
 * The position just after the first record boundary at or after `from` (a boundary itself is `start`, where quotes
 * are balanced), or -1 when the buffer holds no complete record past `from`.
 */
function boundaryAfter(buf: Uint8Array, start: number, from: number): number {
  let quotes = countByte(buf, QUOTE, start, from)
  let at = from
  for (;;) {
    const nl = buf.indexOf(LF, at)
    if (nl === -1) return -1
    quotes += countByte(buf, QUOTE, at, nl)
    if (quotes % 2 === 0) return nl + 1
    at = nl + 1
  }
}

export async function* splitCsv(source: AsyncIterable<Uint8Array>, opts: SplitOptions): AsyncGenerator<CsvChunk> {
  const maxRecord = opts.maxRecordBytes ?? 64 * 1024 * 1024
  let header: Uint8Array | undefined
  let headerLines = 0
  let line = 1
  let pieces: Uint8Array[] = []
  let held = 0
  let yielded = false

  const emit = (buf: Uint8Array, from: number, to: number): CsvChunk | undefined => {
    const body = copy(buf, from, to)
    const firstLine = line
    line += countByte(body, LF, 0, body.length)
    if (body.every((b) => b === LF || b === 0x0d || b === 0x20)) return undefined
    yielded = true
    return { header: header!, headerLines, body, firstLine }
  }

  /** Cuts what is held; keeps the incomplete tail unless `final`. */
  function* cut(final: boolean): Generator<CsvChunk> {
    if (held === 0) return
    const buf = pieces.length === 1 ? pieces[0]! : concatAll(pieces, held)
    pieces = []
    held = 0
    let start = 0
    if (!header) {
      const end = boundaryAfter(buf, 0, 0)
      if (end === -1) {
        if (!final) {
          if (buf.length > maxRecord) throw errors.fileMalformed('The patient index header is never closed (a quote is not closed on line 1); fix the header and import again.', { line: 1 })
          pieces = [buf]
          held = buf.length
          return
        }
        header = copy(buf, 0, buf.length)
        headerLines = countByte(header, LF, 0, header.length) + 1
        line += headerLines
        return
      }
      header = copy(buf, 0, end)
      headerLines = countByte(header, LF, 0, header.length)
      line += headerLines
      start = end
    }
    const target = final ? (opts.lastBytes ?? opts.targetBytes) : opts.targetBytes
    for (;;) {
      if (buf.length - start < target) break
      const end = boundaryAfter(buf, start, start + target - 1)
      if (end === -1) break
      const c = emit(buf, start, end)
      if (c) yield c
      start = end
    }
    if (final) {
      if (start < buf.length) {
        const c = emit(buf, start, buf.length)
        if (c) yield c
      }
      return
    }
    if (start < buf.length) {
      if (buf.length - start > maxRecord) {
        // Name the line where the record with the open quote starts: after the last boundary that closes.
        let recordStart = start
        for (let b = boundaryAfter(buf, start, start); b !== -1; b = boundaryAfter(buf, b, b)) recordStart = b
        const at = line + countByte(buf, LF, start, recordStart)
        throw errors.fileMalformed(`The patient index has a quote that is never closed on line ${at}; fix that line and import again.`, { line: at })
      }
      const rest = buf.subarray(start)
      pieces = [rest]
      held = rest.length
    }
  }

  for await (const raw of source) {
    const piece = raw instanceof Uint8Array ? raw : new Uint8Array(raw as ArrayBuffer)
    if (piece.length === 0) continue
    opts.onBytes?.(piece)
    pieces.push(piece)
    held += piece.length
    if (held >= opts.targetBytes * 2 || (!header && held >= 64 * 1024)) yield* cut(false)
  }
  yield* cut(true)
  if (!header) return
  // A file with a header and no rows still yields its header, so the parser can check its columns.
  if (!yielded) yield { header, headerLines, body: new Uint8Array(0), firstLine: line }
}

function concatAll(pieces: Uint8Array[], total: number): Uint8Array {
  const out = new Uint8Array(total)
  let at = 0
  for (const p of pieces) {
    out.set(p, at)
    at += p.length
  }
  return out
}
