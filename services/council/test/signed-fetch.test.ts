/** service-kit's signedFetch, as the council sends the exchange request: signed, the body sent byte for byte, refusals as errors. */
import http from 'node:http'
import { randomBytes } from 'node:crypto'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { generateSigningKeyPair, isHealthflagError, verifyRequest } from '@healthflag/protocol'
import { signedFetch } from '@healthflag/service-kit'

const keys = generateSigningKeyPair()
let server: http.Server
let base = ''
let reply: (body: Buffer, req: http.IncomingMessage) => { status: number; text: string }

beforeAll(async () => {
  server = http.createServer((req, res) => {
    const chunks: Buffer[] = []
    req.on('data', (c: Buffer) => chunks.push(c))
    req.on('end', () => {
      const r = reply(Buffer.concat(chunks), req)
      res.writeHead(r.status, { 'content-type': 'application/json' }).end(r.text)
    })
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  base = `http://127.0.0.1:${(server.address() as { port: number }).port}`
})
afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())))

describe('signedFetch', () => {
  it('sends the exact bytes, signed over them for the party, and returns the parsed answer', async () => {
    const body = new Uint8Array(Buffer.from(JSON.stringify({ rows: [randomBytes(3_000_000).toString('base64url')] })))
    reply = (got, req) => {
      const v = verifyRequest(req.headers, req.method!, req.url!, got, (p) => (p === 'council' ? keys.publicKey : undefined))
      return { status: 200, text: JSON.stringify({ party: v.party, same: Buffer.compare(got, Buffer.from(body)) === 0, type: req.headers['content-type'] }) }
    }
    const res = await signedFetch<{ party: string; same: boolean; type: string }>(base, { party: 'council', privateKey: keys.privateKey }, 'POST', '/v1/exchanges', body)
    expect(res).toEqual({ status: 200, body: { party: 'council', same: true, type: 'application/json' } })
  })

  it('turns a refusal into the peer\'s error code and status', async () => {
    reply = () => ({ status: 403, text: JSON.stringify({ code: 'KEY_MISMATCH', message: 'keys differ' }) })
    const e = await signedFetch(base, { party: 'council', privateKey: keys.privateKey }, 'POST', '/v1/exchanges', new Uint8Array(Buffer.from('{}'))).catch((x: unknown) => x)
    expect(isHealthflagError(e) && { code: e.code, status: e.statusCode, message: e.message }).toEqual({ code: 'KEY_MISMATCH', status: 403, message: 'keys differ' })
  })

  it('answers UPSTREAM_FAILED for a body that is not JSON and for a peer that cannot be reached', async () => {
    reply = () => ({ status: 200, text: 'not json' })
    const notJson = await signedFetch(base, { party: 'council', privateKey: keys.privateKey }, 'POST', '/v1/exchanges', new Uint8Array(2)).catch((x: unknown) => x)
    expect(isHealthflagError(notJson) && notJson.code).toBe('UPSTREAM_FAILED')
    const closed = http.createServer()
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve))
    const port = (closed.address() as { port: number }).port
    await new Promise<void>((resolve) => closed.close(() => resolve()))
    const down = await signedFetch(`http://127.0.0.1:${port}`, { party: 'council', privateKey: keys.privateKey }, 'POST', '/v1/exchanges', new Uint8Array(2)).catch((x: unknown) => x)
    expect(isHealthflagError(down) && down.code).toBe('UPSTREAM_FAILED')
  })
})
