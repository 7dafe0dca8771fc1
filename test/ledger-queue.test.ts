/**
 * Ledger entries that record a committed change are queued with the change and appended from the queue: a ledger that
 * will not take them delays them, and never loses them nor undoes (or fails) the change they record. Before, the
 * side-car answered 5xx to an import or an exchange whose change had already committed, and the entry was lost.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { api } from '../scripts/lib/client.js'
import { ledgerRefuses } from './support/ledger-refusal.js'
import { until } from './support/until.js'
import { adminCall, batch, candidatesCsv, clock, exchangeTrail, ledgerEntries, patientsCsv, startIsaHarness, type IsaHarness } from './isa-fixtures.js'

let h: IsaHarness
const people = batch(12, 0)

beforeAll(async () => {
  // The side-car's sweep, which also drains its ledger queue, runs every 200 ms here.
  h = await startIsaHarness('ledger_queue', { approvalSweepMs: 200 })
})

afterAll(async () => {
  await h?.drop()
})


describe("the side-car's ledger entries", () => {
  it('are queued while the ledger refuses them, the import and the answer go through, and they are appended once it takes them', async () => {
    const restore = await ledgerRefuses(h.stack.ledger, ['exchange.answered', 'index.loaded'])
    let id: string
    let answeredBy: number
    try {
      const imported = await api.importIndex(h.stack.urls.sidecar, h.stack.tokens.igOfficer, patientsCsv(people))
      expect(imported.patients_loaded).toBe(8)
      const up = await api.upload(h.stack.urls.council, h.stack.tokens.analyst, candidatesCsv(people))
      const ex = await api.startExchange(h.stack.urls.council, h.stack.tokens.analyst, up.body.upload_id)
      expect(ex.body).toMatchObject({ status: 'answered', rows_flagged: 4 })
      id = ex.body.exchange_id as string
      answeredBy = Date.now()
      expect(await exchangeTrail(h.stack, id)).toEqual(['council exchange.requested', 'council exchange.received'])
      const queued = await h.stack.sidecar.healthflagDb.selectFrom('ledger_outbox').select(['entry', 'attempts']).orderBy('id').execute()
      expect(queued.map((q) => (JSON.parse(q.entry) as { type: string }).type)).toEqual(['index.loaded', 'exchange.answered'])
      // Tried, and kept in order: the later entry waits behind the one the ledger refused.
      expect(queued[0]!.attempts).toBeGreaterThanOrEqual(1)
    } finally {
      await restore()
    }
    const trail = await until('the queued answer in the ledger', async () => {
      const t = await exchangeTrail(h.stack, id)
      return t.length === 3 ? t : undefined
    })
    expect(trail).toEqual(['council exchange.requested', 'council exchange.received', 'trust exchange.answered'])
    const entries = await ledgerEntries(h.stack, '?limit=5000')
    const answered = entries.find((e) => e.entry.exchange_id === id && e.entry.type === 'exchange.answered')!
    // It carries the time of the answer, not of the append.
    expect(Date.parse(answered.entry.at as string)).toBeLessThanOrEqual(answeredBy)
    expect(entries.filter((e) => e.entry.type === 'index.loaded')).toHaveLength(1)
    // The queue row goes once the append has returned, which is after the ledger stored the entry and proved it holds it.
    await until('the side-car ledger queue to empty', async () => ((await h.stack.sidecar.healthflagDb.selectFrom('ledger_outbox').select('id').execute()).length === 0 ? true : undefined))
  })
})

describe("the council's ledger entries", () => {
  const clk = clock(new Date(Date.now() + 60_000))
  let c: IsaHarness

  beforeAll(async () => {
    // The council drains its ledger queue with each scheduled run, every 300 ms here.
    c = await startIsaHarness('ledger_queue_council', { now: clk.now, retentionSweepMs: 300 })
    await api.importIndex(c.stack.urls.sidecar, c.stack.tokens.igOfficer, patientsCsv(people), clk.today())
  })

  afterAll(async () => {
    await c?.drop()
  })

  it('are queued while the ledger refuses them, the answer is stored and the purge done, and they are appended once it takes them', async () => {
    const restore = await ledgerRefuses(c.stack.ledger, ['exchange.received', 'data.purged'])
    let id: string
    try {
      const up = await api.upload(c.stack.urls.council, c.stack.tokens.analyst, candidatesCsv(people))
      const ex = await api.startExchange(c.stack.urls.council, c.stack.tokens.analyst, up.body.upload_id)
      expect(ex.body).toMatchObject({ status: 'answered', rows_flagged: 4 })
      id = ex.body.exchange_id as string
      expect((await api.results(c.stack.urls.council, c.stack.tokens.analyst, id)).rows).toHaveLength(12)
      clk.advanceDays(366) // past the example clause's 365-day retention
      // Purged by this request or by the scheduled run, whichever comes first: once, either way.
      expect((await adminCall(c.stack.urls.council, c.stack.tokens.admin, 'POST', '/v1/admin/purge')).status).toBe(200)
      await expect(api.results(c.stack.urls.council, c.stack.tokens.analyst, id)).rejects.toMatchObject({ status: 404 })
      expect(await exchangeTrail(c.stack, id)).toEqual(['council exchange.requested', 'trust exchange.answered'])
      const queued = await c.stack.council.healthflagDb.selectFrom('ledger_outbox').select('entry').orderBy('id').execute()
      expect(queued.map((q) => (JSON.parse(q.entry) as { type: string }).type)).toEqual(['exchange.received', 'data.purged'])
    } finally {
      await restore()
    }
    const trail = await until('the queued receipt and purge in the ledger', async () => {
      const t = await exchangeTrail(c.stack, id)
      return t.length === 4 ? t : undefined
    })
    expect(trail).toEqual(['council exchange.requested', 'trust exchange.answered', 'council exchange.received', 'council data.purged retention period ended'])
    await until('the council ledger queue to empty', async () => ((await c.stack.council.healthflagDb.selectFrom('ledger_outbox').select('id').execute()).length === 0 ? true : undefined))
  })
})
