/** Admin actions on the council: run the retention purge now (the scheduled job runs it too). */
import type { FastifyInstance } from 'fastify'
import { Type } from 'typebox'
import type { CouncilContext } from '../context.js'
import { purgeExpired } from '../retention.js'

export async function adminRoutes(app: FastifyInstance, { ctx, defaultIsaId }: { ctx: CouncilContext; defaultIsaId: string }): Promise<void> {
  app.post(
    '/v1/admin/purge',
    {
      config: { roles: ['admin'] },
      schema: {
        summary: 'Purge candidate personal data and results whose ISA retention period has ended (each purge a data.purged ledger entry)',
        response: { 200: Type.Object({ uploads_purged: Type.Integer(), candidates_deleted: Type.Integer(), results_deleted: Type.Integer() }, { additionalProperties: false }) },
      },
    },
    async (req) => {
      const report = await purgeExpired(ctx, defaultIsaId)
      req.log.info(report, 'retention purge run by an admin')
      return report
    },
  )
}
