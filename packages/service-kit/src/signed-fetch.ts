/** A small HTTP client that signs each request with the sender's key and parses JSON answers. */
import { errors, HealthflagError, signRequest, type ErrorCode, type SigningKey } from '@healthflag/protocol'

export interface SignedResponse<T> {
  status: number
  body: T
}

/**
 * Sends `payload` as JSON, signed. A Uint8Array payload is taken as JSON already serialised (the exchange serialises
 * its request once, so the bytes it digests and records are the bytes sent).
 */
export async function signedFetch<T>(baseUrl: string, key: SigningKey, method: 'GET' | 'POST' | 'PUT', path: string, payload?: unknown, opts: { timeoutMs?: number } = {}): Promise<SignedResponse<T>> {
  const body = payload === undefined ? new Uint8Array() : payload instanceof Uint8Array ? payload : new TextEncoder().encode(JSON.stringify(payload))
  const headers: Record<string, string> = { ...signRequest(key, method, path, body) }
  if (payload !== undefined) headers['content-type'] = 'application/json'
  let res: Response
  try {
    res = await fetch(new URL(path, baseUrl), {
      method,
      headers,
      ...(payload !== undefined ? { body } : {}),
      signal: AbortSignal.timeout(opts.timeoutMs ?? 120_000),
    })
  } catch (e) {
    throw errors.upstreamFailed(`Could not reach ${new URL(baseUrl).host}: ${(e as Error).message}. Check that the service is running and reachable.`)
  }
  const text = await res.text()
  let parsed: unknown
  try {
    parsed = text ? JSON.parse(text) : undefined
  } catch {
    throw errors.upstreamFailed(`${new URL(baseUrl).host} answered ${res.status} with a body that is not JSON.`)
  }
  if (res.status >= 400) {
    const b = (parsed ?? {}) as { code?: string; message?: string; details?: Record<string, unknown> }
    throw new HealthflagError((b.code ?? 'UPSTREAM_FAILED') as ErrorCode, res.status, b.message ?? `peer answered ${res.status}`, b.details)
  }
  return { status: res.status, body: parsed as T }
}
