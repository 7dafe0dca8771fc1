import type { FastifyInstance } from 'fastify'
import { Type } from 'typebox'
import { ErrorBody, errors, ExchangeRequest, PendingAnswer, SignedAnswer, type SignedAnswer as SignedAnswerT } from '@healthflag/protocol'
import type { SidecarContext } from '../context.js'
import { receiveExchange } from '../answer.js'
import { expirePending } from '../approval.js'
import { stillAnswering, storedDecision } from '../refusals.js'

export async function exchangeRoutes(app: FastifyInstance, { ctx }: { ctx: SidecarContext }): Promise<void> {
  app.post(
    '/v1/exchanges',
    {
      config: { roles: 'peer' },
      bodyLimit: 256 * 1024 * 1024,
      schema: {
        summary: 'Answer an exchange: one signed boolean per row (signed request from the council)',
        body: ExchangeRequest,
        // The response schemas admit only refs and booleans (and the answer's own metadata).
        response: { 200: SignedAnswer, 202: PendingAnswer, 400: ErrorBody, 401: ErrorBody, 403: ErrorBody, 409: ErrorBody, 410: ErrorBody, 413: ErrorBody, 422: ErrorBody, 429: ErrorBody, 502: ErrorBody, 503: ErrorBody },
      },
    },
    async (req, reply) => {
      const decision = await receiveExchange(ctx, req.body as ExchangeRequest, req.signer!.party, req.signer!.bodyDigest)
      if (decision.kind === 'pending') return reply.status(202).send({ exchange_id: decision.exchangeId, status: 'pending_approval', expires_at: decision.expiresAt.toISOString() })
      return reply.status(200).send(decision.signed)
    },
  )

  app.get(
    '/v1/exchanges/:id',
    {
      config: { roles: 'peer' },
      schema: {
        summary: 'The answer to an earlier exchange, once decided (signed request from the council)',
        params: Type.Object({ id: Type.String({ format: 'uuid' }) }),
        response: { 200: SignedAnswer, 202: PendingAnswer, 401: ErrorBody, 403: ErrorBody, 404: ErrorBody, 409: ErrorBody, 410: ErrorBody, 413: ErrorBody, 422: ErrorBody, 503: ErrorBody },
      },
    },
    async (req, reply) => {
      await expirePending(ctx)
      const e = await ctx.db.selectFrom('exchange').selectAll().where('id', '=', (req.params as { id: string }).id).executeTakeFirst()
      if (!e || e.party !== req.signer!.party) throw errors.notFound('No such exchange.')
      if (e.status === 'answered') return reply.status(200).send(JSON.parse(e.signed_answer!) as SignedAnswerT)
      if (e.status === 'pending') return reply.status(202).send({ exchange_id: e.id, status: 'pending_approval', expires_at: (e.expires_at ?? ctx.now()).toISOString() })
      if (e.status === 'answering') throw stillAnswering()
      if (e.status === 'expired') throw errors.approvalExpired('The trust did not decide on this exchange within the approval window; start a new exchange.')
      // Refused by an IG officer, by a check on arrival, or by a check when it was approved: the council sees which, with
      // a status it reads as a decision (refusals.ts).
      throw storedDecision(e.error_code, e.reason)
    },
  )
}
