/** Progress of the index import running in this process (rows/s, ETA), for GET routes, the console and the CLI. */

export interface ImportStatus {
  version_id: number | null
  state: 'loading' | 'swapping' | 'live' | 'failed'
  bytes_read: number
  /** null when the source's size is unknown (a stream without a length) */
  bytes_total: number | null
  rows_read: number
  patients_loaded: number
  rows_rejected: number
  rows_per_second: number
  /** seconds left at the current byte rate; null when the size is unknown */
  eta_seconds: number | null
  started_at: string
  finished_at: string | null
}

const latest = new WeakMap<object, ImportStatus>()

/** The latest import status seen for this side-car database handle (kept after it ends until the next starts). */
export function importStatus(key: object): ImportStatus | undefined {
  const s = latest.get(key)
  return s ? { ...s } : undefined
}

export class ProgressTracker {
  readonly status: ImportStatus
  private readonly t0 = performance.now()

  constructor(
    key: object,
    bytesTotal: number | null,
    private readonly onProgress?: (s: ImportStatus) => void,
  ) {
    this.status = {
      version_id: null,
      state: 'loading',
      bytes_read: 0,
      bytes_total: bytesTotal,
      rows_read: 0,
      patients_loaded: 0,
      rows_rejected: 0,
      rows_per_second: 0,
      eta_seconds: null,
      started_at: new Date().toISOString(),
      finished_at: null,
    }
    latest.set(key, this.status)
  }

  /** Seconds since the import started. */
  elapsed(): number {
    return (performance.now() - this.t0) / 1000
  }

  update(change: Partial<Pick<ImportStatus, 'version_id' | 'state' | 'rows_read' | 'patients_loaded' | 'rows_rejected' | 'bytes_read'>>): void {
    Object.assign(this.status, change)
    const s = this.elapsed()
    this.status.rows_per_second = s > 0 ? Math.round(this.status.rows_read / s) : 0
    const total = this.status.bytes_total
    this.status.eta_seconds =
      total !== null && this.status.bytes_read > 0 && this.status.state === 'loading' ? Math.max(0, Math.round(((total - this.status.bytes_read) * s) / this.status.bytes_read)) : null
    if (change.state === 'live' || change.state === 'failed') this.status.finished_at = new Date().toISOString()
    this.onProgress?.({ ...this.status })
  }
}
