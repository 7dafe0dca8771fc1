/** The auditor's web page: filter entries, counts per clause and month, entry detail with a proof checked in the browser. */
import type { FastifyInstance } from 'fastify'
import { loadPage } from '@healthflag/service-kit'
import { Type } from 'typebox'

const PAGE = loadPage(new URL('../../public/index.html', import.meta.url), 'hf-ledger-token')

export async function pageRoutes(app: FastifyInstance): Promise<void> {
  app.get('/', { config: { roles: 'public' }, schema: { hide: true } }, async (_req, reply) => {
    reply
      .header('content-type', 'text/html; charset=utf-8')
      .header('content-security-policy', "default-src 'self'; script-src 'unsafe-inline'; style-src 'unsafe-inline'")
    return PAGE
  })
  app.get('/health', { config: { roles: 'public' }, schema: { summary: 'Liveness', response: { 200: Type.Object({ ok: Type.Boolean() }) } } }, async () => ({ ok: true }))
}
