/**
 * A small HTTP client that signs each request with the sender's key and parses JSON answers. It writes through
 * node:http(s) rather than fetch: the council's exchange request is ~25 MB, and fetch copies a body two or three times
 * on its way to the socket (extractBody, then a tee of its stream: ~0.3–0.7 s of main-thread CPU per 50,000-row
 * exchange in a profile of the bench stack); node:http writes the bytes as they are.
 */
import http from 'node:http'
import https from 'node:https'
import { errors, HealthflagError, signRequest, type ErrorCode, type SigningKey } from '@healthflag/protocol'

export interface SignedResponse<T> {
  status: number
  body: T
}

/**
 * Sends `payload` as JSON, signed. A Uint8Array payload is taken as JSON already serialised (the exchange serialises
 * its request once, so the bytes it digests and records are the bytes sent). `timeoutMs` (default 120 s) bounds the
 * whole exchange of request and answer.
 */
export async function signedFetch<T>(baseUrl: string, key: SigningKey, method: 'GET' | 'POST' | 'PUT', path: string, payload?: unknown, opts: { timeoutMs?: number } = {}): Promise<SignedResponse<T>> {
  const body = payload === undefined ? new Uint8Array() : payload instanceof Uint8Array ? payload : new TextEncoder().encode(JSON.stringify(payload))
  const headers: Record<string, string> = { ...signRequest(key, method, path, body) }
  if (payload !== undefined) {
    headers['content-type'] = 'application/json'
    headers['content-length'] = String(body.byteLength)
  }
  const url = new URL(path, baseUrl)
  const client = url.protocol === 'https:' ? https : http
  const unreachable = (e: Error) => errors.upstreamFailed(`Could not reach ${url.host}: ${e.message}. Check that the service is running and reachable.`)
  const { status, text } = await new Promise<{ status: number; text: string }>((resolve, reject) => {
    const req = client.request(url, { method, headers, signal: AbortSignal.timeout(opts.timeoutMs ?? 120_000) }, (res) => {
      const chunks: Buffer[] = []
      res.on('data', (c: Buffer) => chunks.push(c))
      res.on('end', () => resolve({ status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString('utf8') }))
      res.on('error', (e) => reject(unreachable(e)))
    })
    req.on('error', (e) => reject(unreachable(e)))
    req.end(payload === undefined ? undefined : body)
  })
  let parsed: unknown
  try {
    parsed = text ? JSON.parse(text) : undefined
  } catch {
    throw errors.upstreamFailed(`${url.host} answered ${status} with a body that is not JSON.`)
  }
  if (status >= 400) {
    const b = (parsed ?? {}) as { code?: string; message?: string; details?: Record<string, unknown> }
    throw new HealthflagError((b.code ?? 'UPSTREAM_FAILED') as ErrorCode, status, b.message ?? `peer answered ${status}`, b.details)
  }
  return { status, body: parsed as T }
}
