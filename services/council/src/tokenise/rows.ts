/**
 * The rows of an exchange request as JSON text, made where the tokens are made: `{"ref":…,"tokens":{kind:[…]}}` per
 * candidate, joined by commas, in the order given. Nothing but this text leaves the function; tokens never become
 * objects (the binary tokeniser writes raw bytes, and the text is written from them), and a 50,000-row request is
 * never serialised as one object graph. Same text as JSON.stringify of createFastTokeniser's token sets
 * (services/council/test/tokenise-rows.test.ts).
 */
import { TokenColumns, createBinaryTokeniser, TOKEN_BYTES, type BinaryTokeniser, type MatchKeyKind, type NormalisedPerson } from '@healthflag/tokens'

export interface RowsJob {
  epochKey: Uint8Array
  kinds: readonly MatchKeyKind[]
  refs: string[]
  /** each person's normalised fields as JSON text (as stored): parsed here, not on the main thread, nor cloned */
  persons: string[]
}

export interface RowsResult {
  /** the rows' JSON objects joined by commas (no brackets); '' when none has a token */
  json: string
  /** positions (in the job) of the rows that gave no token under the permitted keys and were left out */
  skipped: number[]
}

/** The last tokeniser made, kept for the next job under the same key and kinds: its name memos stay warm. */
let last: { id: string; tokeniser: BinaryTokeniser; kindNames: string[] } | undefined

function tokeniserFor(job: RowsJob): { tokeniser: BinaryTokeniser; kindNames: string[] } {
  const id = `${Buffer.from(job.epochKey).toString('hex')}:${job.kinds.join(',')}`
  if (last?.id !== id) {
    const tokeniser = createBinaryTokeniser(job.epochKey, { kinds: job.kinds })
    last = { id, tokeniser, kindNames: tokeniser.kinds.map((k) => JSON.stringify(k)) }
  }
  return last
}

export function tokeniseRows(job: RowsJob): RowsResult {
  const { tokeniser, kindNames } = tokeniserFor(job)
  const cols = new TokenColumns(64)
  const parts: string[] = []
  const skipped: number[] = []
  for (let i = 0; i < job.persons.length; i++) {
    cols.length = 0
    const n = tokeniser.tokenise(JSON.parse(job.persons[i]!) as NormalisedPerson, cols)
    if (n === 0) {
      skipped.push(i)
      continue
    }
    // Tokens come in kind order, each kind's together (createBinaryTokeniser's contract).
    let text = `{"ref":${JSON.stringify(job.refs[i]!)},"tokens":{`
    const bytes = Buffer.from(cols.tokens.buffer, cols.tokens.byteOffset, n * TOKEN_BYTES)
    for (let t = 0; t < n; t++) {
      const kind = cols.kinds[t]!
      const token = bytes.toString('base64url', t * TOKEN_BYTES, (t + 1) * TOKEN_BYTES)
      if (t > 0 && cols.kinds[t - 1] === kind) text += `,"${token}"`
      else text += `${t > 0 ? '],' : ''}${kindNames[kind]!}:["${token}"`
    }
    parts.push(`${text}]}}`)
  }
  return { json: parts.join(','), skipped }
}
