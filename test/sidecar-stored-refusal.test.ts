/**
 * A refusal the side-car stored is answered again with the code it was refused with: to the same request sent again
 * (its first status too), and to the council's signed read of the exchange (a status the council takes as the trust's
 * decision). Before, a re-sent request refused by a check (BATCH_TOO_SMALL, ISA_SUSPENDED) came back as REFUSED_BY_IG,
 * as if an IG officer had refused it, and every refusal was read back as 403. Real services over HTTP; requests signed
 * with the council's key go straight to the side-car where the council's own checks would have stopped them.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { IsaDocument } from '@healthflag/isa'
import { api } from '../scripts/lib/client.js'
import { adminCall, batch, candidatesCsv, clock, exchangeTrail, patientsCsv, startIsaHarness, type IsaHarness, unhinderedIsa } from './isa-fixtures.js'
import { asCouncil, exchangeRequest, sidecarIsa } from './support/sidecar-requests.js'

const clk = clock(new Date(Date.now() + 3_600_000))
let h: IsaHarness
const everyone = batch(12, 0, { active: 4, inactive: 4 })
const SIX_MINUTES = 6 * 60_000

const base = unhinderedIsa

beforeAll(async () => {
  h = await startIsaHarness('stored_refusal', { isa: base, now: clk.now })
})

afterAll(async () => {
  await h?.drop()
})

describe('a refusal answered again', () => {
  it('answers a re-sent request refused for its batch size with BATCH_TOO_SMALL (422), not REFUSED_BY_IG, and records the refusal once', async () => {
    const req = exchangeRequest(await sidecarIsa(h.stack, clk.now()), 'ffffffffffffffff', { rows: 3 })
    const first = await asCouncil(h.stack, 'POST', '/v1/exchanges', req)
    expect(first).toMatchObject({ status: 422, body: { code: 'BATCH_TOO_SMALL' } })
    const again = await asCouncil(h.stack, 'POST', '/v1/exchanges', req)
    expect(again).toMatchObject({ status: 422, body: { code: 'BATCH_TOO_SMALL', message: first.body.message } })
    // Read back by the council, with its own status: a 4xx the council takes as the trust's decision.
    expect(await asCouncil(h.stack, 'GET', `/v1/exchanges/${req.exchange_id}`)).toMatchObject({ status: 422, body: { code: 'BATCH_TOO_SMALL' } })
    expect(await exchangeTrail(h.stack, req.exchange_id)).toEqual(['trust exchange.refused BATCH_TOO_SMALL'])
  })

  it('answers a request refused while no index was loaded with INDEX_NOT_LOADED (503) again, and a read of it with 410 carrying that code', async () => {
    const req = exchangeRequest(await sidecarIsa(h.stack, clk.now()), 'ffffffffffffffff')
    expect(await asCouncil(h.stack, 'POST', '/v1/exchanges', req)).toMatchObject({ status: 503, body: { code: 'INDEX_NOT_LOADED' } })
    expect(await asCouncil(h.stack, 'POST', '/v1/exchanges', req)).toMatchObject({ status: 503, body: { code: 'INDEX_NOT_LOADED' } })
    // The refusal is final (the council sends a new exchange), so the read must not say "ask again later" (5xx).
    expect(await asCouncil(h.stack, 'GET', `/v1/exchanges/${req.exchange_id}`)).toMatchObject({ status: 410, body: { code: 'INDEX_NOT_LOADED' } })
  })

  it('lets the council read a stored 5xx refusal as the trust’s decision: an exchange a stopped council left sending is marked refused with the trust’s code, not asked about for ever', async () => {
    const up = await api.upload(h.stack.urls.council, h.stack.tokens.analyst, candidatesCsv(everyone))
    await expect(api.startExchange(h.stack.urls.council, h.stack.tokens.analyst, up.body.upload_id)).rejects.toMatchObject({ status: 503, code: 'INDEX_NOT_LOADED' })
    const [sent] = await h.stack.council.healthflagDb.selectFrom('exchange').select('id').where('upload_id', '=', up.body.upload_id).execute()
    // The council process stopped before recording the trust's reply.
    await h.stack.council.healthflagDb.updateTable('exchange').set({ status: 'sending' }).where('id', '=', sent!.id).execute()
    clk.set(new Date(clk.now().getTime() + SIX_MINUTES))
    expect(await api.exchange(h.stack.urls.council, h.stack.tokens.analyst, sent!.id)).toMatchObject({ status: 'refused', error_code: 'INDEX_NOT_LOADED' })
  })

  it('answers a re-sent request refused under a suspended agreement with ISA_SUSPENDED, and a request refused for its key with KEY_MISMATCH (409)', async () => {
    const imported = await api.importIndex(h.stack.urls.sidecar, h.stack.tokens.igOfficer, patientsCsv(everyone), clk.today())
    const wrongKey = exchangeRequest(await sidecarIsa(h.stack, clk.now()), 'ffffffffffffffff')
    expect(imported).toMatchObject({ patients_loaded: 8 })
    expect(await asCouncil(h.stack, 'POST', '/v1/exchanges', wrongKey)).toMatchObject({ status: 409, body: { code: 'KEY_MISMATCH' } })
    expect(await asCouncil(h.stack, 'POST', '/v1/exchanges', wrongKey)).toMatchObject({ status: 409, body: { code: 'KEY_MISMATCH' } })
    expect(await asCouncil(h.stack, 'GET', `/v1/exchanges/${wrongKey.exchange_id}`)).toMatchObject({ status: 409, body: { code: 'KEY_MISMATCH' } })

    const at = new Date(clk.now().getTime() + 60_000)
    const s = await adminCall(h.stack.urls.sidecar, h.stack.tokens.admin, 'POST', `/v1/isas/${h.stack.isa.id}/suspend`, { reason: 'DPIA under review', effective_from: at.toISOString() })
    expect(s.status).toBe(201)
    clk.set(new Date(at.getTime() + 1000))
    const req = exchangeRequest(await sidecarIsa(h.stack, clk.now()), 'ffffffffffffffff')
    expect(await asCouncil(h.stack, 'POST', '/v1/exchanges', req)).toMatchObject({ status: 403, body: { code: 'ISA_SUSPENDED' } })
    expect(await asCouncil(h.stack, 'POST', '/v1/exchanges', req)).toMatchObject({ status: 403, body: { code: 'ISA_SUSPENDED' } })
    expect(await asCouncil(h.stack, 'GET', `/v1/exchanges/${req.exchange_id}`)).toMatchObject({ status: 403, body: { code: 'ISA_SUSPENDED' } })
    expect(await exchangeTrail(h.stack, req.exchange_id)).toEqual(['trust exchange.refused ISA_SUSPENDED'])
  })
})
