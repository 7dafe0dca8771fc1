/**
 * Answering one exchange inside the trust: verify the request against the ISA clause on this side,
 * match each row's tokens against the live index, return one signed boolean per row, record counts and
 * digests in the ledger, and keep no candidate token once answered.
 */
import { sql, type Kysely, type Transaction } from 'kysely'
import { addHours } from './time.js'
import { canonicalAnswer, errors, isHealthflagError, phase, signAnswer, signedAnswerDigest, type ExchangeAnswer, type ExchangeRequest, type HealthflagError, type SignedAnswer } from '@healthflag/protocol'
import { activeDefinitionDigest, checkExchange, checkFrequency, frequencyWindowStart, isaByDigest, isaInEffect, type Clause, type IsaVersion } from '@healthflag/isa'
import { activeFlag, keyCheckValue, matchCandidate, type TokenSet } from '@healthflag/tokens'
import type { SidecarContext } from './context.js'
import type { SidecarDB } from './db/schema.js'
import type { LiveIndex } from './index-cache.js'
import { epochKeyFor } from './index-import.js'
import { queueEntry } from '@healthflag/ledger-client'
import { checkCouncilView, drainLedgerQueue } from './ledger-view.js'
import { stillAnswering, storedRefusal } from './refusals.js'

type Db = Kysely<SidecarDB> | Transaction<SidecarDB>
type ExchangeRow = { status: string; request_digest: string; signed_answer: string | null; error_code: string | null; reason: string | null; id: string; expires_at: Date | null }

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
  // A first count, so that a full window is refused in the checks' order (before the index age); the count that
  // decides is taken again under the clause's lock, when the exchange takes its place (takePlace).
  const recent = await recentExchangeIds(ctx.db, isa, req, now)
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
    await checkIndexClause(ctx, isa!, req.clause_id, live)
    const declared = new Set(req.match_keys)
    for (const row of req.rows) for (const k in row.tokens) if (!declared.has(k)) throw errors.matchKeyNotPermitted('A row carries a match key the request does not declare; declare every key used.')
  } catch (e) {
    if (isHealthflagError(e)) await refuse(ctx, req, requestDigest, party, e, isa)
    throw e
  }
  const version = isa!
  const clause = version.doc.clauses.find((c) => c.id === req.clause_id)!
  phase('sidecar.checks')

  const expiresAt = clause.approval.required ? addHours(now, clause.approval.window_hours) : null
  let taken: Awaited<ReturnType<typeof takePlace>>
  try {
    taken = await takePlace(ctx, version, clause, req, party, requestDigest, now, expiresAt)
  } catch (e) {
    if (isHealthflagError(e)) await refuse(ctx, req, requestDigest, party, e, isa)
    throw e
  }
  if (taken) return replay(taken, requestDigest)
  if (expiresAt) return { kind: 'pending', exchangeId: req.exchange_id, expiresAt }
  try {
    const signed = await answerNow(ctx, version, req, requestDigest, party, null, live)
    return { kind: 'answered', signed }
  } catch (e) {
    // Not answered: its place is given back, so that a failure does not count against the clause's frequency, and the
    // same request sent again is answered afresh.
    await ctx.db.deleteFrom('exchange').where('id', '=', req.exchange_id).where('status', '=', 'answering').execute().catch(() => undefined)
    throw e
  }
}

/**
 * The advisory lock taken while an exchange takes its place under a clause: (the side-car schema's `exchange` table,
 * so two side-cars sharing a PostgreSQL database do not wait for each other; a hash of ISA id and clause id). Held to
 * the end of the transaction that counts the clause's recent exchanges and inserts this one, so two requests arriving
 * together are counted one after the other. (On PGlite, one session, transactions already run one at a time.)
 */
const placeLock = (isaId: string, clauseId: string) => sql`('exchange'::regclass)::oid::int4, hashtext(${`${isaId}\n${clauseId}`})`

/**
 * Counts the exchanges under the clause in its frequency window and inserts this one, as 'answering' (or 'pending',
 * with its tokens, when it waits for IG approval), under the clause's lock: FREQUENCY_EXCEEDED when the window is full.
 * Returns the stored row instead when this exchange id arrived meanwhile (another request with the same id took the
 * place first), to be replayed rather than counted twice.
 */
async function takePlace(ctx: SidecarContext, isa: IsaVersion, clause: Clause, req: ExchangeRequest, party: string, requestDigest: string, now: Date, expiresAt: Date | null): Promise<ExchangeRow | undefined> {
  return ctx.db.transaction().execute(async (trx) => {
    await sql`select pg_advisory_xact_lock(${placeLock(isa.doc.id, clause.id)})`.execute(trx)
    const seen = await trx.selectFrom('exchange').selectAll().where('id', '=', req.exchange_id).executeTakeFirst()
    if (seen) return seen
    checkFrequency(clause, await recentExchangeIds(trx, isa, req, now), req.exchange_id)
    await trx
      .insertInto('exchange')
      .values({ id: req.exchange_id, isa_id: isa.doc.id, isa_digest: isa.digest, clause_id: clause.id, party, status: expiresAt ? 'pending' : 'answering', rows_received: req.rows.length, request_digest: requestDigest, received_at: now, expires_at: expiresAt })
      .execute()
    if (expiresAt) await trx.insertInto('pending_request').values({ exchange_id: req.exchange_id, request: JSON.stringify(req) }).execute()
    return undefined
  })
}

/**
 * The live index must have been built for the exchange's clause's definition of active (its services list, as the ISA
 * version in effect words it): flags made under another clause's list, or an earlier version's, would disclose
 * something the clause does not permit (a CMHT patient answered active under a clause that lists only CAMHS). Checked
 * on arrival and again on approval, against the index then matched. A version imported before the side-car recorded
 * this (migration 0014) was built, as imports then were, for the first clause of the ISA version in effect when its
 * import started; where that cannot be found it is refused.
 */
export async function checkIndexClause(ctx: SidecarContext, isa: IsaVersion, clauseId: string, live: LiveIndex): Promise<void> {
  const clause = isa.doc.clauses.find((c) => c.id === clauseId)
  if (!clause) throw errors.clauseUnknown(`Clause ${clauseId} is not in the agreement in effect.`)
  const v = await ctx.db.selectFrom('index_version').select(['clause_id', 'definition_digest', 'started_at']).where('id', '=', live.versionId).executeTakeFirst()
  let built: { clauseId: string; digest: string } | undefined
  if (v?.clause_id && v.definition_digest) built = { clauseId: v.clause_id, digest: v.definition_digest }
  else if (v) {
    const then = await isaInEffect(ctx.isaDb, isa.doc.id, new Date(v.started_at))
    const first = then?.doc.clauses[0]
    if (first) built = { clauseId: first.id, digest: activeDefinitionDigest(first) }
  }
  if (built?.digest === activeDefinitionDigest(clause)) return
  const services = clause.active_definition.services.join(', ')
  const which = built ? (built.clauseId === clause.id ? `an earlier version of clause ${clause.id}'s definition of active` : `clause ${built.clauseId}'s definition of active`) : 'a definition of active it can no longer establish'
  throw errors.indexNotLoaded(
    `The live patient index was built for ${which}, not for clause ${clause.id}'s as the agreement in effect defines it (services: ${services}); the trust IG team must import the patient index again for clause ${clause.id} (POST /v1/index?clause_id=${clause.id}).`,
  )
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

/**
 * Matches against `live` (the index the checks were run against) and answers; with `approvedBy` it completes a pending
 * exchange (its tokens are deleted in the same transaction), without, it stores the answer in the row takePlace
 * inserted.
 */
export async function answerNow(ctx: SidecarContext, isa: IsaVersion, req: ExchangeRequest, requestDigest: string, party: string, approvedBy: string | null, live: LiveIndex): Promise<SignedAnswer> {
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
      const placed = await trx.updateTable('exchange').set(values).where('id', '=', req.exchange_id).where('status', '=', 'answering').executeTakeFirst()
      // Its place was taken back meanwhile (the sweep took it for a stopped process's): stored as a new row.
      if (placed.numUpdatedRows !== 1n) await trx.insertInto('exchange').values({ id: req.exchange_id, ...values, received_at: ctx.now() }).execute()
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

/** Ids of the exchanges under the request's clause in its frequency window that count: held, being answered, answered. */
async function recentExchangeIds(db: Db, isa: IsaVersion | undefined, req: ExchangeRequest, now: Date): Promise<string[]> {
  const clause = isa?.doc.clauses.find((c) => c.id === req.clause_id)
  if (!clause) return []
  const rows = await db
    .selectFrom('exchange')
    .select('id')
    .where('clause_id', '=', clause.id)
    .where('isa_id', '=', req.isa_id)
    .where('received_at', '>=', frequencyWindowStart(clause, now))
    .where('status', 'in', ['pending', 'answering', 'answered'])
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

/**
 * The same request again (same exchange id, same bytes): the same answer, the same hold, or the same refusal, with
 * the code and status it was refused with first (a check's, the approval window's, or an IG officer's).
 */
function replay(previous: ExchangeRow, requestDigest: string): ExchangeDecision {
  if (previous.request_digest !== requestDigest) throw errors.conflict('This exchange id was already used for a different request; start a new exchange.')
  if (previous.status === 'answered') return { kind: 'answered', signed: JSON.parse(previous.signed_answer!) as SignedAnswer }
  if (previous.status === 'pending') return { kind: 'pending', exchangeId: previous.id, expiresAt: previous.expires_at ?? new Date() }
  if (previous.status === 'answering') throw stillAnswering()
  if (previous.status === 'expired') throw errors.approvalExpired('The trust did not decide on this exchange within the approval window; start a new exchange.')
  throw storedRefusal(previous.error_code, previous.reason)
}
