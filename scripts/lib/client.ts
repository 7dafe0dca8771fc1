/** A thin HTTP client for the services' public APIs, as an analyst's or IG officer's tool would call them. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message)
  }
}

async function call<T>(base: string, token: string | null, method: string, path: string, body?: RequestInit["body"], type?: string): Promise<{ status: number; body: T }> {
  const res = await fetch(new URL(path, base), {
    method,
    headers: { ...(token ? { authorization: `Bearer ${token}` } : {}), ...(type ? { 'content-type': type } : {}) },
    ...(body !== undefined ? { body } : {}),
  })
  const text = await res.text()
  const parsed = res.headers.get('content-type')?.includes('json') && text ? JSON.parse(text) : text
  if (!res.ok) {
    const b = (typeof parsed === 'object' && parsed) || {}
    throw new ApiError(res.status, (b as { code?: string }).code ?? 'HTTP', (b as { message?: string }).message ?? `HTTP ${res.status}`)
  }
  return { status: res.status, body: parsed as T }
}

export interface UploadReport {
  upload_id: string
  duplicate: boolean
  summary: { read: number; accepted: number; excluded: number; warned: number }
  rows: { row: number; ref: string; verdict: 'accepted' | 'excluded'; district: string | null; issues: { field: string; severity: string; code: string; message: string }[] }[]
}

export interface ExchangeView {
  exchange_id: string
  upload_id: string
  status: string
  isa_id: string
  clause_id: string
  rows_sent: number
  rows_flagged: number | null
  index_as_of: string | null
  error_code: string | null
  error_message: string | null
  created_at: string
  requested_by: string
  warnings?: string[]
}

export interface ImportReport {
  version_id: number
  as_of: string
  rows_read: number
  patients_loaded: number
  rows_rejected: number
  rejects: { line: number; code: string; message: string }[]
}

export const api = {
  importIndex: (sidecarUrl: string, token: string, csv: Uint8Array | string, asOf?: string) =>
    call<ImportReport>(sidecarUrl, token, 'POST', `/v1/index${asOf ? `?as_of=${asOf}` : ''}`, csv as RequestInit["body"], 'text/csv').then((r) => r.body),
  /** The side-car's index versions (GET /v1/index), newest first. */
  indexVersions: (sidecarUrl: string, token: string) =>
    call<{ version_id: number; status: string; in_memory?: 'ready' | 'building' | 'not_loaded' }[]>(sidecarUrl, token, 'GET', '/v1/index').then((r) => r.body),
  upload: (councilUrl: string, token: string, csv: Uint8Array | string, filename = 'candidates.csv') =>
    call<UploadReport>(councilUrl, token, 'POST', `/v1/uploads?filename=${encodeURIComponent(filename)}`, csv as RequestInit["body"], 'text/csv'),
  startExchange: (councilUrl: string, token: string, uploadId: string, body: { isa_id?: string; clause_id?: string } = {}) =>
    call<ExchangeView>(councilUrl, token, 'POST', `/v1/uploads/${uploadId}/exchanges`, JSON.stringify(body), 'application/json'),
  exchange: (councilUrl: string, token: string, id: string) => call<ExchangeView>(councilUrl, token, 'GET', `/v1/exchanges/${id}`).then((r) => r.body),
  results: (councilUrl: string, token: string, id: string) =>
    call<{ exchange_id: string; rows: { ref: string; active_service: boolean | null; district: string | null; family_id: string | null }[] }>(councilUrl, token, 'GET', `/v1/exchanges/${id}/results`).then((r) => r.body),
  resultsCsv: (councilUrl: string, token: string, id: string) => call<string>(councilUrl, token, 'GET', `/v1/exchanges/${id}/results.csv`).then((r) => r.body),
  /** POST /v1/isas (admin): records an agreement version; 201 when new, 200 when that very version was already recorded. */
  registerIsa: (url: string, token: string, doc: unknown) =>
    call<{ isa_id: string; version: number; digest: string; recorded: boolean }>(url, token, 'POST', '/v1/isas', JSON.stringify(doc), 'application/json').then((r) => r.body),
  checkpoint: (ledgerUrl: string) => call<string>(ledgerUrl, null, 'GET', '/v1/checkpoint').then((r) => r.body),
  ledgerEntries: (ledgerUrl: string, token: string, query = '') => call<{ index: number; leaf_hash: string; entry: { entry: Record<string, unknown>; key_id: string; signature: string } }[]>(ledgerUrl, token, 'GET', `/v1/entries${query}`).then((r) => r.body),
}
