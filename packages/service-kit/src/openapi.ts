/** OpenAPI document and UI at /docs, generated from the routes' TypeBox schemas. */
import fp from 'fastify-plugin'
import swagger from '@fastify/swagger'
import swaggerUi from '@fastify/swagger-ui'
import type { FastifyInstance } from 'fastify'

export const openapiPlugin = fp(
  async (app: FastifyInstance, opts: { title: string; description: string }) => {
    await app.register(swagger, {
      openapi: { info: { title: opts.title, description: opts.description, version: '1.0.0' } },
    })
    await app.register(swaggerUi, { routePrefix: '/docs' })
  },
  { name: 'healthflag-openapi' },
)
