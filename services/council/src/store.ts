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

export async function acceptedCandidates(db: Db, uploadId: string) {
  return db
    .selectFrom('candidate')
    .select(['row_no', 'person', 'criteria_met'])
    .where('upload_id', '=', uploadId)
    .where('verdict', '=', 'accepted')
    .orderBy('row_no')
    .execute()
}

export async function insertExchange(
  trx: Db,
  e: { id: string; uploadId: string; isaId: string; isaVersion: number; isaDigest: string; clauseId: string; epoch: number; kcv: string; rows: { ref: string; rowNo: number }[]; requestedBy: string; signedRequest: unknown; requestDigest: string },
): Promise<void> {
  await trx
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
      rows_sent: e.rows.length,
      requested_by: e.requestedBy,
      request_digest: e.requestDigest,
      signed_request: JSON.stringify(e.signedRequest),
    })
    .execute()
  for (let i = 0; i < e.rows.length; i += CHUNK * 4) {
    await trx
      .insertInto('exchange_row')
      .values(e.rows.slice(i, i + CHUNK * 4).map((r) => ({ exchange_id: e.id, row_ref: r.ref, upload_id: e.uploadId, row_no: r.rowNo })))
      .execute()
  }
}

export async function setExchangeStatus(db: Db, id: string, status: ExchangeStatus, error?: { code: string; message: string }): Promise<void> {
  await db
    .updateTable('exchange')
    .set({ status, error_code: error?.code ?? null, error_message: error?.message ?? null })
    .where('id', '=', id)
    .execute()
}

export async function recordAnswer(trx: Db, id: string, p: { flags: Map<string, boolean>; indexAsOf: string; signedAnswer: unknown; answeredAt: Date }): Promise<number> {
  const entries = [...p.flags]
  const trueRefs = entries.filter(([, v]) => v).map(([k]) => k)
  const falseRefs = entries.filter(([, v]) => !v).map(([k]) => k)
  for (const [refs, value] of [[trueRefs, true], [falseRefs, false]] as const) {
    for (let i = 0; i < refs.length; i += CHUNK * 4) {
      await trx.updateTable('exchange_row').set({ active: value }).where('exchange_id', '=', id).where('row_ref', 'in', refs.slice(i, i + CHUNK * 4)).execute()
    }
  }
  await trx
    .updateTable('exchange')
    .set({ status: 'answered', rows_flagged: trueRefs.length, index_as_of: p.indexAsOf, answered_at: p.answeredAt, signed_answer: JSON.stringify(p.signedAnswer), error_code: null, error_message: null })
    .where('id', '=', id)
    .execute()
  return trueRefs.length
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

export async function saveLedgerView(db: Db, v: { size: number; root: string; note: string }): Promise<void> {
  await db
    .insertInto('ledger_view')
    .values({ id: 1, ...v })
    .onConflict((oc) => oc.column('id').doUpdateSet({ size: v.size, root: v.root, note: v.note, seen_at: sql`now()` }))
    .execute()
}

export async function getLedgerView(db: Db) {
  return db.selectFrom('ledger_view').selectAll().where('id', '=', 1).executeTakeFirst()
}
