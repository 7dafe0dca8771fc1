/**
 * The rows of an exchange request as JSON text, made where the tokens are made: `{"ref":…,"tokens":{kind:[…]}}` per
 * candidate, joined by commas, in the order given. Nothing but this text leaves the function; tokens never become
 * objects on the main thread, and a 50,000-row request is never serialised as one object graph.
 */
import { createFastTokeniser, type MatchKeyKind, type NormalisedPerson } from '@healthflag/tokens'

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

export function tokeniseRows(job: RowsJob): RowsResult {
  const tokeniser = createFastTokeniser(job.epochKey, { kinds: job.kinds })
  const parts: string[] = []
  const skipped: number[] = []
  for (let i = 0; i < job.persons.length; i++) {
    const tokens = tokeniser.tokens(JSON.parse(job.persons[i]!) as NormalisedPerson)
    if (Object.keys(tokens).length === 0) {
      skipped.push(i)
      continue
    }
    parts.push(JSON.stringify({ ref: job.refs[i]!, tokens }))
  }
  return { json: parts.join(','), skipped }
}
