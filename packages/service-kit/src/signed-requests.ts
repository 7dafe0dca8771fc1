/**
 * Verifies signed requests on routes that declare `config: { signed: true }`. The raw body bytes are kept
 * for the digest, so JSON re-serialisation can never change what was signed.
 */
import fp from 'fastify-plugin'
import type { FastifyInstance, FastifyRequest } from 'fastify'
import { errors, verifyRequest, type VerifiedRequest } from '@healthflag/protocol'

declare module 'fastify' {
  interface FastifyRequest {
    rawBody?: Buffer
    signer?: VerifiedRequest
  }
  interface FastifyContextConfig {
    signed?: boolean
  }
}

export interface SignedRequestsOptions {
  /** Public Ed25519 key of a registered party, or undefined. */
  partyKey: (party: string) => Uint8Array | undefined
  /** Records a nonce; returns false when it was seen before (replay). */
  rememberNonce?: (party: string, nonce: string, at: Date) => Promise<boolean>
  now?: () => Date
}

export const signedRequestsPlugin = fp(
  async (app: FastifyInstance, opts: SignedRequestsOptions) => {
    app.addContentTypeParser('application/json', { parseAs: 'buffer', bodyLimit: 256 * 1024 * 1024 }, (req, body, done) => {
      const buf = body as Buffer
      ;(req as FastifyRequest).rawBody = buf
      if (buf.length === 0) return done(null, undefined)
      try {
        done(null, JSON.parse(buf.toString('utf8')))
      } catch {
        done(errors.badRequest('The body is not valid JSON.'), undefined)
      }
    })
    // Before schema validation: an unsigned or forged request learns nothing, not even what a valid body looks like.
    app.addHook('preValidation', async (req) => {
      if (!req.routeOptions.config.signed) return
      const body = req.rawBody ?? Buffer.alloc(0)
      const verified = verifyRequest(req.headers, req.method, req.url, body, opts.partyKey, opts.now?.() ?? new Date())
      if (opts.rememberNonce && !(await opts.rememberNonce(verified.party, verified.nonce, verified.timestamp))) {
        throw errors.replayedRequest('This signed request was already received; sign each request afresh.')
      }
      req.signer = verified
    })
  },
  { name: 'healthflag-signed-requests' },
)
