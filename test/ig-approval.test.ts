/**
 * The IG approval gate through the API: an exchange under an approval-gated clause waits; the IG officer
 * approves or refuses it with a reason; an undecided one expires with the approval window (also when
 * nobody looks, by the side-car's sweep). The council picks up each outcome, each decision is a ledger
 * entry, and the held tokens are gone once decided.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { api } from '../scripts/lib/client.js'
import { adminCall, batch, candidatesCsv, clock, exchangeTrail, patientsCsv, startIsaHarness, type IsaHarness } from './isa-fixtures.js'

const clk = clock(new Date(Date.now() + 3_600_000))
let h: IsaHarness
const everyone = batch(40, 0, { active: 10, inactive: 10 })
const lists = [0, 1, 2, 3].map((i) => everyone.slice(i * 10, i * 10 + 10))

const ig = (method: 'GET' | 'POST', path: string, body?: unknown) => adminCall(h.stack.urls.sidecar, h.stack.tokens.igOfficer, method, path, body)
const status = (id: string) => api.exchange(h.stack.urls.council, h.stack.tokens.analyst, id)
async function held(id: string) {
  const list = (await ig('GET', '/v1/ig/exchanges')).body as { exchange_id: string; status: string; tokens_held: boolean; rows_received: number; reason: string | null; decided_by: string | null }[]
  return list.find((e) => e.exchange_id === id)!
}

async function sendPending(i: number): Promise<string> {
  const up = await api.upload(h.stack.urls.council, h.stack.tokens.analyst, candidatesCsv(lists[i]!))
  const ex = await api.startExchange(h.stack.urls.council, h.stack.tokens.analyst, up.body.upload_id)
  expect(ex.status).toBe(202)
  expect(ex.body.status).toBe('pending_approval')
  return ex.body.exchange_id
}

async function entriesFor(id: string) {
  return exchangeTrail(h.stack, id)
}

beforeAll(async () => {
  h = await startIsaHarness('ig_approval', { approvalRequired: true, now: clk.now, approvalSweepMs: 200 })
  await api.importIndex(h.stack.urls.sidecar, h.stack.tokens.igOfficer, patientsCsv(everyone), clk.today())
})

afterAll(async () => {
  await h?.drop()
})

describe('an approval-gated exchange', () => {
  it('waits for the trust, then is answered once the IG officer approves it', async () => {
    const id = await sendPending(0)
    expect((await status(id)).status).toBe('pending_approval')
    const pending = await held(id)
    expect(pending).toMatchObject({ status: 'pending', rows_received: 10, tokens_held: true })
    // The console's view of a pending exchange is counts and decisions: no field carries a token.
    expect(Object.keys(pending).sort()).toEqual(
      ['clause_id', 'decided_at', 'decided_by', 'error_code', 'exchange_id', 'expires_at', 'index_version_id', 'isa_digest', 'isa_id', 'party', 'reason', 'received_at', 'rows_flagged', 'rows_received', 'status', 'tokens_held'].sort(),
    )

    const ok = await ig('POST', `/v1/ig/exchanges/${id}/approve`)
    expect(ok.body).toEqual({ exchange_id: id, status: 'answered' })
    expect(await held(id)).toMatchObject({ status: 'answered', tokens_held: false, decided_by: 'ig-officer' })
    const after = await status(id)
    expect(after).toMatchObject({ status: 'answered', rows_flagged: 10 })
    const results = await api.results(h.stack.urls.council, h.stack.tokens.analyst, id)
    expect(results.rows.filter((r) => r.active_service)).toHaveLength(10)
    expect(await entriesFor(id)).toEqual(['council exchange.requested', 'trust exchange.approved', 'trust exchange.answered', 'council exchange.received'])
  })

  it('is refused with the officer’s reason, which the council shows, and its tokens are deleted', async () => {
    const id = await sendPending(1)
    const no = await ig('POST', `/v1/ig/exchanges/${id}/refuse`, { reason: 'Caldicott Guardian asked for a smaller list' })
    expect(no.body).toEqual({ exchange_id: id, status: 'refused' })
    expect(await held(id)).toMatchObject({ status: 'refused', tokens_held: false, reason: 'Caldicott Guardian asked for a smaller list' })
    const after = await status(id)
    expect(after).toMatchObject({ status: 'refused', error_code: 'REFUSED_BY_IG' })
    expect(after.error_message).toContain('Caldicott Guardian asked for a smaller list')
    expect(await entriesFor(id)).toEqual(['council exchange.requested', 'trust exchange.refused REFUSED_BY_IG'])
    await expect(api.results(h.stack.urls.council, h.stack.tokens.analyst, id)).rejects.toMatchObject({ status: 404 })
  })

  it('is collected once when the council reads it twice at the same moment', async () => {
    const up = await api.upload(h.stack.urls.council, h.stack.tokens.analyst, candidatesCsv(batch(10, 400)))
    const ex = await api.startExchange(h.stack.urls.council, h.stack.tokens.analyst, up.body.upload_id)
    const id = ex.body.exchange_id as string
    expect((await ig('POST', `/v1/ig/exchanges/${id}/approve`)).status).toBe(200)
    // Two reads (two tabs, a page and a script) that both find it pending: one receipt, one answer.
    const [a, b] = await Promise.all([status(id), status(id)])
    expect([a.status, b.status]).toEqual(['answered', 'answered'])
    expect(await entriesFor(id)).toEqual(['council exchange.requested', 'trust exchange.approved', 'trust exchange.answered', 'council exchange.received'])
  })

  it('cannot be decided twice', async () => {
    const id = await sendPending(2)
    expect((await ig('POST', `/v1/ig/exchanges/${id}/refuse`, { reason: 'Not now' })).status).toBe(200)
    const again = await ig('POST', `/v1/ig/exchanges/${id}/approve`)
    expect(again.status).toBe(409)
    expect(await held(id)).toMatchObject({ status: 'refused', tokens_held: false })
  })

  it('expires with the approval window, by the side-car’s own sweep, and the council reflects it', async () => {
    const id = await sendPending(3)
    clk.advanceDays(3.1) // past the example clause's 72-hour window
    // Nobody reads the side-car: its sweep alone must expire the exchange and record it.
    let trail: string[] = []
    for (let i = 0; i < 100 && !trail.includes('trust exchange.refused APPROVAL_EXPIRED'); i++) {
      await new Promise((r) => setTimeout(r, 100))
      trail = await entriesFor(id)
    }
    expect(trail).toEqual(['council exchange.requested', 'trust exchange.refused APPROVAL_EXPIRED'])
    expect(await held(id)).toMatchObject({ status: 'expired', tokens_held: false, decided_by: 'approval-window' })
    expect(await status(id)).toMatchObject({ status: 'refused', error_code: 'APPROVAL_EXPIRED' })
    expect((await ig('POST', `/v1/ig/exchanges/${id}/approve`)).status).toBe(409)
  })

  it('is re-checked against the agreement at approval: a suspension in the meantime refuses it', async () => {
    const up = await api.upload(h.stack.urls.council, h.stack.tokens.analyst, candidatesCsv(batch(10, 200)))
    const ex = await api.startExchange(h.stack.urls.council, h.stack.tokens.analyst, up.body.upload_id)
    const id = ex.body.exchange_id
    const at = new Date(clk.now().getTime() + 60_000).toISOString()
    expect((await adminCall(h.stack.urls.sidecar, h.stack.tokens.admin, 'POST', `/v1/isas/${h.stack.isa.id}/suspend`, { reason: 'Breach under investigation', effective_from: at })).status).toBe(201)
    clk.set(new Date(Date.parse(at) + 1000))
    const r = await ig('POST', `/v1/ig/exchanges/${id}/approve`)
    expect(r.status).toBe(403)
    expect(r.body.code).toBe('ISA_SUSPENDED')
    expect(await held(id)).toMatchObject({ status: 'refused', error_code: 'ISA_SUSPENDED', tokens_held: false })
    expect(await entriesFor(id)).toEqual(['council exchange.requested', 'trust exchange.refused ISA_SUSPENDED'])
    expect(await status(id)).toMatchObject({ status: 'refused', error_code: 'ISA_SUSPENDED' })
  })
})
