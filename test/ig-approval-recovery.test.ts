/**
 * An approval that cannot finish leaves the exchange decidable: when the ledger will not take the approval, or the
 * process that claimed the exchange stopped, the exchange stays pending with its tokens held until an officer
 * decides it again or the approval window expires it — never stuck, claimed by nobody, with its tokens kept.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { api } from '../scripts/lib/client.js'
import { ledgerRefuses } from './support/ledger-refusal.js'
import { adminCall, batch, candidatesCsv, clock, patientsCsv, startIsaHarness, type IsaHarness } from './isa-fixtures.js'

const clk = clock(new Date(Date.now() + 3_600_000))
let h: IsaHarness

const ig = (method: 'GET' | 'POST', path: string, body?: unknown) => adminCall(h.stack.urls.sidecar, h.stack.tokens.igOfficer, method, path, body)
async function held(id: string) {
  const list = (await ig('GET', '/v1/ig/exchanges')).body as { exchange_id: string; status: string; tokens_held: boolean; decided_by: string | null }[]
  return list.find((e) => e.exchange_id === id)!
}
async function sendPending(offset: number): Promise<string> {
  const up = await api.upload(h.stack.urls.council, h.stack.tokens.analyst, candidatesCsv(batch(10, offset)))
  const ex = await api.startExchange(h.stack.urls.council, h.stack.tokens.analyst, up.body.upload_id)
  expect(ex.body.status).toBe('pending_approval')
  return ex.body.exchange_id as string
}

beforeAll(async () => {
  h = await startIsaHarness('ig_recovery', { approvalRequired: true, now: clk.now })
  await api.importIndex(h.stack.urls.sidecar, h.stack.tokens.igOfficer, patientsCsv(batch(40, 0)), clk.today())
})

afterAll(async () => {
  await h?.drop()
})

describe('an approval that cannot finish', () => {
  it('stays pending, and can be approved again, when the ledger will not take the approval', async () => {
    const id = await sendPending(0)
    const restore = await ledgerRefuses(h.stack.ledger, ['exchange.approved'])
    try {
      expect((await ig('POST', `/v1/ig/exchanges/${id}/approve`)).status).toBeGreaterThanOrEqual(500)
    } finally {
      await restore()
    }
    expect(await held(id)).toMatchObject({ status: 'pending', tokens_held: true, decided_by: null })
    expect((await ig('POST', `/v1/ig/exchanges/${id}/approve`)).body).toEqual({ exchange_id: id, status: 'answered' })
    expect(await held(id)).toMatchObject({ status: 'answered', tokens_held: false })
  })

  it('is released for a decision once a claim left by a stopped process is ten minutes old, and not before', async () => {
    const id = await sendPending(10)
    // An approval whose process stopped after claiming the exchange, nine and then eleven minutes ago.
    const claimed = (minutes: number) =>
      h.stack.sidecar.healthflagDb.updateTable('exchange').set({ decided_by: 'ig-officer', decided_at: new Date(clk.now().getTime() - minutes * 60_000) }).where('id', '=', id).execute()
    await claimed(9)
    expect((await ig('POST', `/v1/ig/exchanges/${id}/approve`)).status).toBe(409)
    await claimed(11)
    expect(await held(id)).toMatchObject({ status: 'pending', tokens_held: true, decided_by: null })
    expect((await ig('POST', `/v1/ig/exchanges/${id}/approve`)).body).toEqual({ exchange_id: id, status: 'answered' })
  })

  it('stays pending when no current index is loaded at approval, and is answered once one is', async () => {
    // An index one day short of the oldest the clause allows, which passes its limit while the exchange waits.
    const maxAge = h.stack.isa.clauses[0]!.active_definition.max_index_age_days
    const old = new Date(clk.now().getTime() - (maxAge - 1) * 86_400_000).toISOString().slice(0, 10)
    await api.importIndex(h.stack.urls.sidecar, h.stack.tokens.igOfficer, patientsCsv(batch(40, 0)), old)
    const id = await sendPending(20)
    clk.advanceDays(2)
    const r = await ig('POST', `/v1/ig/exchanges/${id}/approve`)
    expect(r.body.code).toBe('INDEX_TOO_OLD')
    expect(await held(id)).toMatchObject({ status: 'pending', tokens_held: true, decided_by: null })
    await api.importIndex(h.stack.urls.sidecar, h.stack.tokens.igOfficer, patientsCsv(batch(40, 0)), clk.today())
    expect((await ig('POST', `/v1/ig/exchanges/${id}/approve`)).body).toEqual({ exchange_id: id, status: 'answered' })
  })

  it('is unknown to an analyst of another district, whose read asks the trust nothing about it', async () => {
    const id = await sendPending(30) // rows of Stafford
    const asked = async () => Number((await h.stack.sidecar.healthflagDb.selectFrom('seen_nonce').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow()).n)
    const before = await asked()
    await expect(api.exchange(h.stack.urls.council, h.stack.tokens.districtAnalyst('Tamworth'), id)).rejects.toMatchObject({ status: 404 })
    expect(await asked()).toBe(before)
    expect(await api.exchange(h.stack.urls.council, h.stack.tokens.districtAnalyst('Stafford'), id)).toMatchObject({ status: 'pending_approval' })
    expect(await asked()).toBe(before + 1)
  })
})

