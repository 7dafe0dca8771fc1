/**
 * The demo and the end-to-end stacks run on the example agreement, whose own dates end (review 2027-03-01, valid to
 * 2027-03-31). Past them the stacks run it as renewed (renewedFor), so `npm run demo` and the suite do not start
 * failing on a date; an agreement that has lapsed is still refused wherever one is registered as lapsed
 * (test/isa-checks.test.ts).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { isaDigest, loadExampleIsa } from '@healthflag/isa'
import { api } from '../scripts/lib/client.js'
import { batch, candidatesCsv, clock, ledgerEntries, patientsCsv, startIsaHarness, type IsaHarness } from './isa-fixtures.js'

const example = loadExampleIsa()
const people = batch(12, 0, { active: 4, inactive: 4 })

describe('a stack started after the example agreement has ended', () => {
  // sixty days past the example's end, or now if that is later
  const clk = clock(new Date(Math.max(Date.parse(`${example.valid_to}T12:00:00Z`) + 60 * 86_400_000, Date.now() + 60_000)))
  let h: IsaHarness

  beforeAll(async () => {
    h = await startIsaHarness('isa_calendar', { now: clk.now })
  })
  afterAll(async () => {
    await h?.drop()
  })

  it('runs the example as renewed: review a year after the start, valid 30 days beyond', () => {
    expect(clk.today() > example.valid_to).toBe(true)
    const year = new Date(Date.parse(`${clk.today()}T00:00:00Z`) + 365 * 86_400_000).toISOString().slice(0, 10)
    expect(h.stack.isa.review_date).toBe(year)
    expect(Date.parse(h.stack.isa.valid_to) - Date.parse(h.stack.isa.review_date)).toBe(30 * 86_400_000)
    expect(h.stack.isa.clauses).toEqual(example.clauses)
  })

  it('answers an exchange, and the ledger records it under the renewed agreement', async () => {
    await api.importIndex(h.stack.urls.sidecar, h.stack.tokens.igOfficer, patientsCsv(people), clk.today())
    const up = await api.upload(h.stack.urls.council, h.stack.tokens.analyst, candidatesCsv(people))
    const ex = await api.startExchange(h.stack.urls.council, h.stack.tokens.analyst, up.body.upload_id)
    expect(ex.body).toMatchObject({ status: 'answered', rows_sent: 12, rows_flagged: 4 })
    const requested = (await ledgerEntries(h.stack, '?type=exchange.requested')).filter((e) => e.entry.exchange_id === ex.body.exchange_id)
    expect(requested.map((e) => e.entry.isa_digest)).toEqual([isaDigest(h.stack.isa)])
  })
})
