/** One error shape for every route: {code, message, requestId}; 5xx details go to the log only. */
import fp from 'fastify-plugin'
import type { FastifyError, FastifyInstance } from 'fastify'
import { ErrorCode, isHealthflagError } from '@healthflag/protocol'

export const errorsPlugin = fp(
  async (app: FastifyInstance) => {
    app.setErrorHandler((err: FastifyError, req, reply) => {
      if (isHealthflagError(err)) {
        if (err.statusCode >= 500) req.log.error({ code: err.code }, err.message)
        else req.log.info({ code: err.code }, 'request refused')
        return reply.status(err.statusCode).send({ code: err.code, message: err.message, requestId: req.id, ...(err.details ? { details: err.details } : {}) })
      }
      if (err.validation) {
        const first = err.validation[0]
        const where = `${err.validationContext ?? 'request'}${first?.instancePath ?? ''}`
        return reply.status(400).send({ code: ErrorCode.BAD_REQUEST, message: `Invalid ${where}: ${first?.message ?? 'does not match the schema'}.`, requestId: req.id })
      }
      if (err.statusCode && err.statusCode < 500) {
        return reply.status(err.statusCode).send({ code: err.statusCode === 404 ? ErrorCode.NOT_FOUND : ErrorCode.BAD_REQUEST, message: err.message, requestId: req.id })
      }
      req.log.error({ err }, 'internal error')
      return reply.status(500).send({ code: ErrorCode.INTERNAL, message: 'internal error', requestId: req.id })
    })
    app.setNotFoundHandler((req, reply) => {
      reply.status(404).send({ code: ErrorCode.NOT_FOUND, message: 'Not found.', requestId: req.id })
    })
  },
  { name: 'healthflag-errors' },
)
