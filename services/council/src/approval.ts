/**
 * Picks up the trust's decision on an exchange that waits for IG approval: a signed GET to the side-car,
 * then the answer is verified and stored as for an immediate answer, or the refusal/expiry is recorded. The
 * agreement is checked again on the council's side first.
 *
 * The same collects an exchange a stopped council process left `sending` (it stopped after storing the exchange and
 * before storing the trust's answer): the side-car keeps every answer it gave, so the council asks for it; one the
 * trust never received is marked failed, and so is one whose request was never built (a frequency claim, exchange.ts).
 */
import { ErrorCode, errors, isHealthflagError, type HealthflagError } from '@healthflag/protocol'
import { checkIsaStatus, checkReviewDate, isaByDigest, isaInEffect } from '@healthflag/isa'
import { signedFetch } from '@healthflag/service-kit'
import type { CouncilContext } from './context.js'
import { acceptAnswer, recordRefusal } from './exchange.js'
import * as store from './store.js'

/**
 * The agreement an exchange was sent under must still be the one in effect on the council's side when the trust's
 * answer is collected: suspended, ended, overdue for a review that stops exchanges, or varied while the trust decided,
 * the council does not collect it (nothing is received under an agreement no longer in effect here).
 */
async function checkStillInEffect(ctx: CouncilContext, e: { isa_id: string; isa_version: number; isa_digest: string }): Promise<void> {
  const now = ctx.now()
  const current = await isaInEffect(ctx.isaDb, e.isa_id, now)
  const doc = checkIsaStatus(current?.doc, now, e.isa_id)
  checkReviewDate(doc, now)
  if (current!.digest !== e.isa_digest) {
    throw errors.isaDigestMismatch(`The agreement was varied while the trust decided: version ${doc.version} is in effect now, and the exchange was sent under version ${e.isa_version}.`)
  }
}

/**
 * Refusals of the read itself, not decisions about the exchange: a clock out of step (STALE_REQUEST), a key being
 * rotated (SIGNATURE_INVALID, UNKNOWN_PARTY), a nonce store that took the read for a repeat (REPLAYED_REQUEST), a busy
 * side-car (RATE_LIMITED, or any 429). The next read signs afresh and may well get through, so they are treated as an
 * unreachable side-car is: ask again later. Marking the exchange refused would stop the council from ever collecting
 * an answer the trust gives afterwards.
 */
const NOT_A_DECISION: ReadonlySet<string> = new Set([ErrorCode.STALE_REQUEST, ErrorCode.SIGNATURE_INVALID, ErrorCode.UNKNOWN_PARTY, ErrorCode.REPLAYED_REQUEST, ErrorCode.RATE_LIMITED])

function askAgainLater(err: HealthflagError): boolean {
  return err.statusCode >= 500 || err.statusCode === 429 || NOT_A_DECISION.has(err.code)
}

/** Refreshes under way, per council app: reads of one exchange at the same moment share one. */
const refreshing = new WeakMap<CouncilContext, Map<string, Promise<string | undefined>>>()

/**
 * Asks the side-car once. Leaves the exchange pending when the trust has not decided yet, cannot be reached, or does
 * not let the read through (the next status read asks again). Returns the exchange's status afterwards. Reads of the
 * same exchange that overlap (two tabs, a page and a script) wait for the one already asking, so an answer is
 * collected, stored and recorded in the ledger once; this holds within one council process, which is how the council
 * is deployed.
 */
export function refreshExchange(ctx: CouncilContext, exchangeId: string): Promise<string | undefined> {
  let running = refreshing.get(ctx)
  if (!running) refreshing.set(ctx, (running = new Map()))
  const under = running.get(exchangeId)
  if (under) return under
  const once = refreshOnce(ctx, exchangeId).finally(() => running.delete(exchangeId))
  running.set(exchangeId, once)
  return once
}

/**
 * How long an exchange may stay `sending` before the council takes it for one a stopped process left: the request's
 * own time limit (signedFetch's 120 s) with room to verify and store the answer.
 */
export const ORPHANED_AFTER_MS = 5 * 60_000

function orphaned(ctx: CouncilContext, e: { status: string; created_at: Date | string }): boolean {
  return e.status === 'sending' && ctx.now().getTime() - new Date(e.created_at).getTime() > ORPHANED_AFTER_MS
}

/** Collects every exchange a stopped council process left `sending` (at start-up and with each scheduled sweep). */
export async function collectOrphans(ctx: CouncilContext): Promise<void> {
  for (const id of await store.exchangeIdsWithStatus(ctx.db, 'sending')) {
    await refreshExchange(ctx, id).catch(() => undefined) // a failure is on the exchange itself; the next sweep goes on
  }
}

async function refreshOnce(ctx: CouncilContext, exchangeId: string): Promise<string | undefined> {
  const e = await store.getExchange(ctx.db, exchangeId)
  if (!e) return undefined
  const orphan = orphaned(ctx, e)
  if (e.status !== 'pending_approval' && !orphan) return e.status
  if (orphan && e.request_digest === null) {
    // A claim on the clause's frequency window whose process stopped before building the request (exchange.ts): nothing
    // left the council, so there is no one to ask; marked failed, it no longer counts against the clause.
    const failed = await store.failUnsentClaim(ctx.db, exchangeId, 'The council stopped before sending this exchange: nothing was sent to the trust. Start a new exchange.')
    return failed ? 'failed' : (await store.getExchange(ctx.db, exchangeId))?.status
  }
  const isa = await isaByDigest(ctx.isaDb, e.isa_digest)
  if (!isa || !e.request_digest) return e.status
  try {
    await checkStillInEffect(ctx, e)
  } catch (err) {
    if (!isHealthflagError(err)) throw err
    await store.setExchangeStatus(ctx.db, exchangeId, 'refused', { code: err.code, message: `${err.message} The trust's answer was not collected; send the list again once an agreement is in effect.` })
    await recordRefusal(ctx, isa, e.isa_id, e.clause_id, exchangeId, err, e.rows_sent)
    return 'refused'
  }
  let res
  try {
    res = await signedFetch<unknown>(ctx.sidecarUrl, { party: ctx.party, privateKey: ctx.keys.signing.privateKey }, 'GET', `/v1/exchanges/${exchangeId}`)
  } catch (err) {
    if (!isHealthflagError(err) || askAgainLater(err)) return e.status // unreachable, or the read not let through: ask again later
    if (orphan && err.code === 'NOT_FOUND') {
      await store.setExchangeStatus(ctx.db, exchangeId, 'failed', { code: 'INTERNAL', message: 'The council stopped while sending this exchange, and the trust has no record of receiving it: nothing was matched. Start a new exchange.' })
      return 'failed'
    }
    await store.setExchangeStatus(ctx.db, exchangeId, 'refused', { code: err.code, message: err.message })
    return 'refused'
  }
  if (res.status === 202) {
    if (orphan) await store.setExchangeStatus(ctx.db, exchangeId, 'pending_approval')
    return 'pending_approval'
  }
  await acceptAnswer(ctx, isa, exchangeId, e.request_digest, res.body)
  return 'answered'
}
