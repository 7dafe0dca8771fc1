/**
 * The rows of an exchange request as JSON text, made where the tokens are made: `{"ref":…,"tokens":{kind:[…]}}` per
 * candidate, joined by commas, in the order given. Nothing but this text leaves the function; tokens never become
 * objects or strings (the binary tokeniser writes raw bytes, and the text's bytes are written from them, base64url
 * included), and a 50,000-row request is never serialised as one object graph. The text is ASCII (refs and tokens
 * are base64url, kind names [a-z0-9_]), so its bytes are its UTF-8 encoding: the request body is these bytes as they
 * are, handed back from a worker without a copy. Same text as JSON.stringify of createFastTokeniser's token sets
 * (services/council/test/tokenise-rows.test.ts), each kind's list cut to its first MAX_TOKENS_PER_KIND tokens.
 *
 * The cut: the protocol takes at most 16 tokens of a kind in a row, and one row past it would have the side-car refuse
 * the whole request. Only a family name of 16 or more parts gets there (one token per value of the `family` field: the
 * full name, then its parts; every other field of a sent key has one value, or at most 16). The first 16 begin with
 * the full name's, which the trust's index holds for the patient whatever the parts, so such a row still matches on
 * its full name; candidates.ts warns of it in the validation report. Token spec §3.
 */
// The encoding alone: the worker does not load the protocol's schemas.
import { writeBase64Url16 } from '@healthflag/protocol/encoding'
import { MAX_TOKENS_PER_KIND, TokenColumns, createBinaryTokeniser, TOKEN_BYTES, type BinaryTokeniser, type MatchKeyKind, type NormalisedPerson } from '@healthflag/tokens'

export interface RowsJob {
  epochKey: Uint8Array
  kinds: readonly MatchKeyKind[]
  refs: string[]
  /** each person's normalised fields as JSON text (as stored): parsed here, not on the main thread, nor cloned */
  persons: string[]
}

export interface RowsResult {
  /** the rows' JSON objects joined by commas (no brackets), as ASCII bytes; empty when none has a token */
  bytes: Uint8Array
  /** positions (in the job) of the rows that gave no token under the permitted keys and were left out */
  skipped: number[]
}

/** a token's base64url length (16 bytes, no padding) */
export const TOKEN_CHARS = 22

const ascii = (s: string): Uint8Array => {
  if (!/^[\x20-\x7e]*$/.test(s)) throw new RangeError('request row text must be printable ASCII')
  return Uint8Array.from(s, (c) => c.charCodeAt(0))
}
const ROW_START = ascii('{"ref":"')
const TOKENS_START = ascii('","tokens":{')

/** A growable byte buffer the rows are written into. */
class Out {
  buf: Uint8Array
  length = 0
  constructor(capacity: number) {
    this.buf = new Uint8Array(capacity)
  }
  /** Room for `n` more bytes. */
  room(n: number): void {
    if (this.length + n <= this.buf.length) return
    const next = new Uint8Array(Math.max(this.buf.length * 2, this.length + n))
    next.set(this.buf.subarray(0, this.length))
    this.buf = next
  }
  put(bytes: Uint8Array): void {
    this.buf.set(bytes, this.length)
    this.length += bytes.length
  }
}

/** The last tokeniser made, kept for the next job under the same key and kinds: its name memos stay warm. */
let last: { id: string; tokeniser: BinaryTokeniser; kindNames: Uint8Array[]; longestName: number } | undefined

function tokeniserFor(job: RowsJob): { tokeniser: BinaryTokeniser; kindNames: Uint8Array[]; longestName: number } {
  const id = `${Buffer.from(job.epochKey).toString('hex')}:${job.kinds.join(',')}`
  if (last?.id !== id) {
    const tokeniser = createBinaryTokeniser(job.epochKey, { kinds: job.kinds })
    // `"kind":[` for each kind: JSON.stringify spells the name (kind names need no escaping, and are checked ASCII).
    const kindNames = tokeniser.kinds.map((k) => ascii(`${JSON.stringify(k)}:[`))
    last = { id, tokeniser, kindNames, longestName: Math.max(0, ...kindNames.map((k) => k.length)) }
  }
  return last
}

export function tokeniseRows(job: RowsJob): RowsResult {
  const { tokeniser, kindNames, longestName } = tokeniserFor(job)
  const cols = new TokenColumns(64)
  // ~500 bytes a row with every key (19 tokens): sized once for the usual row, grown if need be.
  const out = new Out(Math.max(1 << 16, job.persons.length * 512))
  const skipped: number[] = []
  let rows = 0
  for (let i = 0; i < job.persons.length; i++) {
    cols.length = 0
    const n = tokeniser.tokenise(JSON.parse(job.persons[i]!) as NormalisedPerson, cols)
    if (n === 0) {
      skipped.push(i)
      continue
    }
    const ref = job.refs[i]!
    // comma, row start, ref, tokens start, per token `],"kind":["` at most and 22 + 3, closing `]}}`.
    out.room(1 + ROW_START.length + ref.length + TOKENS_START.length + n * (TOKEN_CHARS + 5 + longestName) + 3)
    const buf = out.buf
    if (rows++ > 0) buf[out.length++] = 0x2c // ,
    out.put(ROW_START)
    let o = out.length
    for (let c = 0; c < ref.length; c++) {
      const code = ref.charCodeAt(c)
      // A ref is base64url (exchange.ts makes them): anything else would need escaping, so it is refused.
      if (!isBase64UrlChar(code)) throw new RangeError('a row ref must be base64url')
      buf[o++] = code
    }
    out.length = o
    out.put(TOKENS_START)
    o = out.length
    // Tokens come in kind order, each kind's together, in combination order (createBinaryTokeniser's contract).
    const tokens = cols.tokens
    const kinds = cols.kinds
    let ofKind = 0
    for (let t = 0; t < n; t++) {
      const kind = kinds[t]!
      if (t > 0 && kinds[t - 1] === kind) {
        if (++ofKind >= MAX_TOKENS_PER_KIND) continue // the first ones only (see above)
        buf[o++] = 0x2c // ,
      } else {
        ofKind = 0
        if (t > 0) {
          buf[o++] = 0x5d // ]
          buf[o++] = 0x2c // ,
        }
        const name = kindNames[kind]!
        buf.set(name, o)
        o += name.length
      }
      buf[o++] = 0x22 // "
      writeBase64Url16(tokens, t * TOKEN_BYTES, buf, o)
      o += TOKEN_CHARS
      buf[o++] = 0x22 // "
    }
    buf[o++] = 0x5d // ]
    buf[o++] = 0x7d // }
    buf[o++] = 0x7d // }
    out.length = o
  }
  return { bytes: out.buf.subarray(0, out.length), skipped }
}

function isBase64UrlChar(c: number): boolean {
  return (c >= 0x41 && c <= 0x5a) || (c >= 0x61 && c <= 0x7a) || (c >= 0x30 && c <= 0x39) || c === 0x2d || c === 0x5f
}
