/**
 * Refusals the side-car stored, answered again: to a re-sent request (the same exchange id and bytes) and to the
 * council's signed read of the exchange (`GET /v1/exchanges/:id`). The caller learns the code the trust refused with,
 * never REFUSED_BY_IG for a refusal no IG officer made.
 */
import { ErrorCode, errors, HealthflagError } from '@healthflag/protocol'

/** Each code's HTTP status, read off the factories (packages/protocol/src/errors.ts) so that the two cannot drift. */
const STATUS: ReadonlyMap<string, number> = new Map(
  Object.values(errors).map((make) => {
    const e = make('')
    return [e.code, e.statusCode] as const
  }),
)

const GENERIC = 'The trust refused this exchange.'

/**
 * The stored refusal as it was first answered: its code with that code's own status. A row refused without a code
 * (none is written that way) reads as the IG refusal it used to be reported as; a code no longer in the vocabulary
 * keeps its name, as a 403.
 */
export function storedRefusal(code: string | null, reason: string | null): HealthflagError {
  if (code === null) return errors.refusedByIg(reason ?? GENERIC)
  return new HealthflagError(code as ErrorCode, STATUS.get(code) ?? 403, reason ?? GENERIC)
}

/**
 * The stored refusal for a read of the exchange, which the council takes as the trust's decision: a decision is final,
 * so it must not carry a status the council reads as "ask again later" (5xx, 429, 401: services/council/src/approval.ts
 * askAgainLater), or an exchange refused for a stale index (INDEX_TOO_OLD, 503) or a full frequency window
 * (FREQUENCY_EXCEEDED, 429) would be asked about for ever. Such a refusal is answered 410 Gone with its own code: the
 * exchange is over, here is why. A refusal whose code has a 4xx status of its own keeps it (BATCH_TOO_SMALL 422,
 * KEY_MISMATCH 409, ISA_SUSPENDED 403, REFUSED_BY_IG 403).
 */
export function storedDecision(code: string | null, reason: string | null): HealthflagError {
  const e = storedRefusal(code, reason)
  const final = e.statusCode >= 400 && e.statusCode < 500 && e.statusCode !== 401 && e.statusCode !== 429
  return final ? e : new HealthflagError(e.code, 410, e.message, e.details)
}

/**
 * An exchange whose checks passed and whose answer is being matched and stored right now. 503, which the council reads
 * as "ask again": the answer is moments away, or, if the process answering it stopped, the row goes with the sweep and
 * the exchange is unknown here (the council then marks it failed).
 */
export function stillAnswering(): HealthflagError {
  return new HealthflagError(ErrorCode.CONFLICT, 503, 'The trust is answering this exchange now; ask again in a moment.')
}
