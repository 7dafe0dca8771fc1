/**
 * One exchange from the council's side: check the ISA clause, tokenise the accepted rows under fresh
 * random refs, shuffle, record the request in the ledger, send it signed, verify and store the answer.
 */
import { randomBytes, randomUUID } from 'node:crypto'
import type { FastifyBaseLogger } from 'fastify'
import {
  assertValid,
  errors,
  fromBase64Url,
  HealthflagError,
  isHealthflagError,
  bodyDigest,
  canonicalAnswer,
  signedAnswerDigest,
  SignedAnswer,
  PendingAnswer,
  verifyAnswer,
  phase,
  type ExchangeRequest,
} from '@healthflag/protocol'
import { checkBatchSize, checkExchange, frequencyWindowStart, isaInEffect, type IsaVersion } from '@healthflag/isa'
import { deriveEpochKey, keyCheckValue, MATCH_KEYS } from '@healthflag/tokens'
import { LEDGER_ID_PATTERN } from '@healthflag/ledger-core'
import { partyLedger, queueEntry, type DrainResult } from '@healthflag/ledger-client'
import { signedFetch } from '@healthflag/service-kit'
import type { CouncilContext } from './context.js'
import * as store from './store.js'
import { joinRows, tokeniseRowsParallel } from './tokenise/pool.js'

export interface ExchangeOutcome {
  exchangeId: string
  status: 'answered' | 'pending_approval'
  rowsSent: number
  rowsFlagged: number | null
  clauseId: string
  isaId: string
  indexAsOf: string | null
  warnings: string[]
}

export const PRECONDITION_STATEMENT =
  'The council attests that every row in this request belongs to a person recorded as meeting at least the stated number of programme criteria.'

function partyKey(isa: IsaVersion, id: 'council' | 'trust', kind: 'signing_key' | 'agreement_key'): Uint8Array {
  const party = isa.doc.parties.find((p) => p.id === id)
  if (!party) throw errors.isaUnknown(`The ISA names no ${id} party; register a complete ISA.`)
  return fromBase64Url(party[kind])
}

/** `n` new random per-exchange row references: 16 bytes each, base64url, from one draw. Never the council's own ref. */
function newRowRefs(n: number): string[] {
  const bytes = randomBytes(16 * n)
  return Array.from({ length: n }, (_, i) => bytes.toString('base64url', 16 * i, 16 * i + 16))
}

/** Fisher–Yates with unbiased random indices (rejection sampling over 32-bit words drawn in bulk). */
function shuffle<T>(items: T[]): T[] {
  let words = new Uint32Array(0)
  let w = 0
  const next = (): number => {
    if (w === words.length) {
      words = new Uint32Array(randomBytes(4 * Math.max(64, items.length)).buffer)
      w = 0
    }
    return words[w++]!
  }
  for (let i = items.length - 1; i > 0; i--) {
    const bound = i + 1
    const limit = 2 ** 32 - (2 ** 32 % bound)
    let x = next()
    while (x >= limit) x = next()
    const j = x % bound
    ;[items[i], items[j]] = [items[j]!, items[i]!]
  }
  return items
}

/**
 * The lowest criteria_met among the rows (a missing count as 0): the threshold the council attests. A loop, not
 * `Math.min(...rows)`, which passes every row as an argument and overflows the stack on a county-wide list.
 * Infinity for no rows.
 */
export function lowestCriteria(rows: readonly { criteria_met: number | null }[]): number {
  let min = Infinity
  for (const r of rows) min = Math.min(min, r.criteria_met ?? 0)
  return min
}

/**
 * `exchangeId`, when given, is the id the exchange gets (chosen by the caller to hold an Idempotency-Key for it); `log`
 * is the request's logger.
 *
 * The clause's frequency limit is counted, and this exchange's place in it claimed, in one transaction under a lock per
 * agreement and clause, before the list is tokenised: requests started together are counted one after another, so no
 * more are sent than the clause allows. The claim is the exchange's row, `sending` with no request digest until the
 * request is built; a refusal or failure before then lets it go, and one a stopped process left is collected as failed
 * (approval.ts).
 */
export async function startExchange(ctx: CouncilContext, p: { uploadId: string; isaId: string; clauseId: string; requestedBy: string; exchangeId?: string; log: FastifyBaseLogger }): Promise<ExchangeOutcome> {
  phase('council.start')
  const now = ctx.now()
  // Read together: the rows (50,000 in a county list) take the longest.
  const [upload, isa, candidates] = await Promise.all([store.getUpload(ctx.db, p.uploadId), isaInEffect(ctx.isaDb, p.isaId, now), store.acceptedCandidates(ctx.db, p.uploadId)])
  if (!upload || upload.purged_at) throw errors.notFound('No such upload.')
  phase('council.read_rows')
  const exchangeId = p.exchangeId ?? randomUUID()
  const clause = isa?.doc.clauses.find((c) => c.id === p.clauseId)
  const matchKeys = MATCH_KEYS.filter((k) => !clause || clause.permitted_match_keys.includes(k))
  const minCriteria = lowestCriteria(candidates)

  let warnings: string[]
  let epochKey: Uint8Array
  let kcv: string
  try {
    if (candidates.length === 0) throw errors.nothingToSend('No row of this upload passed validation; fix the rows in the report and upload again.')
    ;({ warnings, epochKey, kcv } = await ctx.db.transaction().execute(async (trx) => {
      await store.lockFrequencyWindow(trx, p.isaId, p.clauseId)
      const recent = clause ? await store.exchangeIdsSince(trx, p.isaId, p.clauseId, frequencyWindowStart(clause, now)) : []
      const checked = checkExchange({
        side: 'council',
        isa,
        isaId: p.isaId,
        clauseId: p.clauseId,
        purpose: clause?.purpose ?? '',
        matchKeys,
        batchSize: candidates.length,
        exchangeId,
        recentExchangeIds: recent,
        attestedMinCriteria: minCriteria,
        now,
      })
      const version = isa!
      const key = deriveEpochKey({
        ownPrivateKey: ctx.keys.agreement.privateKey,
        peerPublicKey: partyKey(version, 'trust', 'agreement_key'),
        isaId: version.doc.id,
        epoch: ctx.epoch,
        councilPublicKey: partyKey(version, 'council', 'agreement_key'),
        trustPublicKey: partyKey(version, 'trust', 'agreement_key'),
      })
      const keyCheck = keyCheckValue(key)
      // The claim: counted by the next request's check from the moment this transaction commits.
      await store.insertExchange(trx, {
        id: exchangeId,
        uploadId: p.uploadId,
        isaId: version.doc.id,
        isaVersion: version.doc.version,
        isaDigest: version.digest,
        clauseId: clause!.id,
        epoch: ctx.epoch,
        kcv: keyCheck,
        rowsSent: candidates.length,
        requestedBy: p.requestedBy,
        requestDigest: null,
        createdAt: now,
      })
      return { warnings: checked.warnings, epochKey: key, kcv: keyCheck }
    }))
  } catch (e) {
    if (isHealthflagError(e)) await refuse(ctx, p.log, { isa, isaId: p.isaId, clauseId: p.clauseId, exchangeId, error: e, rows: candidates.length })
    throw e
  }
  phase('council.checks')
  const version = isa!
  const theClause = clause!

  let rows: { rowNo: number; ref: string }[]
  let body: Uint8Array
  let requestDigest: string
  try {
    // Shuffled, with a fresh random ref per row, before tokenising: the request's order says nothing of the upload's.
    const order = shuffle(candidates.map((c) => c))
    const refs = newRowRefs(order.length)
    const tokenised = await tokeniseRowsParallel({ epochKey, kinds: matchKeys, refs, persons: order.map((c) => c.person) })
    phase('council.tokenise')
    const skipped = new Set(tokenised.skipped)
    rows = order.flatMap((c, i) => (skipped.has(i) ? [] : [{ rowNo: c.row_no, ref: refs[i]! }]))
    try {
      if (rows.length === 0) throw errors.nothingToSend('None of the accepted rows has enough fields to form a permitted match key.')
      // The batch limits hold for the rows that leave, not the rows accepted: a row with no permitted match key is
      // dropped above, and a minimum met only before the drop would let a handful of people be looked up alone.
      if (rows.length < theClause.batch.min && rows.length < candidates.length) {
        throw errors.batchTooSmall(
          `Clause ${theClause.id} requires at least ${theClause.batch.min} candidates per exchange, so that no one person can be looked up alone, but only ${rows.length} of the ${candidates.length} accepted rows have enough fields to form a match key the clause permits; complete the identifying fields of the others or add candidates, and upload again.`,
        )
      }
      checkBatchSize(theClause, rows.length)
    } catch (e) {
      if (isHealthflagError(e)) await refuse(ctx, p.log, { isa: version, isaId: p.isaId, clauseId: p.clauseId, exchangeId, error: e, rows: rows.length })
      throw e
    }

    const view = await store.getLedgerView(ctx.db)
    const meta: Omit<ExchangeRequest, 'rows'> = {
      exchange_id: exchangeId,
      isa_id: version.doc.id,
      isa_digest: version.digest,
      clause_id: theClause.id,
      purpose: theClause.purpose,
      epoch: ctx.epoch,
      key_kcv: kcv,
      match_keys: matchKeys,
      returned_fields: ['active_service'],
      attestation: { min_criteria: minCriteria, rows: rows.length, statement: PRECONDITION_STATEMENT },
      ...(view ? { checkpoint: { size: Number(view.size), root: view.root, note: view.note } } : {}),
      sent_at: now.toISOString(),
    }
    // Serialised once: these bytes are sent, signed and digested, so request_digest is the digest the signature covers.
    // The rows' JSON comes whole from the tokenising threads.
    const head = Buffer.from(`${JSON.stringify(meta).slice(0, -1)},"rows":[`, 'utf8')
    body = joinRows(tokenised.slices, head, Buffer.from(']}'))
    requestDigest = bodyDigest(body)
    phase('council.serialise')

    if (!(await store.completeExchange(ctx.db, exchangeId, { rowsSent: rows.length, requestDigest }))) {
      // Only when this took longer than ORPHANED_AFTER_MS and the claim was collected as abandoned: it is failed, and
      // nothing may be sent under it.
      throw new Error(`exchange ${exchangeId}: its claim was collected as abandoned before the request was built; nothing was sent`)
    }
  } catch (e) {
    // Nothing was sent: the claim is let go, so it no longer counts against the clause. Should that fail too, it is
    // collected as failed once abandoned (approval.ts).
    await store.releaseExchangeClaim(ctx.db, exchangeId).catch((err: unknown) => p.log.error({ exchange_id: exchangeId, err }, 'the exchange claim could not be let go'))
    throw e
  }
  phase('council.insert_exchange')
  // The rows (ref -> upload row; 50,000 in a county list) are stored while the request travels and is matched: only
  // the answer needs them. Should storing them fail, the answer is discarded and the exchange marked failed.
  const rowsStored = store.insertExchangeRows(ctx.db, { id: exchangeId, uploadId: p.uploadId, rows })
  rowsStored.catch(() => undefined) // awaited below, on every path
  const stored = async (): Promise<void> => {
    try {
      await rowsStored
    } catch (e) {
      await store.setExchangeStatus(ctx.db, exchangeId, 'failed', { code: 'INTERNAL', message: 'The exchange rows could not be stored; the answer was discarded. Start a new exchange.' })
      throw e
    }
  }
  let res
  try {
    await appendAndRemember(ctx, {
      type: 'exchange.requested',
      isa_id: version.doc.id,
      isa_digest: version.digest,
      clause_id: theClause.id,
      exchange_id: exchangeId,
      counts: { rows: rows.length },
      digests: { request: requestDigest },
      key_kcv: kcv,
    })
    phase('council.ledger_requested')
    res = await signedFetch<unknown>(ctx.sidecarUrl, { party: ctx.party, privateKey: ctx.keys.signing.privateKey }, 'POST', '/v1/exchanges', body)
  } catch (e) {
    await stored()
    const err = isHealthflagError(e) ? e : errors.upstreamFailed('The trust side-car did not answer.')
    await store.setExchangeStatus(ctx.db, exchangeId, err.statusCode >= 500 ? 'failed' : 'refused', { code: err.code, message: err.message })
    throw err
  }
  phase('council.response')
  await stored()
  phase('council.rows_stored')
  if (res.status === 202) {
    assertValid(PendingAnswer, res.body, 'The side-car pending answer')
    await store.setExchangeStatus(ctx.db, exchangeId, 'pending_approval')
    return { exchangeId, status: 'pending_approval', rowsSent: rows.length, rowsFlagged: null, clauseId: theClause.id, isaId: version.doc.id, indexAsOf: null, warnings }
  }
  const flagged = await acceptAnswer(ctx, version, exchangeId, requestDigest, res.body, rows.map((r) => r.ref))
  phase('council.done')
  return { exchangeId, status: 'answered', rowsSent: rows.length, rowsFlagged: flagged.rowsFlagged, clauseId: theClause.id, isaId: version.doc.id, indexAsOf: flagged.indexAsOf, warnings }
}

/** Verifies a signed answer against the trust's key and the refs we sent, then stores the flags. */
export async function acceptAnswer(ctx: CouncilContext, isa: IsaVersion, exchangeId: string, requestDigest: string, body: unknown, sentRefs?: readonly string[]): Promise<{ rowsFlagged: number; indexAsOf: string }> {
  const signed = assertValid(SignedAnswer, body, 'The side-car answer')
  phase('council.answer_valid')
  const fail = async (message: string) => {
    const err = errors.upstreamFailed(message)
    await store.setExchangeStatus(ctx.db, exchangeId, 'failed', { code: err.code, message })
    return err
  }
  // One canonical pass serves the signature check and the ledger's digest of the signed answer.
  const canonical = canonicalAnswer(signed.answer)
  if (!verifyAnswer(signed, partyKey(isa, 'trust', 'signing_key'), canonical)) throw await fail('The side-car answer is not signed by the trust key registered in the ISA; it was discarded.')
  phase('council.answer_verified')
  const a = signed.answer
  if (a.exchange_id !== exchangeId || a.request_digest !== requestDigest || a.isa_digest !== isa.digest) {
    throw await fail('The side-car answer does not belong to this request (exchange id, request digest or ISA digest differ); it was discarded.')
  }
  // The refs sent: in hand when the answer comes at once, else (an approved exchange) from the stored rows.
  const sent = sentRefs ?? (await ctx.db.selectFrom('exchange_row').select('row_ref').where('exchange_id', '=', exchangeId).execute()).map((r) => r.row_ref)
  const flags = new Map<string, boolean>()
  for (const r of a.results) flags.set(r.ref, r.active)
  if (flags.size !== sent.length || a.results.length !== sent.length || !sent.every((ref) => flags.has(ref))) {
    throw await fail('The side-car answer does not have exactly one flag per row sent; it was discarded.')
  }
  phase('council.answer_checked')
  const answeredAt = ctx.now()
  // The answer is verified: it is stored (one transaction) while its receipt goes to the ledger, which records what
  // was received, stored or not. Should storing fail, the exchange is marked failed (a new exchange asks again).
  // The receipt is queued first, on its own: it is appended from the queue (with the sweep, should the ledger be down)
  // whether or not the answer is then stored, and cannot be lost between the two.
  await queueEntry(ctx.db, {
    type: 'exchange.received',
    isa_id: isa.doc.id,
    isa_digest: isa.digest,
    clause_id: a.clause_id,
    exchange_id: exchangeId,
    counts: { rows: sent.length },
    digests: { request: requestDigest, answer: signedAnswerDigest(signed, canonical) },
  })
  const storing = ctx.db.transaction().execute((trx) => store.recordAnswer(trx, exchangeId, { flags, indexAsOf: a.index_as_of, signedAnswer: signed, answeredAt }))
  const [stored] = await Promise.allSettled([storing, drainLedgerQueue(ctx)])
  phase('council.answer_stored')
  if (stored.status === 'rejected') {
    await store.setExchangeStatus(ctx.db, exchangeId, 'failed', { code: 'INTERNAL', message: 'The verified answer could not be stored; start a new exchange.' })
    throw stored.reason
  }
  return { rowsFlagged: stored.value, indexAsOf: a.index_as_of }
}

const LEDGER_ID = new RegExp(LEDGER_ID_PATTERN)

/** An ISA the council does not hold is recorded under the id asked for and an all-zero digest. */
export const NO_ISA_DIGEST = '0'.repeat(64)

/** The council's `exchange.refused` entry for an exchange it stopped (before sending, or before collecting the answer). */
export async function recordRefusal(ctx: CouncilContext, isa: IsaVersion | undefined, isaId: string, clauseId: string, exchangeId: string, e: HealthflagError, rows: number): Promise<void> {
  await appendAndRemember(ctx, {
    type: 'exchange.refused',
    isa_id: isa?.doc.id ?? (LEDGER_ID.test(isaId) ? isaId : 'unknown'),
    isa_digest: isa?.digest ?? NO_ISA_DIGEST,
    clause_id: clauseId,
    exchange_id: exchangeId,
    counts: { rows },
    reason: e.code,
  })
}

/**
 * Records a refusal the council made before sending. Should the ledger not take the entry, the failure is logged (the
 * exchange, the refusal's code and the ledger's error: no personal data) and the caller still throws the refusal, so
 * the analyst learns why the list was not sent rather than getting an internal error.
 */
async function refuse(ctx: CouncilContext, log: FastifyBaseLogger, r: { isa: IsaVersion | undefined; isaId: string; clauseId: string; exchangeId: string; error: HealthflagError; rows: number }): Promise<void> {
  try {
    await recordRefusal(ctx, r.isa, r.isaId, r.clauseId, r.exchangeId, r.error, r.rows)
  } catch (err) {
    log.error({ exchange_id: r.exchangeId, refusal: r.error.code, ledger_error: err instanceof Error ? err.message : String(err) }, 'the refusal could not be recorded in the ledger')
  }
}

type EntryInput = Parameters<CouncilContext['ledger']['append']>[0]

/** Our appends, each carrying our view and proving the ledger's answer extends it (ledger-client's partyLedger). */
function ours(ctx: CouncilContext) {
  return partyLedger(ctx.ledger, {
    load: async () => {
      const row = await store.getLedgerView(ctx.db)
      return row ? { size: Number(row.size), root: row.root, note: row.note } : null
    },
    save: (v) => store.saveLedgerView(ctx.db, v),
  })
}

/** Appends to the ledger with our latest view attached, and keeps the view the ledger answers with. */
export async function appendAndRemember(ctx: CouncilContext, entry: EntryInput): Promise<void> {
  await ours(ctx).append(entry)
}

/**
 * Appends the entries queued with committed changes (packages/ledger-client/src/outbox.ts): after each such change and
 * with the scheduled sweep; a ledger that is down leaves them queued, with a warning, until it is back.
 */
export function drainLedgerQueue(ctx: CouncilContext): Promise<DrainResult> {
  return ours(ctx).drain(ctx.db, ctx.log)
}
