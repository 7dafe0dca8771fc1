/**
 * The demo and the end-to-end stacks run on the example agreement, whose own dates end (review 2027-03-01, valid to
 * 2027-03-31). Past them the stacks register the yearly renewing variations (`renewals`, through each service's ISA
 * registry), so `npm run demo` and the suite do not start failing on a date. A lapsed agreement is still refused
 * wherever one is registered as lapsed (test/isa-checks.test.ts).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { isaDigest, loadExampleIsa } from '@healthflag/isa'
import { api } from '../scripts/lib/client.js'
import { adminCall, batch, candidatesCsv, clock, ledgerEntries, patientsCsv, startIsaHarness, type IsaHarness } from './isa-fixtures.js'

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

  it('has the renewing variations on both sides, the last in effect, each in the ledger', async () => {
    expect(clk.today() > example.valid_to).toBe(true)
    expect(h.stack.isa.version).toBeGreaterThan(1)
    expect(h.stack.isa.review_date >= clk.today()).toBe(true)
    for (const url of [h.stack.urls.council, h.stack.urls.sidecar]) {
      const versions = (await adminCall(url, h.stack.tokens.admin, 'GET', `/v1/isas/${example.id}/versions`)).body as { version: number; digest: string }[]
      expect(versions.map((v) => v.version).sort((a, b) => a - b)).toEqual(Array.from({ length: h.stack.isa.version }, (_, i) => i + 1))
      expect(versions.find((v) => v.version === h.stack.isa.version)?.digest).toBe(isaDigest(h.stack.isa))
    }
    const recorded = (await ledgerEntries(h.stack)).filter((e) => e.entry.type.startsWith('isa.') && e.entry.isa_digest === isaDigest(h.stack.isa))
    expect(recorded.map((e) => e.entry.party).sort()).toEqual(['council', 'trust'])
  })

  it('answers an exchange under the renewed agreement', async () => {
    await api.importIndex(h.stack.urls.sidecar, h.stack.tokens.igOfficer, patientsCsv(people), clk.today())
    const up = await api.upload(h.stack.urls.council, h.stack.tokens.analyst, candidatesCsv(people))
    const ex = await api.startExchange(h.stack.urls.council, h.stack.tokens.analyst, up.body.upload_id)
    expect(ex.body).toMatchObject({ status: 'answered', rows_sent: 12, rows_flagged: 4 })
    const requested = (await ledgerEntries(h.stack, '?type=exchange.requested')).filter((e) => e.entry.exchange_id === ex.body.exchange_id)
    expect(requested.map((e) => e.entry.isa_digest)).toEqual([isaDigest(h.stack.isa)])
  })
})
