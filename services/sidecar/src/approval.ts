/**
 * The IG approval gate inside the trust: an exchange held for approval is approved (re-checked against
 * the ISA in effect at decision time, then answered), refused with a reason, or expires when the clause's
 * approval window passes. Each decision is a ledger entry; the held tokens are deleted with it.
 */
import { errors, isHealthflagError, type ExchangeRequest } from '@healthflag/protocol'
import { checkExchange, isaInEffect } from '@healthflag/isa'
import type { SidecarContext } from './context.js'
import { answerNow, checkIndexClause, checkTokenKey } from './answer.js'
import { queueEntry } from '@healthflag/ledger-client'
import { appendAndRemember, drainLedgerQueue } from './ledger-view.js'

type Held = { id: string; isa_id: string; isa_digest: string; clause_id: string; party: string; rows_received: number; request_digest: string }

/**
 * Claims a pending exchange for one decision: sets decided_by/decided_at only while it is still pending
 * and undecided, so two officers (or an officer and the expiry job) can never both decide it.
 */
async function claim(ctx: SidecarContext, id: string, by: string): Promise<Held | undefined> {
  return ctx.db
    .updateTable('exchange')
    .set({ decided_by: by, decided_at: ctx.now() })
    .where('id', '=', id)
    .where('status', '=', 'pending')
    .where('decided_by', 'is', null)
    .returning(['id', 'isa_id', 'isa_digest', 'clause_id', 'party', 'rows_received', 'request_digest'])
    .executeTakeFirst()
}

/** Ends a claimed exchange without an answer: status, reason, tokens deleted, ledger entry with the code. */
async function close(ctx: SidecarContext, held: Held, status: 'refused' | 'expired', code: string, reason: string): Promise<void> {
  await ctx.db.transaction().execute(async (trx) => {
    await trx.updateTable('exchange').set({ status, error_code: code, reason: reason.slice(0, 500) }).where('id', '=', held.id).execute()
    await trx.deleteFrom('pending_request').where('exchange_id', '=', held.id).execute()
    await queueEntry(trx, {
      type: 'exchange.refused',
      isa_id: held.isa_id,
      isa_digest: held.isa_digest,
      clause_id: held.clause_id,
      exchange_id: held.id,
      counts: { rows: held.rows_received },
      digests: { request: held.request_digest },
      reason: code,
    })
  })
  await drainLedgerQueue(ctx)
}

/**
 * A claim older than this is taken to be a stopped process's (an approval answers within the exchange's 120 s limit):
 * it is released, so an officer can decide the exchange and the approval window can still expire it.
 */
export const STALE_CLAIM_MS = 10 * 60_000

/** Releases the claim on an exchange still pending, so that it can be decided again. */
async function release(ctx: SidecarContext, id: string): Promise<void> {
  await ctx.db.updateTable('exchange').set({ decided_by: null, decided_at: null }).where('id', '=', id).where('status', '=', 'pending').execute()
}

async function requireDecidable(ctx: SidecarContext, id: string): Promise<void> {
  await expirePending(ctx)
  const e = await ctx.db.selectFrom('exchange').select(['status']).where('id', '=', id).executeTakeFirst()
  if (!e) throw errors.notFound('No such exchange.')
  if (e.status !== 'pending') throw errors.conflict(`This exchange is already ${e.status}; only a pending exchange can be decided.`)
}

/**
 * Approves a held exchange. The ISA in effect now is checked again (it may have been suspended or varied
 * while the exchange waited), and the token key (the parties may have moved to a new epoch); a failing check refuses
 * the exchange with that check's code instead.
 */
export async function approveExchange(ctx: SidecarContext, id: string, by: string): Promise<'answered'> {
  await requireDecidable(ctx, id)
  const held = await claim(ctx, id, by)
  if (!held) throw errors.conflict('This exchange was decided by someone else a moment ago; reload the list.')
  try {
    return await decideApproval(ctx, held, by)
  } catch (e) {
    // Whatever stopped the decision (the ledger unreachable, the database, no index loaded), an exchange not refused
    // by it stays pending with its claim released: the officer can approve it again, and the window can expire it.
    await release(ctx, id)
    throw e
  }
}

async function decideApproval(ctx: SidecarContext, held: Held, by: string): Promise<'answered'> {
  const id = held.id
  const pending = await ctx.db.selectFrom('pending_request').select('request').where('exchange_id', '=', id).executeTakeFirst()
  const req = pending ? (JSON.parse(pending.request) as ExchangeRequest) : undefined
  if (!req) {
    await close(ctx, held, 'refused', 'APPROVAL_EXPIRED', 'The held request is no longer available; the council must send a new exchange.')
    throw errors.approvalExpired('The held request is no longer available; ask the council to send a new exchange.')
  }
  const now = ctx.now()
  const isa = await isaInEffect(ctx.isaDb, held.isa_id, now)
  let live: Awaited<ReturnType<typeof ctx.indexes.live>>
  try {
    live = await ctx.indexes.live()
    checkExchange({
      side: 'trust',
      isa,
      isaId: held.isa_id,
      claimedDigest: held.isa_digest,
      clauseId: req.clause_id,
      purpose: req.purpose,
      matchKeys: req.match_keys,
      returnedFields: req.returned_fields,
      batchSize: req.rows.length,
      exchangeId: id,
      // Counted when it arrived; approving it does not count again.
      recentExchangeIds: [id],
      attestedMinCriteria: req.attestation.min_criteria,
      ...(live ? { indexAsOf: new Date(`${live.asOf}T00:00:00Z`) } : {}),
      now,
    })
    if (live) checkTokenKey(ctx, isa!, req, live)
    // An index built for another clause's definition of active (or the clause's before a variation): INDEX_NOT_LOADED.
    if (live) await checkIndexClause(ctx, isa!, req.clause_id, live)
  } catch (e) {
    if (!isHealthflagError(e)) throw e
    // The trust's own index (none loaded, older than the clause allows, or built for another definition of active) is
    // the trust's to fix: the exchange stays pending, and the officer approves it again once a current extract is
    // loaded for its clause.
    if (e.code === 'INDEX_NOT_LOADED' || e.code === 'INDEX_TOO_OLD') throw e
    await close(ctx, held, 'refused', e.code, e.message)
    throw e
  }
  await appendAndRemember(ctx, {
    type: 'exchange.approved',
    isa_id: held.isa_id,
    isa_digest: held.isa_digest,
    clause_id: held.clause_id,
    exchange_id: id,
    counts: { rows: held.rows_received },
    digests: { request: held.request_digest },
  })
  // Matched against the index just checked, even if another import goes live meanwhile.
  await answerNow(ctx, isa!, req, held.request_digest, held.party, by, live!)
  return 'answered'
}

/** Refuses a held exchange with the officer's reason; the council sees REFUSED_BY_IG with that reason. */
export async function refuseExchange(ctx: SidecarContext, id: string, by: string, reason: string): Promise<'refused'> {
  await requireDecidable(ctx, id)
  const held = await claim(ctx, id, by)
  if (!held) throw errors.conflict('This exchange was decided by someone else a moment ago; reload the list.')
  await close(ctx, held, 'refused', 'REFUSED_BY_IG', reason)
  return 'refused'
}

/** Expires every held exchange whose approval window has passed. Returns how many expired. */
export async function expirePending(ctx: SidecarContext): Promise<number> {
  const now = ctx.now()
  // A place taken by an exchange a stopped process was answering (answer.ts takePlace) stops counting against the
  // clause's frequency: nothing was answered, and a later read of it finds no exchange.
  await ctx.db.deleteFrom('exchange').where('status', '=', 'answering').where('received_at', '<', new Date(now.getTime() - STALE_CLAIM_MS)).execute()
  await ctx.db
    .updateTable('exchange')
    .set({ decided_by: null, decided_at: null })
    .where('status', '=', 'pending')
    .where('decided_by', 'is not', null)
    .where('decided_at', '<', new Date(now.getTime() - STALE_CLAIM_MS))
    .execute()
  const due = await ctx.db.selectFrom('exchange').select('id').where('status', '=', 'pending').where('decided_by', 'is', null).where('expires_at', '<=', now).execute()
  let n = 0
  for (const { id } of due) {
    const held = await claim(ctx, id, 'approval-window')
    if (!held) continue
    await close(ctx, held, 'expired', 'APPROVAL_EXPIRED', 'The trust did not decide within the approval window the ISA sets.')
    n++
  }
  return n
}

/** Past and pending exchanges for the IG console: counts and decisions only, never tokens. */
export async function listExchanges(ctx: SidecarContext, limit = 200) {
  await expirePending(ctx)
  const rows = await ctx.db
    .selectFrom('exchange as e')
    .leftJoin('pending_request as p', 'p.exchange_id', 'e.id')
    .select(['e.id', 'e.isa_id', 'e.isa_digest', 'e.clause_id', 'e.party', 'e.status', 'e.rows_received', 'e.rows_flagged', 'e.received_at', 'e.expires_at', 'e.decided_at', 'e.decided_by', 'e.reason', 'e.error_code', 'e.index_version_id', 'p.exchange_id as held'])
    .orderBy('e.received_at', 'desc')
    .limit(limit)
    .execute()
  const iso = (d: Date | string | null) => (d === null ? null : new Date(d).toISOString())
  return rows.map((r) => ({
    exchange_id: r.id,
    isa_id: r.isa_id,
    isa_digest: r.isa_digest,
    clause_id: r.clause_id,
    party: r.party,
    status: r.status,
    rows_received: r.rows_received,
    rows_flagged: r.rows_flagged,
    received_at: iso(r.received_at)!,
    expires_at: iso(r.expires_at),
    decided_at: iso(r.decided_at),
    decided_by: r.decided_by,
    reason: r.reason,
    error_code: r.error_code,
    index_version_id: r.index_version_id,
    /** Whether the candidates' tokens are still held here (only while pending). */
    tokens_held: r.held !== null,
  }))
}
