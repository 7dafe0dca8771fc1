import { createHash, randomUUID } from 'node:crypto'
import type { FastifyInstance } from 'fastify'
import { Type } from 'typebox'
import { ErrorBody, errors } from '@healthflag/protocol'
import { parseCandidateFile } from '@healthflag/records'
import { WORKER_THRESHOLD, warmTokenisers } from '../tokenise/pool.js'
import type { CouncilContext } from '../context.js'
import * as store from '../store.js'
import { STAFFORDSHIRE_DISTRICTS } from '../districts.js'

const Issue = Type.Object({ field: Type.String(), severity: Type.Union([Type.Literal('warning'), Type.Literal('error')]), code: Type.String(), message: Type.String() }, { additionalProperties: false })
const ReportRow = Type.Object(
  { row: Type.Integer({ description: 'line in the file; the header is line 1' }), ref: Type.String(), verdict: Type.Union([Type.Literal('accepted'), Type.Literal('excluded')]), district: Type.Union([Type.String(), Type.Null()]), issues: Type.Array(Issue) },
  { additionalProperties: false },
)
const Summary = Type.Object({ read: Type.Integer(), accepted: Type.Integer(), excluded: Type.Integer(), warned: Type.Integer() }, { additionalProperties: false })
export const UploadReport = Type.Object(
  {
    upload_id: Type.String({ format: 'uuid' }),
    filename: Type.String(),
    duplicate: Type.Boolean({ description: 'true when this exact file was uploaded before; the earlier upload is returned' }),
    summary: Summary,
    rows: Type.Array(ReportRow),
  },
  { additionalProperties: false },
)

export async function uploadRoutes(app: FastifyInstance, { ctx }: { ctx: CouncilContext }): Promise<void> {
  app.post(
    '/v1/uploads',
    {
      config: { roles: ['analyst', 'admin'] },
      schema: {
        summary: 'Upload a candidate list (CSV body) and get its validation report',
        querystring: Type.Object({ filename: Type.Optional(Type.String({ maxLength: 200 })) }),
        response: { 200: UploadReport, 201: UploadReport, 400: ErrorBody, 401: ErrorBody, 404: ErrorBody, 422: ErrorBody },
      },
    },
    async (req, reply) => {
      const body = req.body
      if (!Buffer.isBuffer(body)) throw errors.fileEmpty('Send the candidate file as the request body with Content-Type: text/csv.')
      const bytes = new Uint8Array(body.buffer, body.byteOffset, body.byteLength)
      const digest = createHash('sha256').update(bytes).digest('hex')
      const filename = (req.query as { filename?: string }).filename ?? 'candidates.csv'
      const existing = await store.findUploadByDigest(ctx.db, digest)
      if (existing && !existing.purged_at) {
        return reply.status(200).send({ upload_id: existing.id, filename: existing.filename, duplicate: true, summary: summaryOf(existing), rows: await store.uploadReport(ctx.db, existing.id) })
      }
      const file = await parseCandidateFile(bytes, { today: ctx.now(), districts: STAFFORDSHIRE_DISTRICTS })
      const id = randomUUID()
      await ctx.db.transaction().execute((trx) => store.insertUpload(trx, { id, digest, filename, by: req.user!.name, file }))
      req.log.info({ upload: id, rows: file.summary }, 'candidate list stored')
      if (file.summary.accepted >= WORKER_THRESHOLD) void warmTokenisers()
      return reply.status(201).send({ upload_id: id, filename, duplicate: false, summary: file.summary, rows: await store.uploadReport(ctx.db, id) })
    },
  )

  app.get(
    '/v1/uploads',
    {
      config: { roles: ['analyst', 'admin'] },
      schema: {
        summary: 'List uploads (counts only)',
        response: { 200: Type.Array(Type.Object({ upload_id: Type.String(), filename: Type.String(), uploaded_at: Type.String(), summary: Summary }, { additionalProperties: false })) },
      },
    },
    async (req) => {
      const district = req.user!.district
      const rows = await store.listUploads(ctx.db)
      // A district analyst sees only uploads with rows in their district, counted over those rows.
      const mine = district === null ? null : await store.districtUploadSummaries(ctx.db, district)
      return rows
        .filter((u) => !u.purged_at && (mine === null || mine.has(u.id)))
        .map((u) => ({ upload_id: u.id, filename: u.filename, uploaded_at: new Date(u.uploaded_at).toISOString(), summary: mine?.get(u.id) ?? summaryOf(u) }))
    },
  )

  app.get(
    '/v1/uploads/:id',
    {
      config: { roles: ['analyst', 'admin'] },
      schema: {
        summary: 'The validation report of one upload',
        params: Type.Object({ id: Type.String({ format: 'uuid' }) }),
        response: { 200: UploadReport, 404: ErrorBody },
      },
    },
    async (req) => {
      const { id } = req.params as { id: string }
      const u = await store.getUpload(ctx.db, id)
      if (!u || u.purged_at) throw errors.notFound('No such upload.')
      let rows = await store.uploadReport(ctx.db, id)
      if (req.user!.district !== null) {
        // A district analyst sees an upload only through their own district's rows.
        rows = rows.filter((r) => r.district === req.user!.district)
        if (rows.length === 0) throw errors.notFound('No such upload.')
        const accepted = rows.filter((r) => r.verdict === 'accepted')
        const summary = { read: rows.length, accepted: accepted.length, excluded: rows.length - accepted.length, warned: accepted.filter((r) => r.issues.length > 0).length }
        return { upload_id: u.id, filename: u.filename, duplicate: false, summary, rows }
      }
      return { upload_id: u.id, filename: u.filename, duplicate: false, summary: summaryOf(u), rows }
    },
  )
}

function summaryOf(u: { rows_read: number; rows_accepted: number; rows_excluded: number; rows_warned: number }) {
  return { read: u.rows_read, accepted: u.rows_accepted, excluded: u.rows_excluded, warned: u.rows_warned }
}
