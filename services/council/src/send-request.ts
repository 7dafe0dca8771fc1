/**
 * POSTs the exchange request to the side-car, signed, over node:http(s). A county list's request is ~25 MB; fetch
 * (service-kit's signedFetch) copies a body two or three times on its way to the socket (extractBody, then a tee of
 * its stream: ~0.3–0.7 s of main-thread CPU per 50,000-row exchange in a profile of the bench stack), node:http
 * writes the bytes as they are. Same contract as signedFetch: the same signature headers, the peer's JSON answer, a
 * HealthflagError for a refusal (its code and status) and UPSTREAM_FAILED when the peer cannot be reached or answers
 * something that is not JSON.
 */
import http from 'node:http'
import https from 'node:https'
import { errors, HealthflagError, signRequest, type ErrorCode, type SigningKey } from '@healthflag/protocol'
import type { SignedResponse } from '@healthflag/service-kit'

export async function postSigned<T>(baseUrl: string, key: SigningKey, path: string, body: Uint8Array, opts: { timeoutMs?: number } = {}): Promise<SignedResponse<T>> {
  const url = new URL(path, baseUrl)
  const headers = { ...signRequest(key, 'POST', path, body), 'content-type': 'application/json', 'content-length': String(body.byteLength) }
  const client = url.protocol === 'https:' ? https : http
  const unreachable = (e: Error) => errors.upstreamFailed(`Could not reach ${url.host}: ${e.message}. Check that the service is running and reachable.`)
  const { status, text } = await new Promise<{ status: number; text: string }>((resolve, reject) => {
    const req = client.request(url, { method: 'POST', headers, timeout: opts.timeoutMs ?? 120_000 }, (res) => {
      const chunks: Buffer[] = []
      res.on('data', (c: Buffer) => chunks.push(c))
      res.on('end', () => resolve({ status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString('utf8') }))
      res.on('error', (e) => reject(unreachable(e)))
    })
    req.on('timeout', () => req.destroy(new Error('timed out')))
    req.on('error', (e) => reject(unreachable(e)))
    req.end(body)
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
