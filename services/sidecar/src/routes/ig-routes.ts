/** The IG console (page and API): pending and past exchanges, approve or refuse with a reason. */
import type { FastifyInstance } from 'fastify'
import { loadPage } from '@healthflag/service-kit'
import { Type } from 'typebox'
import { ErrorBody } from '@healthflag/protocol'
import type { SidecarContext } from '../context.js'
import { approveExchange, listExchanges, refuseExchange } from '../approval.js'

const PAGE = loadPage(new URL('../../public/ig.html', import.meta.url), 'hf-ig-token')
const Id = Type.Object({ id: Type.String({ format: 'uuid' }) }, { additionalProperties: false })
const Nullable = <T extends Parameters<typeof Type.Union>[0][number]>(t: T) => Type.Union([t, Type.Null()])

const ExchangeRow = Type.Object(
  {
    exchange_id: Type.String(),
    isa_id: Type.String(),
    isa_digest: Type.String(),
    clause_id: Type.String(),
    party: Type.String(),
    status: Type.String(),
    rows_received: Type.Integer(),
    rows_flagged: Nullable(Type.Integer()),
    received_at: Type.String(),
    expires_at: Nullable(Type.String()),
    decided_at: Nullable(Type.String()),
    decided_by: Nullable(Type.String()),
    reason: Nullable(Type.String()),
    error_code: Nullable(Type.String()),
    index_version_id: Nullable(Type.Integer()),
    tokens_held: Type.Boolean({ description: 'true while the candidates\' tokens are held for a decision' }),
  },
  { additionalProperties: false },
)
const Decision = Type.Object({ exchange_id: Type.String(), status: Type.String() }, { additionalProperties: false })

export async function igRoutes(app: FastifyInstance, { ctx }: { ctx: SidecarContext }): Promise<void> {
  app.get('/ig', { config: { roles: 'public' }, schema: { hide: true } }, async (_req, reply) => {
    reply
      .header('content-type', 'text/html; charset=utf-8')
      .header('content-security-policy', "default-src 'self'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; img-src 'self' data:")
    return PAGE
  })

  app.get(
    '/v1/ig/exchanges',
    { config: { roles: ['ig_officer', 'admin'] }, schema: { summary: 'Pending and past exchanges: counts and decisions only, never tokens', response: { 200: Type.Array(ExchangeRow) } } },
    async () => listExchanges(ctx),
  )

  app.post(
    '/v1/ig/exchanges/:id/approve',
    {
      config: { roles: ['ig_officer'] },
      schema: { summary: 'Approve a held exchange: re-checked against the ISA in effect, then answered', params: Id, response: { 200: Decision, 403: ErrorBody, 404: ErrorBody, 409: ErrorBody, 410: ErrorBody, 413: ErrorBody, 422: ErrorBody, 429: ErrorBody, 503: ErrorBody } },
    },
    async (req) => {
      const id = (req.params as { id: string }).id
      return { exchange_id: id, status: await approveExchange(ctx, id, req.user!.name) }
    },
  )

  app.post(
    '/v1/ig/exchanges/:id/refuse',
    {
      config: { roles: ['ig_officer'] },
      schema: {
        summary: 'Refuse a held exchange with a reason the council will see; its tokens are deleted',
        params: Id,
        body: Type.Object({ reason: Type.String({ minLength: 3, maxLength: 500 }) }, { additionalProperties: false }),
        response: { 200: Decision, 404: ErrorBody, 409: ErrorBody },
      },
    },
    async (req) => {
      const id = (req.params as { id: string }).id
      return { exchange_id: id, status: await refuseExchange(ctx, id, req.user!.name, (req.body as { reason: string }).reason) }
    },
  )
}
