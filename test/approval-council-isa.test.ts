/**
 * An exchange that waits for the trust's IG approval is collected by the council only while the agreement it was sent
 * under is still the one in effect on the council's side. Suspended or varied on the council's side while the trust
 * decided (the trust not yet told), the trust approves and answers, and the council does not collect the answer: the
 * exchange is refused with the agreement's code, no flag is stored, and the council's refusal is in the ledger.
 */
import { sql } from 'kysely'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { api } from '../scripts/lib/client.js'
import { adminCall, batch, candidatesCsv, clock, exchangeTrail, patientsCsv, startIsaHarness, type IsaHarness } from './isa-fixtures.js'

const clk = clock(new Date(Date.now() + 3_600_000))
let h: IsaHarness
const everyone = batch(20, 0, { active: 20 })

beforeAll(async () => {
  h = await startIsaHarness('approval_council_isa', { approvalRequired: true, now: clk.now })
  await api.importIndex(h.stack.urls.sidecar, h.stack.tokens.igOfficer, patientsCsv(everyone), clk.today())
})

afterAll(async () => {
  await h?.drop()
})

async function sendPending(people: typeof everyone): Promise<string> {
  const up = await api.upload(h.stack.urls.council, h.stack.tokens.analyst, candidatesCsv(people))
  const ex = await api.startExchange(h.stack.urls.council, h.stack.tokens.analyst, up.body.upload_id)
  expect(ex.body.status).toBe('pending_approval')
  return ex.body.exchange_id
}

/** The trust approves (its agreement unchanged) and answers. */
async function approve(id: string): Promise<void> {
  expect(await adminCall(h.stack.urls.sidecar, h.stack.tokens.igOfficer, 'POST', `/v1/ig/exchanges/${id}/approve`)).toMatchObject({ status: 200, body: { status: 'answered' } })
}

async function expectNotCollected(id: string, code: string): Promise<void> {
  const e = await api.exchange(h.stack.urls.council, h.stack.tokens.analyst, id)
  expect(e).toMatchObject({ status: 'refused', error_code: code, rows_flagged: null })
  expect(e.error_message).toContain("The trust's answer was not collected")
  await expect(api.results(h.stack.urls.council, h.stack.tokens.analyst, id)).rejects.toMatchObject({ status: 404 })
  const stored = await sql<{ n: number }>`select count(*)::int as n from exchange_row where exchange_id = ${id} and active is not null`.execute(h.stack.council.healthflagDb)
  expect(stored.rows[0]!.n).toBe(0)
  expect(await exchangeTrail(h.stack, id)).toEqual(['council exchange.requested', 'trust exchange.approved', 'trust exchange.answered', `council exchange.refused ${code}`])
}

describe('collecting an approved answer', () => {
  it('does not collect it once the council has varied the agreement', async () => {
    const id = await sendPending(everyone.slice(0, 10))
    const at = new Date(clk.now().getTime() + 60_000)
    const varied = await adminCall(h.stack.urls.council, h.stack.tokens.admin, 'POST', `/v1/isas/${h.stack.isa.id}/variations`, { changes: { review_date: '2027-02-01' }, effective_from: at.toISOString() })
    expect(varied.status, JSON.stringify(varied.body)).toBe(201)
    clk.set(new Date(at.getTime() + 1000))
    await approve(id)
    await expectNotCollected(id, 'ISA_DIGEST_MISMATCH')
    // The trust registers the variation too, as it would; both sides are under the same version again.
    const versions = (await adminCall(h.stack.urls.council, h.stack.tokens.admin, 'GET', `/v1/isas/${h.stack.isa.id}/versions`)).body as { doc: unknown }[]
    expect((await adminCall(h.stack.urls.sidecar, h.stack.tokens.admin, 'POST', '/v1/isas', versions.at(-1)!.doc)).status).toBe(201)
  })

  it('does not collect it once the council has suspended the agreement', async () => {
    const id = await sendPending(everyone.slice(10, 20))
    const at = new Date(clk.now().getTime() + 60_000)
    expect((await adminCall(h.stack.urls.council, h.stack.tokens.admin, 'POST', `/v1/isas/${h.stack.isa.id}/suspend`, { reason: 'Breach under investigation', effective_from: at.toISOString() })).status).toBe(201)
    clk.set(new Date(at.getTime() + 1000))
    await approve(id)
    await expectNotCollected(id, 'ISA_SUSPENDED')
  })
})
