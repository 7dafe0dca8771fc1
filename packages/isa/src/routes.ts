/**
 * The ISA registry over HTTP, the same on the council and the side-car: read the agreements and every
 * version with its digest; register a document; vary, suspend or expire one (each a new version, the
 * old kept). Every recorded change is handed to `recorded` so the service puts it in the ledger.
 */
import type { FastifyInstance } from 'fastify'
import { Type } from 'typebox'
import { errors } from '@healthflag/protocol'
import { ukDate } from './checks.js'
import { expire, isaVersion, nextVersion, suspend, type IsaChanges } from './registry.js'
import { parseIsaDocument, type IsaVersion } from './schema.js'
import { isaInEffect, listIsas, listIsaVersions, markIsaLedgered, saveIsaVersion, unledgeredIsaVersions, type IsaDb } from './store.js'

export type IsaChangeKind = 'isa.registered' | 'isa.varied' | 'isa.suspended'

export interface IsaRoutesOptions {
  isaDb: IsaDb
  now: () => Date
  /** Roles that may read agreements (admins always may change them). */
  readRoles: readonly string[]
  /** Called once per newly recorded version, after it is stored; puts it in the ledger. */
  recorded: (kind: IsaChangeKind, v: IsaVersion) => Promise<void>
}

const IsaIdParam = Type.Object({ isa_id: Type.String({ pattern: '^[a-z][a-z0-9_.-]{0,63}$' }) }, { additionalProperties: false })
const Problem = Type.Object({ code: Type.String(), message: Type.String(), requestId: Type.Optional(Type.String()), details: Type.Optional(Type.Unknown()) })
const Recorded = Type.Object(
  { isa_id: Type.String(), version: Type.Integer(), digest: Type.String(), status: Type.String(), effective_from: Type.String(), recorded: Type.Boolean() },
  { additionalProperties: false },
)
const IsaSummary = Type.Object(
  {
    isa_id: Type.String(),
    title: Type.String(),
    latest_version: Type.Integer(),
    latest_digest: Type.String(),
    in_effect: Type.Union([Type.Object({ version: Type.Integer(), digest: Type.String(), status: Type.String() }, { additionalProperties: false }), Type.Null()]),
    valid_from: Type.String(),
    valid_to: Type.String(),
    review_date: Type.String(),
    review_overdue: Type.String(),
    review_due: Type.Boolean({ description: 'true when the review date of the version in effect has passed' }),
    clauses: Type.Array(Type.Object({ id: Type.String(), title: Type.String(), approval_required: Type.Boolean(), retention_days: Type.Integer() }, { additionalProperties: false })),
  },
  { additionalProperties: false },
)
const VersionView = Type.Object(
  {
    version: Type.Integer(),
    digest: Type.String(),
    status: Type.String(),
    effective_from: Type.String(),
    supersedes: Type.Union([Type.String(), Type.Null()]),
    recorded_at: Type.String(),
    doc: Type.Unknown(),
  },
  { additionalProperties: false },
)

/** The kind of ledger entry a newly recorded version is. */
export function changeKind(v: IsaVersion): IsaChangeKind {
  if (v.doc.version === 1) return 'isa.registered'
  return v.doc.status === 'suspended' ? 'isa.suspended' : 'isa.varied'
}

/**
 * Puts every version not yet in the ledger there (the one loaded from configuration at boot, or one whose
 * entry failed because the ledger was down). Returns how many were recorded; stops at the first failure.
 */
export async function ledgerPendingIsaVersions(isaDb: IsaDb, now: () => Date, recorded: IsaRoutesOptions['recorded']): Promise<number> {
  let n = 0
  for (const v of await unledgeredIsaVersions(isaDb)) {
    await recorded(changeKind(v), v)
    await markIsaLedgered(isaDb, v.digest, now())
    n++
  }
  return n
}

export async function isaRoutes(app: FastifyInstance, opts: IsaRoutesOptions): Promise<void> {
  const read = { roles: [...opts.readRoles] as never }
  const admin = { roles: ['admin'] as never }

  async function latest(isaId: string): Promise<IsaVersion> {
    const versions = await listIsaVersions(opts.isaDb, isaId)
    const last = versions.at(-1)
    if (!last) throw errors.notFound('No ISA with that id is registered here.')
    return last
  }

  async function record(v: IsaVersion) {
    const inserted = await saveIsaVersion(opts.isaDb, v)
    if (inserted) {
      await opts.recorded(changeKind(v), v)
      await markIsaLedgered(opts.isaDb, v.digest, opts.now())
    }
    return { isa_id: v.doc.id, version: v.doc.version, digest: v.digest, status: v.doc.status, effective_from: v.doc.effective_from, recorded: inserted }
  }

  app.get(
    '/v1/isas',
    { config: read, schema: { summary: 'Registered agreements: the version in effect, the latest recorded, validity and review dates', response: { 200: Type.Array(IsaSummary) } } },
    async () => {
      const now = opts.now()
      const out = []
      for (const v of await listIsas(opts.isaDb)) {
        const current = await isaInEffect(opts.isaDb, v.doc.id, now)
        const doc = (current ?? v).doc
        const reviewDue = ukDate(now) > doc.review_date
        out.push({
          isa_id: v.doc.id,
          title: doc.title,
          latest_version: v.doc.version,
          latest_digest: v.digest,
          in_effect: current ? { version: current.doc.version, digest: current.digest, status: current.doc.status } : null,
          valid_from: doc.valid_from,
          valid_to: doc.valid_to,
          review_date: doc.review_date,
          review_overdue: doc.review_overdue,
          review_due: reviewDue,
          clauses: doc.clauses.map((c) => ({ id: c.id, title: c.title, approval_required: c.approval.required, retention_days: c.retention_days })),
        })
      }
      return out
    },
  )

  app.get(
    '/v1/isas/:isa_id/versions',
    { config: read, schema: { summary: 'Every recorded version of one agreement, oldest first, with its digest and document', params: IsaIdParam, response: { 200: Type.Array(VersionView), 404: Problem } } },
    async (req) => {
      const versions = await listIsaVersions(opts.isaDb, (req.params as { isa_id: string }).isa_id)
      if (versions.length === 0) throw errors.notFound('No ISA with that id is registered here.')
      return versions.map((v) => ({
        version: v.doc.version,
        digest: v.digest,
        status: v.doc.status,
        effective_from: v.doc.effective_from,
        supersedes: v.doc.supersedes ?? null,
        recorded_at: new Date(v.recordedAt).toISOString(),
        doc: v.doc,
      }))
    },
  )

  app.post(
    '/v1/isas',
    {
      config: admin,
      schema: {
        summary: 'Register an agreement version (the whole document; a later version must follow the recorded chain)',
        body: Type.Object({}, { additionalProperties: true }),
        response: { 200: Recorded, 201: Recorded, 400: Problem, 409: Problem, 422: Problem },
      },
    },
    async (req, reply) => {
      const out = await record(isaVersion(parseIsaDocument(req.body)))
      return reply.status(out.recorded ? 201 : 200).send(out)
    },
  )

  app.post(
    '/v1/isas/:isa_id/variations',
    {
      config: admin,
      schema: {
        summary: 'Vary an agreement: a new version with the given changes, in effect from effective_from (default now)',
        params: IsaIdParam,
        body: Type.Object({ changes: Type.Object({}, { additionalProperties: true }), effective_from: Type.Optional(Type.String({ format: 'date-time' })) }, { additionalProperties: false }),
        response: { 201: Recorded, 400: Problem, 404: Problem, 409: Problem, 422: Problem },
      },
    },
    async (req, reply) => {
      const body = req.body as { changes: Record<string, unknown>; effective_from?: string }
      const prev = await latest((req.params as { isa_id: string }).isa_id)
      const changes = { ...body.changes, effective_from: body.effective_from ?? (body.changes.effective_from as string | undefined) ?? opts.now().toISOString() } as IsaChanges
      return reply.status(201).send(await record(nextVersion(prev, changes)))
    },
  )

  const StatusChange = Type.Object({ reason: Type.String({ minLength: 1, maxLength: 500 }), effective_from: Type.Optional(Type.String({ format: 'date-time' })) }, { additionalProperties: false })
  for (const [path, fn, summary] of [
    ['suspend', suspend, 'Suspend an agreement from effective_from (default now); a new version, the old kept'],
    ['expire', expire, 'End an agreement from effective_from (default now); final — renew under a new ISA id'],
  ] as const) {
    app.post(
      `/v1/isas/:isa_id/${path}`,
      { config: admin, schema: { summary, params: IsaIdParam, body: StatusChange, response: { 201: Recorded, 400: Problem, 404: Problem, 409: Problem, 422: Problem } } },
      async (req, reply) => {
        const body = req.body as { reason: string; effective_from?: string }
        const prev = await latest((req.params as { isa_id: string }).isa_id)
        const at = body.effective_from ? new Date(body.effective_from) : opts.now()
        return reply.status(201).send(await record(fn(prev, at, body.reason)))
      },
    )
  }
}
