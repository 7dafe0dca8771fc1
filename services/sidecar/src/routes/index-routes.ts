import type { Readable } from 'node:stream'
import type { FastifyInstance } from 'fastify'
import { Type, type Static } from 'typebox'
import { ErrorBody, errors } from '@healthflag/protocol'
import { isaInEffect, ukDate } from '@healthflag/isa'
import type { SidecarContext } from '../context.js'
import { importIndex, importStatus, type ImportStatus } from '../index-import.js'
import { asDate } from '../index-cache.js'

const ImportReport = Type.Object(
  {
    version_id: Type.Integer(),
    as_of: Type.String(),
    rows_read: Type.Integer(),
    patients_loaded: Type.Integer(),
    rows_rejected: Type.Integer(),
    rejects: Type.Array(Type.Object({ line: Type.Integer(), code: Type.String(), message: Type.String() }, { additionalProperties: false })),
    key_kcv: Type.String(),
    /** the clause whose definition of active the index was built for; exchanges under other clauses are refused */
    clause_id: Type.String(),
  },
  { additionalProperties: false },
)

/** Progress of an import run by this side-car process (kept after it ends until the next one starts). */
const ImportProgress = Type.Object(
  {
    state: Type.Union([Type.Literal('loading'), Type.Literal('swapping'), Type.Literal('live'), Type.Literal('failed')]),
    bytes_read: Type.Integer(),
    bytes_total: Type.Union([Type.Integer(), Type.Null()]),
    rows_read: Type.Integer(),
    patients_loaded: Type.Integer(),
    rows_rejected: Type.Integer(),
    rows_per_second: Type.Integer(),
    eta_seconds: Type.Union([Type.Integer(), Type.Null()]),
    started_at: Type.String(),
    finished_at: Type.Union([Type.String(), Type.Null()]),
  },
  { additionalProperties: false },
)

const IndexVersionView = Type.Object(
  {
    version_id: Type.Integer(),
    status: Type.String(),
    as_of: Type.String(),
    rows_loaded: Type.Integer(),
    rows_rejected: Type.Integer(),
    started_at: Type.String(),
    live_at: Type.Union([Type.String(), Type.Null()]),
    /** the clause whose definition of active it was built for (null: imported before the side-car recorded it) */
    clause_id: Type.Union([Type.String(), Type.Null()]),
    /** the live version only: whether this process holds its index in memory (exchanges wait while it is built) */
    in_memory: Type.Optional(Type.Union([Type.Literal('ready'), Type.Literal('building'), Type.Literal('not_loaded')])),
    import: Type.Optional(ImportProgress),
  },
  { additionalProperties: false },
)

/** The body types an extract may be sent as (the side-car's other routes keep the buffering parser for them). */
const CSV_TYPES = ['text/csv', 'application/octet-stream', 'text/plain']

/** How long an index upload may send nothing before it is cut off (see SidecarOptions.importIdleMs). */
const IMPORT_IDLE_MS = 5 * 60 * 1000

/**
 * The upload's bytes, failing when the import has waited `idleMs` for the next ones: a client that stops sending
 * mid-file would otherwise hold the import, and with it the import lock, for as long as its connection stays open.
 * Only the waits for the client count, not the import's own (workers starting, chunks in flight), so a slow machine
 * never cuts off a client that is sending. `cutOff` closes the connection.
 */
async function* whileSending(source: AsyncIterator<Uint8Array>, idleMs: number, cutOff: () => void): AsyncGenerator<Uint8Array> {
  for (;;) {
    const next = source.next()
    let timer: NodeJS.Timeout | undefined
    const stalled = new Promise<'stalled'>((resolve) => (timer = setTimeout(() => resolve('stalled'), idleMs)))
    const r = await Promise.race([next, stalled]).finally(() => clearTimeout(timer))
    if (r === 'stalled') {
      // The read still pending fails with the connection; nobody waits for it.
      next.catch(() => undefined)
      cutOff()
      throw errors.badRequest(`The index upload sent nothing for ${Math.round(idleMs / 1000)} s; it was cut off and nothing was loaded. Send the file again.`)
    }
    if (r.done) return
    yield r.value
  }
}

export async function indexRoutes(app: FastifyInstance, { ctx, isaId, idleMs = IMPORT_IDLE_MS }: { ctx: SidecarContext; isaId: string; idleMs?: number }): Promise<void> {
  // The extract is read as it arrives, not gathered first: memory stays bounded by the chunks in flight whatever the
  // file's size, and the workers start on the first megabytes while the rest is still on the wire. (In this plugin
  // only: the parser the app registered for these types is replaced here, for these routes.)
  app.removeContentTypeParser(CSV_TYPES)
  app.addContentTypeParser(CSV_TYPES, (_req, payload, done) => done(null, payload))
  app.post(
    '/v1/index',
    {
      config: { roles: ['ig_officer', 'admin'] },
      schema: {
        summary: 'Import the patient index extract (CSV body); becomes live atomically when fully loaded. One import at a time: another one under way answers 409 IMPORT_RUNNING',
        // clause_id: the clause whose definition of active (services) the index is built for; default the agreement's
        // first. The live index answers exchanges under that clause only.
        querystring: Type.Object({ as_of: Type.Optional(Type.String({ format: 'date' })), clause_id: Type.Optional(Type.String({ minLength: 1, maxLength: 200 })) }),
        response: { 201: ImportReport, 400: ErrorBody, 401: ErrorBody, 403: ErrorBody, 404: ErrorBody, 409: ErrorBody, 422: ErrorBody, 507: ErrorBody },
      },
    },
    async (req, reply) => {
      const body = req.body as (AsyncIterable<Uint8Array> & Readable) | undefined
      const declared = req.headers['content-length'] === undefined ? undefined : Number(req.headers['content-length'])
      if (!body || typeof body[Symbol.asyncIterator] !== 'function' || declared === 0) throw errors.fileEmpty('Send the patient index as the request body with Content-Type: text/csv.')
      let report
      try {
        const isa = await isaInEffect(ctx.isaDb, isaId, ctx.now())
        if (!isa) throw errors.isaUnknown('No ISA is registered on this side-car; register it first.')
        // The as-of date is the UK day the extract was taken. A later one would judge referrals on a day that has not
        // come and keep a stale index looking fresh to the clause's max_index_age_days.
        const today = ukDate(ctx.now())
        const query = req.query as { as_of?: string; clause_id?: string }
        const asOf = query.as_of ?? today
        if (asOf > today) throw errors.badRequest(`as_of ${asOf} is after today (${today}, UK date); give the day the extract was taken.`)
        // Not destroyed when the import stops reading early (a refused file): destroying the request would take the
        // connection, and the answer with it.
        const source = whileSending(body.iterator({ destroyOnReturn: false }), idleMs, () => req.raw.destroy())
        report = await importIndex(ctx, isa, source, { asOf, ...(query.clause_id !== undefined ? { clauseId: query.clause_id } : {}), ...(declared !== undefined && Number.isSafeInteger(declared) ? { sizeBytes: declared } : {}) })
      } catch (e) {
        // The rest of a refused upload is read and dropped, so that a client still sending can finish and read the answer.
        body.resume()
        throw e
      }
      req.log.info({ version: report.version_id, loaded: report.patients_loaded, rejected: report.rows_rejected }, 'patient index loaded')
      return reply.status(201).send(report)
    },
  )

  app.get(
    '/v1/index',
    {
      config: { roles: ['ig_officer', 'admin'] },
      schema: {
        summary: 'Index versions and their load history; the live version says whether its index is in memory, and the version this process imported last carries its progress (rows/s, ETA)',
        response: { 200: Type.Array(IndexVersionView) },
      },
    },
    async () => {
      const rows = await ctx.db.selectFrom('index_version').selectAll().orderBy('id', 'desc').limit(50).execute()
      const progress = importStatus(ctx.db)
      return rows.map((v) => ({
        version_id: v.id,
        status: v.status,
        as_of: asDate(v.as_of),
        rows_loaded: v.rows_loaded,
        rows_rejected: v.rows_rejected,
        started_at: new Date(v.started_at).toISOString(),
        live_at: v.live_at ? new Date(v.live_at).toISOString() : null,
        clause_id: v.clause_id,
        ...(v.status === 'live' ? { in_memory: ctx.indexes.inMemory(v.id) } : {}),
        ...(progress && progress.version_id === v.id ? { import: importView(progress) } : {}),
      }))
    },
  )
}

function importView(s: ImportStatus): Static<typeof ImportProgress> {
  return {
    state: s.state,
    bytes_read: s.bytes_read,
    bytes_total: s.bytes_total,
    rows_read: s.rows_read,
    patients_loaded: s.patients_loaded,
    rows_rejected: s.rows_rejected,
    rows_per_second: s.rows_per_second,
    eta_seconds: s.eta_seconds,
    started_at: s.started_at,
    finished_at: s.finished_at,
  }
}
