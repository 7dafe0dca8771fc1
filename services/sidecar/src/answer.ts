/**
 * Answering one exchange inside the trust: verify the request against the ISA clause on this side,
 * match each row's tokens against the live index, return one signed boolean per row, record counts and
 * digests in the ledger, and keep no candidate token once answered.
 */
import { addHours } from './time.js'
import { canonicalAnswer, errors, isHealthflagError, phase, signAnswer, signedAnswerDigest, type ExchangeAnswer, type ExchangeRequest, type HealthflagError, type SignedAnswer } from '@healthflag/protocol'
import { checkExchange, frequencyWindowStart, isaByDigest, isaInEffect, type IsaVersion } from '@healthflag/isa'
import { activeFlag, keyCheckValue, matchCandidate, type TokenSet } from '@healthflag/tokens'
import type { SidecarContext } from './context.js'
import type { LiveIndex } from './index-cache.js'
import { epochKeyFor } from './index-import.js'
import { queueEntry } from '@healthflag/ledger-client'
import { checkCouncilView, drainLedgerQueue } from './ledger-view.js'

export type ExchangeDecision =
  | { kind: 'answered'; signed: SignedAnswer }
  | { kind: 'pending'; exchangeId: string; expiresAt: Date }

/**
 * `requestDigest` is the SHA-256 of the request's exact bytes as they arrived: what the council signed and recorded,
 * and what the answer and the ledger entries name.
 */
export async function receiveExchange(ctx: SidecarContext, req: ExchangeRequest, party: string, requestDigest: string): Promise<ExchangeDecision> {
  phase('sidecar.received')
  const now = ctx.now()
  // Read together (none depends on another). A replay answers from the first and never waits for the index.
  const livePromise = ctx.indexes.live()
  livePromise.catch(() => undefined) // awaited below unless this is a replay
  const [previous, isa] = await Promise.all([ctx.db.selectFrom('exchange').selectAll().where('id', '=', req.exchange_id).executeTakeFirst(), isaInEffect(ctx.isaDb, req.isa_id, now)])
  if (previous) return replay(previous, requestDigest)
  const recent = await recentExchangeIds(ctx, isa, req, now)
  let live: Awaited<typeof livePromise>
  try {
    // An index that cannot be read (its token file lost or damaged) is refused and recorded like any other refusal.
    live = await livePromise
    if (party !== 'council') throw errors.unknownParty('Only the council party named in the ISA may request an exchange.')
    if (req.checkpoint) await checkCouncilView(ctx, req.checkpoint)
    checkExchange({
      side: 'trust',
      isa,
      isaId: req.isa_id,
      claimedDigest: req.isa_digest,
      clauseId: req.clause_id,
      purpose: req.purpose,
      matchKeys: req.match_keys,
      returnedFields: req.returned_fields,
      batchSize: req.rows.length,
      exchangeId: req.exchange_id,
      recentExchangeIds: recent,
      attestedMinCriteria: req.attestation.min_criteria,
      ...(live ? { indexAsOf: new Date(`${live.asOf}T00:00:00Z`) } : {}),
      now,
    })
    if (req.attestation.rows !== req.rows.length) throw errors.preconditionNotAttested('The attestation covers a different number of rows from the request; the council must attest exactly the rows it sends.')
    if (!live) throw errors.indexNotLoaded('The trust has not loaded a patient index yet; ask the trust IG team to import one.')
    checkTokenKey(ctx, isa!, req, live)
    const declared = new Set(req.match_keys)
    for (const row of req.rows) for (const k in row.tokens) if (!declared.has(k)) throw errors.matchKeyNotPermitted('A row carries a match key the request does not declare; declare every key used.')
  } catch (e) {
    if (isHealthflagError(e)) await refuse(ctx, req, requestDigest, party, e, isa)
    throw e
  }
  const version = isa!
  const clause = version.doc.clauses.find((c) => c.id === req.clause_id)!
  phase('sidecar.checks')

  if (clause.approval.required) {
    const expiresAt = addHours(now, clause.approval.window_hours)
    await ctx.db.transaction().execute(async (trx) => {
      await trx
        .insertInto('exchange')
        .values({ id: req.exchange_id, isa_id: version.doc.id, isa_digest: version.digest, clause_id: clause.id, party, status: 'pending', rows_received: req.rows.length, request_digest: requestDigest, received_at: now, expires_at: expiresAt })
        .execute()
      await trx.insertInto('pending_request').values({ exchange_id: req.exchange_id, request: JSON.stringify(req) }).execute()
    })
    return { kind: 'pending', exchangeId: req.exchange_id, expiresAt }
  }
  const signed = await answerNow(ctx, version, req, requestDigest, party, null)
  return { kind: 'answered', signed }
}

/**
 * The request's tokens must be made under the token key the trust holds now for this ISA and epoch, and the live
 * index under that key too; checked on arrival and again when a held exchange is approved, since the parties can move
 * to a new epoch (and the trust import its index again) while it waits.
 */
export function checkTokenKey(ctx: SidecarContext, isa: IsaVersion, req: Pick<ExchangeRequest, 'key_kcv' | 'epoch'>, live: LiveIndex): void {
  const kcv = keyCheckValue(epochKeyFor(ctx, isa))
  if (kcv !== req.key_kcv || req.epoch !== ctx.epoch) {
    throw errors.keyMismatch('The council and the trust do not hold the same token key for this ISA and epoch; check both parties registered the keys in the ISA and use the same epoch.')
  }
  if (live.kcv !== kcv) {
    // Both parties agree on the key, but the live index was made under another one (a new epoch, new ISA keys, or
    // another token-spec version): its tokens can match nothing.
    throw errors.keyMismatch("The trust's live patient index was made under an earlier token key (another epoch, ISA keys or token-spec version) than the one both parties now hold; the trust IG team must import the patient index again.")
  }
}

/** Matches and answers; with `approvedBy` it completes a pending exchange (its tokens are deleted in the same transaction). */
export async function answerNow(ctx: SidecarContext, isa: IsaVersion, req: ExchangeRequest, requestDigest: string, party: string, approvedBy: string | null): Promise<SignedAnswer> {
  const live = await ctx.indexes.live()
  if (!live) throw errors.indexNotLoaded('The trust has not loaded a patient index yet; ask the trust IG team to import one.')
  let flagged = 0
  const results = req.rows.map((row) => {
    const outcome = matchCandidate(row.tokens as TokenSet, live.index)
    const active = activeFlag(outcome, live.index)
    if (active) flagged++
    return { ref: row.ref, active }
  })
  phase('sidecar.match')
  const answer: ExchangeAnswer = {
    exchange_id: req.exchange_id,
    isa_digest: isa.digest,
    clause_id: req.clause_id,
    index_as_of: live.asOf,
    request_digest: requestDigest,
    results,
    answered_at: ctx.now().toISOString(),
  }
  // One canonical pass serves the signature and the ledger's digest of the signed answer.
  const canonical = canonicalAnswer(answer)
  const signed = signAnswer(answer, ctx.party, ctx.keys.signing.privateKey, canonical)
  phase('sidecar.sign')
  await ctx.db.transaction().execute(async (trx) => {
    const values = {
      isa_id: isa.doc.id,
      isa_digest: isa.digest,
      clause_id: req.clause_id,
      party,
      status: 'answered' as const,
      rows_received: req.rows.length,
      rows_flagged: flagged,
      request_digest: requestDigest,
      index_version_id: live.versionId,
      signed_answer: JSON.stringify(signed),
    }
    if (approvedBy) {
      await trx.updateTable('exchange').set({ ...values, decided_at: ctx.now(), decided_by: approvedBy }).where('id', '=', req.exchange_id).execute()
      await trx.deleteFrom('pending_request').where('exchange_id', '=', req.exchange_id).execute()
    } else {
      await trx.insertInto('exchange').values({ id: req.exchange_id, ...values, received_at: ctx.now() }).execute()
    }
    await queueEntry(trx, {
      type: 'exchange.answered',
      isa_id: isa.doc.id,
      isa_digest: isa.digest,
      clause_id: req.clause_id,
      exchange_id: req.exchange_id,
      // Rows and flags only: a count of rows that met two or more patients (ambiguous) would tell the council, which
      // knows its rows, that people answered "not active" resemble trust patients, and could single one out among
      // made-up rows. "Not a patient" and "patient, not active" must look the same, here as in the answer.
      counts: { rows: req.rows.length, flagged },
      digests: { request: requestDigest, answer: signedAnswerDigest(signed, canonical) },
      key_kcv: live.kcv,
    })
  })
  phase('sidecar.stored')
  await drainLedgerQueue(ctx)
  phase('sidecar.ledger_answered')
  return signed
}

async function recentExchangeIds(ctx: SidecarContext, isa: IsaVersion | undefined, req: ExchangeRequest, now: Date): Promise<string[]> {
  const clause = isa?.doc.clauses.find((c) => c.id === req.clause_id)
  if (!clause) return []
  const rows = await ctx.db
    .selectFrom('exchange')
    .select('id')
    .where('clause_id', '=', clause.id)
    .where('isa_id', '=', req.isa_id)
    .where('received_at', '>=', frequencyWindowStart(clause, now))
    .where('status', 'in', ['pending', 'answered'])
    .execute()
  return rows.map((r) => r.id)
}

async function refuse(ctx: SidecarContext, req: ExchangeRequest, requestDigest: string, party: string, e: HealthflagError, isa: IsaVersion | undefined): Promise<void> {
  // A refusal of an ISA we hold is recorded against it; an unknown ISA is recorded with the digest quoted.
  const known = isa ?? (await isaByDigest(ctx.isaDb, req.isa_digest))
  await ctx.db.transaction().execute(async (trx) => {
    const stored = await trx
      .insertInto('exchange')
      .values({ id: req.exchange_id, isa_id: req.isa_id, isa_digest: req.isa_digest, clause_id: req.clause_id, party, status: 'refused', rows_received: req.rows.length, request_digest: requestDigest, received_at: ctx.now(), error_code: e.code, reason: e.message.slice(0, 500) })
      .onConflict((oc) => oc.column('id').doNothing())
      .executeTakeFirst()
    // Recorded once, with the refusal that was stored (a repeat of the id refused again stores nothing).
    if (Number(stored.numInsertedOrUpdatedRows ?? 0n) !== 1) return
    await queueEntry(trx, {
      type: 'exchange.refused',
      isa_id: known?.doc.id ?? req.isa_id,
      isa_digest: known?.digest ?? req.isa_digest,
      clause_id: req.clause_id,
      exchange_id: req.exchange_id,
      counts: { rows: req.rows.length },
      digests: { request: requestDigest },
      reason: e.code,
    })
  })
  await drainLedgerQueue(ctx)
}

function replay(previous: { status: string; request_digest: string; signed_answer: string | null; error_code: string | null; reason: string | null; id: string; expires_at: Date | null }, requestDigest: string): ExchangeDecision {
  if (previous.request_digest !== requestDigest) throw errors.conflict('This exchange id was already used for a different request; start a new exchange.')
  if (previous.status === 'answered') return { kind: 'answered', signed: JSON.parse(previous.signed_answer!) as SignedAnswer }
  if (previous.status === 'pending') return { kind: 'pending', exchangeId: previous.id, expiresAt: previous.expires_at ?? new Date() }
  if (previous.status === 'expired') throw errors.approvalExpired('The trust did not decide on this exchange within the approval window; start a new exchange.')
  throw errors.refusedByIg(previous.reason ?? 'The trust refused this exchange.', { code: previous.error_code })
}
