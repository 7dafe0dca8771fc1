/**
 * Retention: the council purges candidate personal data and results once the clause's retention period
 * has passed since the upload was last used — on an admin's request and by its scheduled job — and each
 * purge is a `data.purged` ledger entry with counts.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { api } from '../scripts/lib/client.js'
import { adminCall, batch, candidatesCsv, clock, ledgerEntries, patientsCsv, startIsaHarness, type IsaHarness } from './isa-fixtures.js'

const people = batch(12, 0, { active: 4, inactive: 4 })
const later = batch(10, 40, { active: 2, inactive: 2 })

async function sendAll(h: IsaHarness, csv: string): Promise<{ upload: string; exchange: string }> {
  const up = await api.upload(h.stack.urls.council, h.stack.tokens.analyst, csv)
  const ex = await api.startExchange(h.stack.urls.council, h.stack.tokens.analyst, up.body.upload_id)
  expect(ex.body.status).toBe('answered')
  return { upload: up.body.upload_id, exchange: ex.body.exchange_id }
}

describe('the admin purge', () => {
  const clk = clock(new Date(Date.now() + 60_000))
  let h: IsaHarness
  let sent: { upload: string; exchange: string }

  beforeAll(async () => {
    h = await startIsaHarness('retention_admin', { now: clk.now })
    await api.importIndex(h.stack.urls.sidecar, h.stack.tokens.igOfficer, patientsCsv([...people, ...later]), clk.today())
    sent = await sendAll(h, candidatesCsv(people))
  })
  afterAll(async () => {
    await h?.drop()
  })

  const purge = () => adminCall(h.stack.urls.council, h.stack.tokens.admin, 'POST', '/v1/admin/purge')

  it('keeps everything within the clause’s retention period', async () => {
    clk.advanceDays(364)
    expect((await purge()).body).toEqual({ uploads_purged: 0, candidates_deleted: 0, results_deleted: 0 })
    expect((await api.results(h.stack.urls.council, h.stack.tokens.analyst, sent.exchange)).rows).toHaveLength(12)
  })

  it('purges candidates and results after it, records data.purged, and keeps the exchange’s counts', async () => {
    clk.advanceDays(2) // 366 days after the exchange; the example clause keeps data 365 days
    expect((await purge()).body).toEqual({ uploads_purged: 1, candidates_deleted: 12, results_deleted: 12 })
    await expect(api.results(h.stack.urls.council, h.stack.tokens.analyst, sent.exchange)).rejects.toMatchObject({ status: 404 })
    await expect(api.resultsCsv(h.stack.urls.council, h.stack.tokens.analyst, sent.exchange)).rejects.toMatchObject({ status: 404 })
    expect((await adminCall(h.stack.urls.council, h.stack.tokens.analyst, 'GET', `/v1/uploads/${sent.upload}`)).status).toBe(404)
    expect(await api.exchange(h.stack.urls.council, h.stack.tokens.analyst, sent.exchange)).toMatchObject({ status: 'answered', rows_sent: 12, rows_flagged: 4 })
    const purged = await ledgerEntries(h.stack, '?type=data.purged')
    expect(purged).toHaveLength(1)
    expect(purged[0]!.entry).toMatchObject({ party: 'council', exchange_id: sent.exchange, counts: { candidates: 12, results: 12, exchanges: 1, retention_days: 365 } })
    expect((await purge()).body.uploads_purged).toBe(0)
  })

  it('accepts the same file again after a purge, as a new upload', async () => {
    const again = await api.upload(h.stack.urls.council, h.stack.tokens.analyst, candidatesCsv(people))
    expect(again.status).toBe(201)
    expect(again.body.upload_id).not.toBe(sent.upload)
  })

  it('is an admin action only', async () => {
    expect((await adminCall(h.stack.urls.council, h.stack.tokens.analyst, 'POST', '/v1/admin/purge')).status).toBe(404)
  })
})

describe('the scheduled purge', () => {
  const clk = clock(new Date(Date.now() + 60_000))
  let h: IsaHarness

  beforeAll(async () => {
    h = await startIsaHarness('retention_job', { now: clk.now, retentionSweepMs: 100 })
    await api.importIndex(h.stack.urls.sidecar, h.stack.tokens.igOfficer, patientsCsv(later), clk.today())
  })
  afterAll(async () => {
    await h?.drop()
  })

  it('purges without anyone asking once the retention period has passed', async () => {
    const sent = await sendAll(h, candidatesCsv(later))
    // Give the job a few runs inside the period: nothing may go.
    await new Promise((r) => setTimeout(r, 400))
    expect((await api.results(h.stack.urls.council, h.stack.tokens.analyst, sent.exchange)).rows).toHaveLength(10)
    clk.advanceDays(366)
    let purged: Awaited<ReturnType<typeof ledgerEntries>> = []
    for (let i = 0; i < 100 && purged.length === 0; i++) {
      await new Promise((r) => setTimeout(r, 100))
      purged = await ledgerEntries(h.stack, '?type=data.purged')
    }
    expect(purged.map((e) => e.entry.counts)).toEqual([{ candidates: 10, results: 10, exchanges: 1, retention_days: 365 }])
    await expect(api.results(h.stack.urls.council, h.stack.tokens.analyst, sent.exchange)).rejects.toMatchObject({ status: 404 })
  })
})

describe('two purges at the same moment', () => {
  const clk = clock(new Date(Date.now() + 60_000))
  let h: IsaHarness

  beforeAll(async () => {
    h = await startIsaHarness('retention_twice', { now: clk.now })
    await api.importIndex(h.stack.urls.sidecar, h.stack.tokens.igOfficer, patientsCsv(people), clk.today())
  })
  afterAll(async () => {
    await h?.drop()
  })

  it('purge an upload once and record it once', async () => {
    const sent = await sendAll(h, candidatesCsv(people))
    clk.advanceDays(366)
    const purge = () => adminCall(h.stack.urls.council, h.stack.tokens.admin, 'POST', '/v1/admin/purge')
    const reports = await Promise.all([purge(), purge(), purge(), purge()])
    expect(reports.map((r) => r.status)).toEqual([200, 200, 200, 200])
    expect(reports.reduce((n, r) => n + (r.body as { uploads_purged: number }).uploads_purged, 0)).toBe(1)
    const purged = (await ledgerEntries(h.stack, '?type=data.purged')).filter((e) => e.entry.exchange_id === sent.exchange)
    expect(purged).toHaveLength(1)
  })
})
