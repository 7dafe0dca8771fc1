/**
 * Each service exposes its own database handle on its fastify instance, for operational tooling and for
 * tests that inspect what a service stored (e.g. the PII leak test). Routes get the typed db from their context.
 */
import type { Kysely } from 'kysely'

declare module 'fastify' {
  interface FastifyInstance {
    healthflagDb: Kysely<any>
  }
}
