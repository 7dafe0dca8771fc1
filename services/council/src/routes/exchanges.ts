import type { FastifyInstance } from 'fastify'
import { Type } from 'typebox'
import { ErrorBody, errors } from '@healthflag/protocol'
import { toCsv } from '@healthflag/records'
import { isaByDigest, isaInEffect } from '@healthflag/isa'
import { LEDGER_ID_PATTERN } from '@healthflag/ledger-core'
import type { CouncilContext } from '../context.js'
import { startExchange } from '../exchange.js'
import { refreshExchange } from '../approval.js'
import { claimRequestKey, parseIdempotencyKey } from '../request-key.js'
import { districtSummary, familiesOf } from '../districts.js'
import * as store from '../store.js'

const Id = Type.Object({ id: Type.String({ format: 'uuid' }) })

const ExchangeView = Type.Object(
  {
    exchange_id: Type.String(),
    upload_id: Type.String(),
    status: Type.String(),
    isa_id: Type.String(),
    clause_id: Type.String(),
    rows_sent: Type.Integer(),
    rows_flagged: Type.Union([Type.Integer(), Type.Null()]),
    index_as_of: Type.Union([Type.String(), Type.Null()]),
    error_code: Type.Union([Type.String(), Type.Null()]),
    error_message: Type.Union([Type.String(), Type.Null()]),
    created_at: Type.String({ format: 'date-time', description: 'when the exchange was sent (the council service clock)' }),
    requested_by: Type.String({ description: 'the council user who sent it' }),
    warnings: Type.Optional(Type.Array(Type.String())),
  },
  { additionalProperties: false },
)

const ResultRow = Type.Object(
  {
    ref: Type.String(),
    active_service: Type.Union([Type.Boolean(), Type.Null()]),
    district: Type.Union([Type.String(), Type.Null()]),
    family_id: Type.Union([Type.String(), Type.Null()]),
    family_active: Type.Union([Type.Boolean(), Type.Null()], { description: 'true when any member of this family (within your scope) is flagged; null without a family_id' }),
  },
  { additionalProperties: false },
)
const Family = Type.Object(
  { family_id: Type.String(), district: Type.Union([Type.String(), Type.Null()]), members: Type.Integer(), members_flagged: Type.Integer(), flagged: Type.Boolean() },
  { additionalProperties: false },
)
const District = Type.Object(
  { district: Type.String(), people: Type.Integer(), people_flagged: Type.Integer(), families: Type.Integer(), families_flagged: Type.Integer() },
  { additionalProperties: false },
)

export async function exchangeRoutes(app: FastifyInstance, { ctx, defaultIsaId }: { ctx: CouncilContext; defaultIsaId: string }): Promise<void> {
  app.post(
    '/v1/uploads/:id/exchanges',
    {
      config: { roles: ['analyst', 'admin'] },
      schema: {
        summary: 'Send the accepted rows of an upload to the trust under an ISA clause',
        description:
          'With an Idempotency-Key header, a repeat of the request (same user, key, upload, agreement and clause) within a day answers with the exchange the first one started, marked `Idempotent-Replayed: true`, and sends nothing to the trust; 409 IDEMPOTENCY_KEY_IN_USE while the first is still being sent, 422 IDEMPOTENCY_KEY_REUSED for the key with another upload, agreement or clause. A key whose request was refused or failed is let go, so a retry is sent afresh.',
        params: Id,
        headers: Type.Object({ 'idempotency-key': Type.Optional(Type.String({ description: 'A new random value (e.g. a UUID) per request the user means to make once' })) }),
        body: Type.Object(
          {
            isa_id: Type.Optional(Type.String()),
            // The ledger's id pattern: a refusal under this clause id must be recordable (no spaces, 1–128 characters).
            clause_id: Type.Optional(Type.String({ pattern: LEDGER_ID_PATTERN, description: "The ISA clause's id: letters, digits, '.', '_', ':' or '-', starting with a letter or digit, at most 128 characters" })),
          },
          { additionalProperties: false },
        ),
        response: { 200: ExchangeView, 202: ExchangeView, 400: ErrorBody, 403: ErrorBody, 404: ErrorBody, 409: ErrorBody, 413: ErrorBody, 422: ErrorBody, 429: ErrorBody, 502: ErrorBody, 503: ErrorBody },
      },
    },
    async (req, reply) => {
      if (req.user!.district !== null) throw errors.notFound('Not found.') // only the central team sends county-wide lists
      const { id } = req.params as { id: string }
      const body = (req.body ?? {}) as { isa_id?: string; clause_id?: string }
      const isaId = body.isa_id ?? defaultIsaId
      const clauseId = body.clause_id ?? (await defaultClause(ctx, isaId))
      const requestedBy = req.user!.name
      const key = parseIdempotencyKey(req.headers['idempotency-key'])
      const claim = key === undefined ? undefined : await claimRequestKey(ctx, { requestedBy, key, uploadId: id, isaId, clauseId })
      if (claim?.kind === 'replay') {
        const e = claim.exchange
        req.log.info({ exchange_id: e.id }, 'exchange request repeated with its Idempotency-Key; nothing sent')
        return reply.status(e.status === 'answered' ? 200 : 202).header('idempotent-replayed', 'true').send(view(e))
      }
      let out
      try {
        out = await startExchange(ctx, { uploadId: id, isaId, clauseId, requestedBy, log: req.log, ...(claim ? { exchangeId: claim.exchangeId } : {}) })
      } catch (err) {
        // Should this fail too, the claim lapses after ABANDONED_CLAIM_MS; the caller gets the exchange's own error.
        await claim?.release().catch((e: unknown) => req.log.warn({ err: e }, 'could not let go of an Idempotency-Key'))
        throw err
      }
      const e = await store.getExchange(ctx.db, out.exchangeId)
      return reply.status(out.status === 'answered' ? 200 : 202).send({ ...view(e!), warnings: out.warnings })
    },
  )

  app.get(
    '/v1/exchanges/:id',
    { config: { roles: ['analyst', 'admin'] }, schema: { summary: 'Status of one exchange', params: Id, response: { 200: ExchangeView, 404: ErrorBody } } },
    async (req) => {
      const id = (req.params as { id: string }).id
      let e = await store.getExchange(ctx.db, id)
      if (!e) throw errors.notFound('No such exchange.')
      const district = req.user!.district
      // A district analyst's scope first: an exchange outside it is unknown to them, and their read asks the trust
      // nothing about it.
      if (district !== null && (!(await sharedWithDistricts(ctx, e)) || (await store.exchangeCounts(ctx.db, id, { district })).rows === 0)) {
        throw errors.notFound('No such exchange.')
      }
      if (e.status === 'pending_approval' || e.status === 'sending') {
        await refreshExchange(ctx, id)
        e = (await store.getExchange(ctx.db, id))!
      }
      if (district === null) return view(e)
      // A district analyst sees the exchange only through their own district's rows, and only its counts.
      const counts = await store.exchangeCounts(ctx.db, id, { district })
      return { ...view(e), rows_sent: counts.rows, rows_flagged: e.status === 'answered' ? counts.flagged : null }
    },
  )

  app.get(
    '/v1/exchanges',
    {
      config: { roles: ['analyst', 'admin'] },
      schema: {
        summary: 'Exchanges, newest first (counts only)',
        description: "The central team and admins see every exchange. A district analyst sees the exchanges holding rows of their district under a clause that shares results with district teams, each with their district's counts only.",
        response: { 200: Type.Array(ExchangeView), 404: ErrorBody },
      },
    },
    async (req) => {
      const district = req.user!.district
      if (district === null) return (await store.listExchanges(ctx.db)).map((e) => view({ ...e }))
      const mine = await store.listExchangesForDistrict(ctx.db, district)
      // One look-up per agreement version and clause, not per exchange.
      const asked = new Map<string, Promise<boolean>>()
      const shared = await Promise.all(
        mine.map((e) => {
          const key = `${e.isa_digest} ${e.clause_id}`
          let answer = asked.get(key)
          if (!answer) asked.set(key, (answer = sharedWithDistricts(ctx, e)))
          return answer
        }),
      )
      return mine.filter((_, i) => shared[i]).map((e) => ({ ...view(e), rows_sent: e.district_rows, rows_flagged: e.status === 'answered' ? e.district_flagged : null }))
    },
  )

  app.get(
    '/v1/exchanges/:id/families',
    {
      config: { roles: ['analyst'] },
      schema: { summary: 'Families of one exchange within your district scope: a family is flagged when any member is', params: Id, response: { 200: Type.Object({ exchange_id: Type.String(), families: Type.Array(Family) }, { additionalProperties: false }), 404: ErrorBody } },
    },
    async (req) => {
      const id = (req.params as { id: string }).id
      return { exchange_id: id, families: familiesOf(await scopedResults(ctx, id, req.user!.district)) }
    },
  )

  app.get(
    '/v1/exchanges/:id/districts',
    {
      config: { roles: ['analyst'] },
      schema: { summary: 'People and families flagged per Staffordshire district (central team only)', params: Id, response: { 200: Type.Object({ exchange_id: Type.String(), districts: Type.Array(District) }, { additionalProperties: false }), 404: ErrorBody } },
    },
    async (req) => {
      if (req.user!.district !== null) throw errors.notFound('Not found.')
      const id = (req.params as { id: string }).id
      return { exchange_id: id, districts: districtSummary(await scopedResults(ctx, id, null)) }
    },
  )

  app.get(
    '/v1/exchanges/:id/results',
    {
      config: { roles: ['analyst'] },
      schema: { summary: 'Flags per candidate, within your district scope', params: Id, response: { 200: Type.Object({ exchange_id: Type.String(), rows: Type.Array(ResultRow) }, { additionalProperties: false }), 404: ErrorBody } },
    },
    async (req) => {
      const id = (req.params as { id: string }).id
      const rows = await scopedResults(ctx, id, req.user!.district)
      const families = familyFlags(rows)
      return { exchange_id: id, rows: rows.map((r) => ({ ref: r.ref, active_service: r.active, district: r.district, family_id: r.family_id, family_active: r.family_id ? (families.get(r.family_id) ?? false) : null })) }
    },
  )

  app.get(
    '/v1/exchanges/:id/results.csv',
    { config: { roles: ['analyst'] }, schema: { summary: 'Flags per candidate as CSV (formula-injection safe), within your district scope', params: Id } },
    async (req, reply) => {
      const id = (req.params as { id: string }).id
      const rows = await scopedResults(ctx, id, req.user!.district)
      reply.header('content-type', 'text/csv; charset=utf-8').header('content-disposition', `attachment; filename="results-${id}.csv"`)
      const families = familyFlags(rows)
      return toCsv(
        ['ref', 'active_service', 'district', 'family_id', 'family_active'],
        rows.map((r) => [r.ref, r.active === null ? '' : String(r.active), r.district, r.family_id, r.family_id ? String(families.get(r.family_id) ?? false) : '']),
      )
    },
  )
}

function familyFlags(rows: readonly { family_id: string | null; active: boolean | null }[]): Map<string, boolean> {
  return new Map(familiesOf(rows.map((r) => ({ ...r, district: null }))).map((f) => [f.family_id, f.flagged]))
}

async function scopedResults(ctx: CouncilContext, exchangeId: string, district: string | null) {
  const e = await store.getExchange(ctx.db, exchangeId)
  if (!e || e.status !== 'answered') throw errors.notFound('No results for that exchange.')
  if (e.purged_at) throw errors.notFound('The results of that exchange were purged at the end of the ISA retention period.')
  if (district !== null && !(await sharedWithDistricts(ctx, e))) throw errors.notFound('No results for that exchange.')
  const rows = await store.exchangeResults(ctx.db, exchangeId, { district })
  if (district !== null && rows.length === 0) throw errors.notFound('No results for that exchange.')
  return rows
}

/**
 * Whether the clause an exchange ran under shares its results with district teams (the ISA's `district_scoping`):
 * judged on the agreement version the exchange was sent under, as its retention is. Without it only the central team
 * sees the exchange; a district analyst gets the same 404 as for an exchange that does not exist.
 */
async function sharedWithDistricts(ctx: CouncilContext, e: { isa_digest: string; clause_id: string }): Promise<boolean> {
  const isa = await isaByDigest(ctx.isaDb, e.isa_digest)
  return isa?.doc.clauses.find((c) => c.id === e.clause_id)?.district_scoping === true
}

async function defaultClause(ctx: CouncilContext, isaId: string): Promise<string> {
  const isa = await isaInEffect(ctx.isaDb, isaId, ctx.now())
  // An unknown ISA is refused (and recorded) by the exchange checks, under a placeholder clause id.
  return isa?.doc.clauses[0]?.id ?? 'none'
}

function view(e: { id: string; upload_id: string; status: string; isa_id: string; clause_id: string; rows_sent: number; rows_flagged: number | null; index_as_of: unknown; error_code: string | null; error_message: string | null; requested_by: string; created_at: Date | string }) {
  return {
    exchange_id: e.id,
    upload_id: e.upload_id,
    status: e.status,
    isa_id: e.isa_id,
    clause_id: e.clause_id,
    rows_sent: e.rows_sent,
    rows_flagged: e.rows_flagged,
    index_as_of: e.index_as_of ? asDate(e.index_as_of) : null,
    error_code: e.error_code,
    error_message: e.error_message,
    created_at: new Date(e.created_at).toISOString(),
    requested_by: e.requested_by,
  }
}

function asDate(v: unknown): string {
  return v instanceof Date ? v.toISOString().slice(0, 10) : String(v).slice(0, 10)
}
