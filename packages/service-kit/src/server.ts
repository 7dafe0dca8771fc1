/** Runs one service in production: builds the instance, registers the app plugin, listens, closes gracefully. */
import Fastify, { type FastifyPluginAsync, type FastifyPluginOptions } from 'fastify'
import closeWithGrace from 'close-with-grace'
import { loggerOptions } from './logger.js'

/**
 * Fastify options every healthflag service is built with (production, demo, tests, bench). Schemas are closed
 * (`additionalProperties: false`) and a field they do not name is refused with 400, not dropped: fastify's default
 * ajv would strip it silently and go on (`removeAdditional`), hiding a sender that sends more than the ISA permits.
 */
export const SERVICE_FASTIFY_OPTIONS = {
  pluginTimeout: 120_000,
  bodyLimit: 256 * 1024 * 1024,
  ajv: { customOptions: { removeAdditional: false } },
} as const

export async function serve<O extends FastifyPluginOptions>(p: { service: string; plugin: FastifyPluginAsync<O>; options: O; host: string; port: number; logLevel: string }): Promise<void> {
  const app = Fastify({ ...SERVICE_FASTIFY_OPTIONS, logger: loggerOptions(p.service, p.logLevel), trustProxy: false })
  await app.register(p.plugin as FastifyPluginAsync, p.options as object)
  closeWithGrace({ delay: 10_000 }, async ({ err }) => {
    if (err) app.log.error({ err }, 'closing after error')
    await app.close()
  })
  await app.listen({ host: p.host, port: p.port })
}
