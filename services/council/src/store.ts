/** Council data access. Every function takes the db or a transaction first, so callers compose transactions. */
import { sql, type Kysely, type Transaction } from 'kysely'
import type { CandidateFile } from '@healthflag/records'
import type { CouncilDB, ExchangeStatus } from './db/schema.js'

type Db = Kysely<CouncilDB> | Transaction<CouncilDB>

const CHUNK = 500

export async function findUploadByDigest(db: Db, digest: string) {
  return db.selectFrom('upload').selectAll().where('file_digest', '=', digest).executeTakeFirst()
}

export async function getUpload(db: Db, id: string) {
  return db.selectFrom('upload').selectAll().where('id', '=', id).executeTakeFirst()
}

export async function listUploads(db: Db) {
  return db.selectFrom('upload').selectAll().orderBy('uploaded_at', 'desc').limit(200).execute()
}

export async function insertUpload(trx: Db, p: { id: string; digest: string; filename: string; by: string; file: CandidateFile }): Promise<void> {
  const { summary, rows } = p.file
  await trx
    .insertInto('upload')
    .values({
      id: p.id,
      file_digest: p.digest,
      filename: p.filename,
      uploaded_by: p.by,
      rows_read: summary.read,
      rows_accepted: summary.accepted,
      rows_excluded: summary.excluded,
      rows_warned: summary.warned,
    })
    .execute()
  for (let i = 0; i < rows.length; i += CHUNK) {
    const chunk = rows.slice(i, i + CHUNK)
    await trx
      .insertInto('candidate')
      .values(
        chunk.map((r) => ({
          upload_id: p.id,
          row_no: r.line,
          ref: r.ref,
          nhs_number: r.raw.nhs_number ?? null,
          given_name: r.raw.given_name ?? null,
          family_name: r.raw.family_name ?? null,
          date_of_birth: r.raw.date_of_birth ?? null,
          sex: r.raw.sex ?? null,
          postcode: r.raw.postcode ?? null,
          criteria_met: r.criteriaMet,
          district: r.district,
          family_id: r.familyId,
          verdict: r.verdict,
          person: r.person ? JSON.stringify(r.person) : null,
        })),
      )
      .execute()
    const issues = chunk.flatMap((r) => r.issues.map((i) => ({ upload_id: p.id, row_no: r.line, field: i.field, severity: i.severity, code: i.code, message: i.message })))
    if (issues.length > 0) await trx.insertInto('validation_issue').values(issues).execute()
  }
}

export async function uploadReport(db: Db, uploadId: string) {
  const rows = await db
    .selectFrom('candidate')
    .select(['row_no', 'ref', 'verdict', 'district'])
    .where('upload_id', '=', uploadId)
    .orderBy('row_no')
    .execute()
  const issues = await db.selectFrom('validation_issue').selectAll().where('upload_id', '=', uploadId).orderBy('row_no').execute()
  const byRow = new Map<number, { field: string; severity: 'warning' | 'error'; code: string; message: string }[]>()
  for (const i of issues) {
    const list = byRow.get(i.row_no) ?? []
    list.push({ field: i.field, severity: i.severity, code: i.code, message: i.message })
    byRow.set(i.row_no, list)
  }
  return rows.map((r) => ({ row: r.row_no, ref: r.ref, verdict: r.verdict, district: r.district, issues: byRow.get(r.row_no) ?? [] }))
}

/** The accepted rows of an upload; `person` as JSON text, parsed where it is tokenised (worker threads for big lists). */
export async function acceptedCandidates(db: Db, uploadId: string) {
  return db
    .selectFrom('candidate')
    .select(['row_no', sql<string>`person::text`.as('person'), 'criteria_met'])
    .where('upload_id', '=', uploadId)
    .where('verdict', '=', 'accepted')
    .orderBy('row_no')
    .execute()
}

/**
 * Records an exchange (its header: ids, ISA, clause, key check value, counts, request digest), `sending`. A null request
 * digest makes it a claim: its place in the clause's frequency window, taken before the request is built
 * (exchange.ts), then completed (`completeExchange`) or let go (`releaseExchangeClaim`).
 */
export async function insertExchange(
  db: Db,
  e: { id: string; uploadId: string; isaId: string; isaVersion: number; isaDigest: string; clauseId: string; epoch: number; kcv: string; rowsSent: number; requestedBy: string; requestDigest: string | null; createdAt?: Date },
): Promise<void> {
  await db
    .insertInto('exchange')
    .values({
      id: e.id,
      upload_id: e.uploadId,
      isa_id: e.isaId,
      isa_version: e.isaVersion,
      isa_digest: e.isaDigest,
      clause_id: e.clauseId,
      status: 'sending',
      epoch: e.epoch,
      key_kcv: e.kcv,
      rows_sent: e.rowsSent,
      requested_by: e.requestedBy,
      request_digest: e.requestDigest,
      // The service clock, not the database's: frequency windows and retention are judged on it.
      ...(e.createdAt ? { created_at: e.createdAt } : {}),
    })
    .execute()
}

/**
 * Holds, until the transaction ends, the lock under which the exchanges of one agreement and clause are counted and a
 * new one claims its place: one request at a time per clause, across council processes. Keyed by the schema too, so
 * councils sharing a database (the tests) do not wait on each other. On PGlite (one session) it is always granted, and
 * the transaction's hold on the only connection serialises instead.
 */
export async function lockFrequencyWindow(trx: Transaction<CouncilDB>, isaId: string, clauseId: string): Promise<void> {
  await sql`SELECT pg_advisory_xact_lock(hashtextextended(current_schema() || ${` exchange-frequency ${JSON.stringify([isaId, clauseId])}`}, 0))`.execute(trx)
}

/**
 * Completes a claim with the request built for it; false when the claim is no longer there to complete (collected as
 * abandoned meanwhile, `failUnsentClaim`), in which case nothing must be sent.
 */
export async function completeExchange(db: Db, id: string, e: { rowsSent: number; requestDigest: string }): Promise<boolean> {
  const r = await db
    .updateTable('exchange')
    .set({ rows_sent: e.rowsSent, request_digest: e.requestDigest })
    .where('id', '=', id)
    .where('status', '=', 'sending')
    .where('request_digest', 'is', null)
    .executeTakeFirst()
  return r.numUpdatedRows > 0n
}

/** Lets go of a claim whose request was refused or could not be built: nothing was sent, so no exchange is left. */
export async function releaseExchangeClaim(db: Db, id: string): Promise<void> {
  await db.deleteFrom('exchange').where('id', '=', id).where('status', '=', 'sending').where('request_digest', 'is', null).execute()
}

/** Marks failed a claim a stopped process left (no request built, so nothing sent); false when it is not one (any more). */
export async function failUnsentClaim(db: Db, id: string, message: string): Promise<boolean> {
  const r = await db
    .updateTable('exchange')
    .set({ status: 'failed', error_code: 'INTERNAL', error_message: message })
    .where('id', '=', id)
    .where('status', '=', 'sending')
    .where('request_digest', 'is', null)
    .executeTakeFirst()
  return r.numUpdatedRows > 0n
}

/**
 * Records which upload row each per-exchange ref stands for, in one statement: two array parameters however many
 * rows. The request itself (its tokens) is never kept: the council holds its digest, which the signature, the answer
 * and the ledger all name.
 */
export async function insertExchangeRows(db: Db, e: { id: string; uploadId: string; rows: { ref: string; rowNo: number }[] }): Promise<void> {
  await sql`INSERT INTO exchange_row (exchange_id, row_ref, upload_id, row_no)
    SELECT ${e.id}::uuid, u.ref, ${e.uploadId}::uuid, u.row_no FROM unnest(${e.rows.map((r) => r.ref)}::text[], ${e.rows.map((r) => r.rowNo)}::int[]) AS u(ref, row_no)`.execute(db)
}

export interface RequestKey {
  requestedBy: string
  key: string
  uploadId: string
  isaId: string
  clauseId: string
  exchangeId: string
  claimedAt: Date
}

/** Claims an exchange request's Idempotency-Key; false when the user holds that key already. */
export async function insertRequestKey(db: Db, k: RequestKey): Promise<boolean> {
  const row = await db
    .insertInto('exchange_request_key')
    .values({ requested_by: k.requestedBy, idem_key: k.key, upload_id: k.uploadId, isa_id: k.isaId, clause_id: k.clauseId, exchange_id: k.exchangeId, claimed_at: k.claimedAt })
    .onConflict((oc) => oc.columns(['requested_by', 'idem_key']).doNothing())
    .returning('idem_key')
    .executeTakeFirst()
  return row !== undefined
}

export async function getRequestKey(db: Db, requestedBy: string, key: string) {
  return db.selectFrom('exchange_request_key').selectAll().where('requested_by', '=', requestedBy).where('idem_key', '=', key).executeTakeFirst()
}

/** Moves a key from an abandoned attempt's exchange id to a new one; false when another request moved it first. */
export async function takeOverRequestKey(db: Db, k: RequestKey, fromExchangeId: string): Promise<boolean> {
  const r = await db
    .updateTable('exchange_request_key')
    .set({ exchange_id: k.exchangeId, claimed_at: k.claimedAt })
    .where('requested_by', '=', k.requestedBy)
    .where('idem_key', '=', k.key)
    .where('exchange_id', '=', fromExchangeId)
    .executeTakeFirst()
  return r.numUpdatedRows > 0n
}

/** Lets go of a key held for `exchangeId` (its attempt ended without an exchange to show for it). */
export async function releaseRequestKey(db: Db, requestedBy: string, key: string, exchangeId: string): Promise<void> {
  await db.deleteFrom('exchange_request_key').where('requested_by', '=', requestedBy).where('idem_key', '=', key).where('exchange_id', '=', exchangeId).execute()
}

export async function dropRequestKeysClaimedBefore(db: Db, before: Date): Promise<void> {
  await db.deleteFrom('exchange_request_key').where('claimed_at', '<', before).execute()
}

export async function exchangeIdsWithStatus(db: Db, status: ExchangeStatus): Promise<string[]> {
  return (await db.selectFrom('exchange').select('id').where('status', '=', status).orderBy('created_at').execute()).map((r) => r.id)
}

export async function setExchangeStatus(db: Db, id: string, status: ExchangeStatus, error?: { code: string; message: string }): Promise<void> {
  await db
    .updateTable('exchange')
    .set({ status, error_code: error?.code ?? null, error_message: error?.message ?? null })
    .where('id', '=', id)
    .execute()
}

export async function recordAnswer(trx: Db, id: string, p: { flags: Map<string, boolean>; indexAsOf: string; signedAnswer: unknown; answeredAt: Date }): Promise<number> {
  const refs = [...p.flags.keys()]
  const values = [...p.flags.values()]
  const flagged = values.filter((v) => v).length
  await sql`UPDATE exchange_row AS r SET active = u.active
    FROM unnest(${refs}::text[], ${values}::boolean[]) AS u(ref, active)
    WHERE r.exchange_id = ${id}::uuid AND r.row_ref = u.ref`.execute(trx)
  await trx
    .updateTable('exchange')
    .set({ status: 'answered', rows_flagged: flagged, index_as_of: p.indexAsOf, answered_at: p.answeredAt, signed_answer: JSON.stringify(p.signedAnswer), error_code: null, error_message: null })
    .where('id', '=', id)
    .execute()
  return flagged
}

export async function getExchange(db: Db, id: string) {
  return db.selectFrom('exchange').selectAll().where('id', '=', id).executeTakeFirst()
}

export async function exchangesForUpload(db: Db, uploadId: string) {
  return db
    .selectFrom('exchange')
    .select(['id', 'status', 'rows_sent', 'rows_flagged', 'created_at', 'answered_at', 'clause_id', 'isa_id', 'error_code'])
    .where('upload_id', '=', uploadId)
    .orderBy('created_at', 'desc')
    .execute()
}

/**
 * The exchanges that count against a clause's frequency limit: since `since`, sent or being sent (claims included),
 * held for approval or answered; not those refused or failed.
 */
export async function exchangeIdsSince(db: Db, isaId: string, clauseId: string, since: Date): Promise<string[]> {
  const rows = await db
    .selectFrom('exchange')
    .select('id')
    .where('isa_id', '=', isaId)
    .where('clause_id', '=', clauseId)
    .where('created_at', '>=', since)
    .where('status', 'in', ['sending', 'pending_approval', 'answered'])
    .execute()
  return rows.map((r) => r.id)
}

/** Results of one exchange, scoped: district null = every row; else only rows of that district. */
export async function exchangeResults(db: Db, exchangeId: string, scope: { district: string | null }) {
  let q = db
    .selectFrom('exchange_row as r')
    .innerJoin('candidate as c', (j) => j.onRef('c.upload_id', '=', 'r.upload_id').onRef('c.row_no', '=', 'r.row_no'))
    .select(['c.ref', 'c.row_no', 'c.district', 'c.family_id', 'r.active'])
    .where('r.exchange_id', '=', exchangeId)
  if (scope.district !== null) q = q.where('c.district', '=', scope.district)
  return q.orderBy('c.row_no').execute()
}

/**
 * Keeps a checkpoint as the council's view of the ledger, unless the view held is already as large: answers to
 * concurrent appends arrive in any order, and a view that shrank would let the ledger roll back past it unnoticed.
 */
export async function saveLedgerView(db: Db, v: { size: number; root: string; note: string }): Promise<void> {
  await db
    .insertInto('ledger_view')
    .values({ id: 1, ...v })
    .onConflict((oc) => oc.column('id').doUpdateSet({ size: v.size, root: v.root, note: v.note, seen_at: sql`now()` }).where('ledger_view.size', '<', v.size))
    .execute()
}

export async function getLedgerView(db: Db) {
  return db.selectFrom('ledger_view').selectAll().where('id', '=', 1).executeTakeFirst()
}

/** Counts of one exchange within a district scope (null = every row). */
export async function exchangeCounts(db: Db, exchangeId: string, scope: { district: string | null }): Promise<{ rows: number; flagged: number }> {
  let q = db
    .selectFrom('exchange_row as r')
    .innerJoin('candidate as c', (j) => j.onRef('c.upload_id', '=', 'r.upload_id').onRef('c.row_no', '=', 'r.row_no'))
    .select((eb) => [eb.fn.countAll<string>().as('rows'), eb.fn.count<string>('r.active').filterWhere('r.active', '=', true).as('flagged')])
    .where('r.exchange_id', '=', exchangeId)
  if (scope.district !== null) q = q.where('c.district', '=', scope.district)
  const row = await q.executeTakeFirst()
  return { rows: Number(row?.rows ?? 0), flagged: Number(row?.flagged ?? 0) }
}

/** Every exchange, newest first (counts only). */
export async function listExchanges(db: Db, limit = 200) {
  return db
    .selectFrom('exchange')
    .select(['id', 'upload_id', 'status', 'isa_id', 'clause_id', 'rows_sent', 'rows_flagged', 'index_as_of', 'error_code', 'error_message', 'requested_by', 'created_at', 'purged_at'])
    .orderBy('created_at', 'desc')
    .limit(limit)
    .execute()
}

/** The exchanges holding rows of one district, newest first, each with that district's row and flag counts. */
export async function listExchangesForDistrict(db: Db, district: string, limit = 200) {
  const rows = await db
    .selectFrom('exchange as e')
    .innerJoin('exchange_row as r', 'r.exchange_id', 'e.id')
    .innerJoin('candidate as c', (j) => j.onRef('c.upload_id', '=', 'r.upload_id').onRef('c.row_no', '=', 'r.row_no'))
    .where('c.district', '=', district)
    .groupBy('e.id')
    .select(['e.id', 'e.upload_id', 'e.status', 'e.isa_id', 'e.isa_digest', 'e.clause_id', 'e.rows_sent', 'e.rows_flagged', 'e.index_as_of', 'e.error_code', 'e.error_message', 'e.requested_by', 'e.created_at'])
    .select((eb) => [eb.fn.countAll<string>().as('district_rows'), eb.fn.count<string>('r.active').filterWhere('r.active', '=', true).as('district_flagged')])
    .orderBy('e.created_at', 'desc')
    .limit(limit)
    .execute()
  return rows.map((r) => ({ ...r, district_rows: Number(r.district_rows), district_flagged: Number(r.district_flagged) }))
}

/** Uploads still holding personal data, with the exchanges made from them (for the retention job). */
export async function unpurgedUploads(db: Db) {
  const uploads = await db.selectFrom('upload').select(['id', 'uploaded_at']).where('purged_at', 'is', null).execute()
  const exchanges = await db
    .selectFrom('exchange')
    .select(['id', 'upload_id', 'isa_id', 'isa_digest', 'clause_id', 'created_at', 'answered_at'])
    .where('upload_id', 'in', uploads.length ? uploads.map((u) => u.id) : ['00000000-0000-0000-0000-000000000000'])
    .orderBy('created_at')
    .execute()
  return uploads.map((u) => ({ ...u, exchanges: exchanges.filter((e) => e.upload_id === u.id) }))
}

/**
 * Deletes an upload's personal data (candidate rows, validation issues) and its results (exchange rows),
 * drops the signed request/answer of its exchanges, and marks both purged. Returns what was deleted.
 */
/**
 * Purges an upload's personal data, once: the upload is marked first, only while not yet purged, so a second purge of it
 * at the same moment (the scheduled sweep and an admin's request) waits for the first's transaction, then finds it done
 * and answers null.
 */
export async function purgeUpload(trx: Db, uploadId: string, at: Date): Promise<{ candidates: number; results: number; exchanges: number } | null> {
  // The file digest is a hash of personal data too; a purged upload keeps only a marker.
  const marked = await trx.updateTable('upload').set({ purged_at: at, file_digest: `purged:${uploadId}` }).where('id', '=', uploadId).where('purged_at', 'is', null).executeTakeFirst()
  if (Number(marked.numUpdatedRows) !== 1) return null
  // By exchange (the primary key's prefix): exchange_row carries no index on upload_id, to keep exchanges' bulk
  // inserts to one index.
  const results = await trx
    .deleteFrom('exchange_row')
    .where('exchange_id', 'in', (eb) => eb.selectFrom('exchange').select('id').where('upload_id', '=', uploadId))
    .executeTakeFirst()
  await trx.deleteFrom('validation_issue').where('upload_id', '=', uploadId).execute()
  const candidates = await trx.deleteFrom('candidate').where('upload_id', '=', uploadId).executeTakeFirst()
  const exchanges = await trx.updateTable('exchange').set({ signed_request: null, signed_answer: null, purged_at: at }).where('upload_id', '=', uploadId).executeTakeFirst()
  return { candidates: Number(candidates.numDeletedRows), results: Number(results.numDeletedRows), exchanges: Number(exchanges.numUpdatedRows) }
}

/** Per-upload validation counts over one district's rows only (read, accepted, excluded, warned). */
export async function districtUploadSummaries(db: Db, district: string): Promise<Map<string, { read: number; accepted: number; excluded: number; warned: number }>> {
  const counts = await db
    .selectFrom('candidate')
    .select((eb) => ['upload_id', eb.fn.countAll<string>().as('read'), eb.fn.countAll<string>().filterWhere('verdict', '=', 'accepted').as('accepted')])
    .where('district', '=', district)
    .groupBy('upload_id')
    .execute()
  const warned = await db
    .selectFrom('validation_issue as i')
    .innerJoin('candidate as c', (j) => j.onRef('c.upload_id', '=', 'i.upload_id').onRef('c.row_no', '=', 'i.row_no'))
    .select((eb) => ['c.upload_id', eb.fn.count<string>('c.row_no').distinct().as('warned')])
    .where('c.district', '=', district)
    .where('c.verdict', '=', 'accepted')
    .groupBy('c.upload_id')
    .execute()
  const w = new Map(warned.map((r) => [r.upload_id, Number(r.warned)]))
  return new Map(counts.map((r) => [r.upload_id, { read: Number(r.read), accepted: Number(r.accepted), excluded: Number(r.read) - Number(r.accepted), warned: w.get(r.upload_id) ?? 0 }]))
}
