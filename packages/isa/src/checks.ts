/**
 * The ISA checks both parties run on every exchange. Each throws a HealthflagError whose message tells
 * the reader what to do; none reads the clock (callers pass `now`) and none sees personal data.
 */
import { errors } from '@healthflag/protocol'
import type { Clause, IsaDocument, IsaVersion } from './schema.js'

const DAY_MS = 86_400_000

const londonDate = new Intl.DateTimeFormat('en-CA', {
  timeZone: 'Europe/London',
  year: 'numeric',
  month: '2-digit',
  day: '2-digit',
})

/**
 * The calendar date (`YYYY-MM-DD`) in England at `now`. ISA dates are English civil dates: an agreement
 * valid to 31 March is valid until midnight London time, whatever the server's time zone.
 */
export function ukDate(now: Date): string {
  return londonDate.format(now)
}

function label(doc: IsaDocument): string {
  return `ISA ${doc.id} version ${doc.version}`
}

/**
 * The agreement must exist, be active, and `now` must fall within valid_from..valid_to (inclusive, in
 * English dates) and at or after this version's effective_from.
 */
export function checkIsaStatus(doc: IsaDocument | undefined, now: Date, isaId?: string): IsaDocument {
  if (doc === undefined) {
    throw errors.isaUnknown(
      `No ISA${isaId === undefined ? '' : ` with id ${JSON.stringify(isaId.slice(0, 64))}`} is registered here; ask your information governance lead which agreement covers this exchange.`,
    )
  }
  const today = ukDate(now)
  if (doc.status === 'draft') {
    throw errors.isaNotActive(
      `${label(doc)} is still a draft; exchanges can start once both parties have signed and it is registered as active.`,
    )
  }
  if (doc.status === 'suspended') {
    throw errors.isaSuspended(
      `${label(doc)} is suspended; contact the information governance leads of both parties before sending anything.`,
    )
  }
  if (doc.status === 'expired' || today > doc.valid_to) {
    throw errors.isaExpired(
      `${label(doc)} expired (valid to ${doc.valid_to}); agree and register a variation that renews it before exchanging again.`,
    )
  }
  if (today < doc.valid_from) {
    throw errors.isaNotYetValid(
      `${label(doc)} is not valid until ${doc.valid_from}; wait until then before exchanging.`,
    )
  }
  if (now.getTime() < Date.parse(doc.effective_from)) {
    throw errors.isaNotYetValid(
      `${label(doc)} takes effect at ${doc.effective_from}; use the version in effect now until then.`,
    )
  }
  return doc
}

/** The digest the peer quoted must be the one we hold, or the two sides are not under the same text. */
export function checkIsaDigest(held: IsaVersion, claimed: string): void {
  if (held.digest !== claimed) {
    throw errors.isaDigestMismatch(
      `The ISA digest in the request differs from ${label(held.doc)} held here; both parties must load the same registered version before exchanging.`,
    )
  }
}

/**
 * Past review_date the agreement still stands, but someone must review it. Returns a warning sentence,
 * or throws ISA_REVIEW_OVERDUE when the ISA says an overdue review stops exchanges. Undefined when not due.
 */
export function checkReviewDate(doc: IsaDocument, now: Date): string | undefined {
  if (ukDate(now) <= doc.review_date) return undefined
  const sentence = `${label(doc)} was due for review on ${doc.review_date}; ask both information governance leads to review it and register the outcome.`
  if (doc.review_overdue === 'refuse') {
    throw errors.isaReviewOverdue(`${sentence} Exchanges are refused until then, as the agreement requires.`)
  }
  return sentence
}

/** The clause named by the exchange must exist in this version. Returns it. */
export function checkClause(doc: IsaDocument, clauseId: string): Clause {
  const clause = doc.clauses.find((c) => c.id === clauseId)
  if (clause === undefined) {
    throw errors.clauseUnknown(
      `${label(doc)} has no clause ${JSON.stringify(clauseId.slice(0, 64))}; choose one of: ${doc.clauses.map((c) => c.id).join(', ')}.`,
    )
  }
  return clause
}

/** The exchange's declared purpose must be the clause's purpose, code for code. */
export function checkPurpose(clause: Clause, purpose: string): void {
  if (purpose !== clause.purpose) {
    throw errors.purposeNotPermitted(
      `Clause ${clause.id} permits only the purpose ${clause.purpose}; data cannot be shared under it for any other purpose.`,
    )
  }
}

/** Every match key the request uses must be listed in the clause. */
export function checkMatchKeys(clause: Clause, keys: readonly string[]): void {
  if (keys.length === 0) {
    throw errors.matchKeyNotPermitted(
      `The request names no match keys; send tokens for at least one of the keys clause ${clause.id} permits.`,
    )
  }
  const permitted = new Set(clause.permitted_match_keys)
  const refused = [...new Set(keys.filter((k) => !permitted.has(k)))]
  if (refused.length > 0) {
    throw errors.matchKeyNotPermitted(
      `Clause ${clause.id} does not permit the match key(s) ${refused.join(', ')}; remove them or agree a variation that adds them.`,
    )
  }
}

/** Only the clause's returned fields (today: active_service) may be asked for or answered. */
export function checkReturnedFields(clause: Clause, fields: readonly string[]): void {
  const permitted = new Set<string>(clause.returned_fields)
  const refused = [...new Set(fields.filter((f) => !permitted.has(f)))]
  if (refused.length > 0) {
    throw errors.fieldNotPermitted(
      `Clause ${clause.id} permits returning only ${clause.returned_fields.join(', ')}; remove ${refused.join(', ')} from the request.`,
    )
  }
}

/** Batch size within [min, max]. The minimum stops one-person look-ups; the maximum bounds a bulk pull. */
export function checkBatchSize(clause: Clause, size: number): void {
  if (size < clause.batch.min) {
    throw errors.batchTooSmall(
      `Clause ${clause.id} requires at least ${clause.batch.min} candidates per exchange, so that no one person can be looked up alone; add candidates or wait for a larger batch.`,
    )
  }
  if (size > clause.batch.max) {
    throw errors.batchTooLarge(
      `Clause ${clause.id} allows at most ${clause.batch.max} candidates per exchange; split the upload or reduce it to candidates who meet the criteria.`,
    )
  }
}

/** Start of the rolling window that `checkFrequency` counts over: `now` minus the clause's period. */
export function frequencyWindowStart(clause: Clause, now: Date): Date {
  return new Date(now.getTime() - clause.frequency.period_days * DAY_MS)
}

/**
 * At most max_exchanges distinct exchanges in any period_days window. `recentExchangeIds` are the ids of
 * exchanges already made since `frequencyWindowStart`; duplicates (chunks of one exchange) count once, and
 * a further chunk of an exchange already counted does not count again.
 */
export function checkFrequency(clause: Clause, recentExchangeIds: Iterable<string>, exchangeId: string): void {
  const seen = new Set(recentExchangeIds)
  if (seen.has(exchangeId)) return
  if (seen.size + 1 > clause.frequency.max_exchanges) {
    throw errors.frequencyExceeded(
      `Clause ${clause.id} allows ${clause.frequency.max_exchanges} exchanges per ${clause.frequency.period_days} days and that many have been made; wait for the oldest to leave the window or combine candidates into one exchange.`,
    )
  }
}

/** The council's signed attestation must state a criteria threshold at least the clause's. */
export function checkPrecondition(clause: Clause, attestedMinCriteria: number | undefined): void {
  if (attestedMinCriteria === undefined || !Number.isInteger(attestedMinCriteria)) {
    throw errors.preconditionNotAttested(
      `Clause ${clause.id} requires an attestation that every candidate meets at least ${clause.precondition.min_criteria} programme criteria; send the signed attestation with the request.`,
    )
  }
  if (attestedMinCriteria < clause.precondition.min_criteria) {
    throw errors.preconditionNotAttested(
      `Clause ${clause.id} requires every candidate to meet at least ${clause.precondition.min_criteria} programme criteria, but the attestation states ${attestedMinCriteria}; remove candidates below the threshold and attest again.`,
    )
  }
}

/**
 * The trust's patient index must be recent enough for "active" to mean active today: no older than the
 * clause's max_index_age_days at `now`. Missing index: INDEX_NOT_LOADED.
 */
export function checkIndexAge(clause: Clause, indexAsOf: Date | undefined, now: Date): void {
  if (indexAsOf === undefined || Number.isNaN(indexAsOf.getTime())) {
    throw errors.indexNotLoaded(
      'No patient index is loaded on the side-car; ask the trust to load a current extract and try again.',
    )
  }
  const ageDays = (now.getTime() - indexAsOf.getTime()) / DAY_MS
  if (ageDays > clause.active_definition.max_index_age_days) {
    throw errors.indexTooOld(
      `The trust's patient index is ${Math.floor(ageDays)} days old and clause ${clause.id} allows at most ${clause.active_definition.max_index_age_days}; ask the trust to load a fresh extract and try again.`,
    )
  }
}

export type Side = 'council' | 'trust'

/** Everything the checks need to judge one exchange, as either party sees it. */
export interface ExchangeContext {
  /** The side running the checks: the index age check runs on the trust side only. */
  side: Side
  /** The agreement version in effect here (undefined when the requested ISA is unknown). */
  isa: IsaVersion | undefined
  /** The ISA id the exchange names, used only in the unknown-ISA message. */
  isaId: string
  /** The digest the peer quoted; checked when given (the trust always passes the council's). */
  claimedDigest?: string
  clauseId: string
  purpose: string
  matchKeys: readonly string[]
  /** Fields asked for; defaults to the only permitted one. */
  returnedFields?: readonly string[]
  batchSize: number
  exchangeId: string
  /** Distinct ids of exchanges under this clause since `frequencyWindowStart(clause, now)`. */
  recentExchangeIds: Iterable<string>
  attestedMinCriteria: number | undefined
  /** The patient index as-of time; required when side is 'trust'. */
  indexAsOf?: Date
  now: Date
}

export interface ExchangeCheckResult {
  clause: Clause
  warnings: string[]
}

/**
 * Runs every check in this fixed order and stops at the first refusal:
 * 1 status/validity, 2 digest (when quoted), 3 review date (may only warn), 4 clause, 5 purpose,
 * 6 returned fields, 7 match keys, 8 precondition, 9 batch size, 10 frequency, 11 index age (trust only).
 * Agreement-level refusals come first so the answer names the most fundamental problem.
 */
export function checkExchange(ctx: ExchangeContext): ExchangeCheckResult {
  const warnings: string[] = []
  const doc = checkIsaStatus(ctx.isa?.doc, ctx.now, ctx.isaId)
  if (ctx.claimedDigest !== undefined && ctx.isa !== undefined) checkIsaDigest(ctx.isa, ctx.claimedDigest)
  const review = checkReviewDate(doc, ctx.now)
  if (review !== undefined) warnings.push(review)
  const clause = checkClause(doc, ctx.clauseId)
  checkPurpose(clause, ctx.purpose)
  checkReturnedFields(clause, ctx.returnedFields ?? ['active_service'])
  checkMatchKeys(clause, ctx.matchKeys)
  checkPrecondition(clause, ctx.attestedMinCriteria)
  checkBatchSize(clause, ctx.batchSize)
  checkFrequency(clause, ctx.recentExchangeIds, ctx.exchangeId)
  if (ctx.side === 'trust') checkIndexAge(clause, ctx.indexAsOf, ctx.now)
  return { clause, warnings }
}
