/** The analyst's web page: upload a list, read the validation report, send it, read results. */
import type { FastifyInstance } from 'fastify'
import { loadPage } from '@healthflag/service-kit'
import { Type } from 'typebox'
import type { CouncilContext } from '../context.js'

const PAGE = loadPage(new URL('../../public/index.html', import.meta.url), 'hf-token')

export async function pageRoutes(app: FastifyInstance, _opts: { ctx: CouncilContext }): Promise<void> {
  app.get('/', { config: { roles: 'public' }, schema: { hide: true } }, async (_req, reply) => {
    reply
      .header('content-type', 'text/html; charset=utf-8')
      .header('content-security-policy', "default-src 'self'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; img-src 'self' data:")
    return PAGE
  })
  app.get('/health', { config: { roles: 'public' }, schema: { summary: 'Liveness', response: { 200: Type.Object({ ok: Type.Boolean() }) } } }, async () => ({ ok: true }))
}
