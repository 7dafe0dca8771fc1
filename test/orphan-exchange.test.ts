/**
 * An exchange a stopped council process left `sending`: it stopped after storing the exchange and sending it, before
 * storing what the trust said. The trust keeps every answer it gave, so the council collects it (when the exchange is
 * read, and with its scheduled sweep) once the request's own time limit has certainly passed; one the trust never
 * received is marked failed. The stopped process is stood in for by setting the council's row back to `sending`
 * while the side-car holds the exchange for IG approval: the state the council is in when it stops between the
 * side-car's reply and recording it.
 */
import { randomUUID } from 'node:crypto'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { api } from '../scripts/lib/client.js'
import { adminCall, batch, candidatesCsv, clock, exchangeTrail, patientsCsv, sendUpload, startIsaHarness, type IsaHarness } from './isa-fixtures.js'

const everyone = batch(60, 0, { active: 20, inactive: 20 })
const lists = [0, 1, 2, 3, 4, 5].map((i) => everyone.slice(i * 10, i * 10 + 10))
const SIX_MINUTES = 6 * 60_000

/** Sends list `i` (held by the trust for approval) and leaves the council's row as a process stopping there would. */
async function sendAndStop(h: IsaHarness, i: number): Promise<{ id: string; upload: string }> {
  const up = await api.upload(h.stack.urls.council, h.stack.tokens.analyst, candidatesCsv(lists[i]!))
  const ex = await api.startExchange(h.stack.urls.council, h.stack.tokens.analyst, up.body.upload_id)
  expect(ex.body.status).toBe('pending_approval')
  await h.stack.council.healthflagDb.updateTable('exchange').set({ status: 'sending' }).where('id', '=', ex.body.exchange_id).execute()
  return { id: ex.body.exchange_id, upload: up.body.upload_id }
}

/** An exchange the council stored and never got to send. */
async function storedNotSent(h: IsaHarness, uploadId: string, at: Date): Promise<string> {
  const id = randomUUID()
  const isa = h.stack.isa
  const { digest } = (await adminCall(h.stack.urls.council, h.stack.tokens.admin, 'GET', `/v1/isas/${isa.id}/versions`)).body.at(-1) as { digest: string }
  await h.stack.council.healthflagDb
    .insertInto('exchange')
    .values({ id, upload_id: uploadId, isa_id: isa.id, isa_version: isa.version, isa_digest: digest, clause_id: isa.clauses[0]!.id, status: 'sending', epoch: 1, key_kcv: 'AAAAAAAAAAA', rows_sent: 10, requested_by: 'central-analyst', request_digest: 'ab'.repeat(32), created_at: at })
    .execute()
  return id
}

describe('an exchange left sending, collected when it is read', () => {
  const clk = clock(new Date(Date.now() + 3_600_000))
  let h: IsaHarness
  const ig = (path: string) => adminCall(h.stack.urls.sidecar, h.stack.tokens.igOfficer, 'POST', path)
  const status = (id: string) => api.exchange(h.stack.urls.council, h.stack.tokens.analyst, id)

  beforeAll(async () => {
    h = await startIsaHarness('orphan', { approvalRequired: true, now: clk.now })
    await api.importIndex(h.stack.urls.sidecar, h.stack.tokens.igOfficer, patientsCsv(everyone), clk.today())
  })
  afterAll(async () => {
    await h?.drop()
  })

  it('gets the answer the trust gave, once the request could no longer be under way, and records its receipt once', async () => {
    const { id } = await sendAndStop(h, 0)
    expect((await ig(`/v1/ig/exchanges/${id}/approve`)).body).toEqual({ exchange_id: id, status: 'answered' })
    // Too young to be taken for a stopped process's: a live one may still be storing the answer.
    expect((await status(id)).status).toBe('sending')
    clk.set(new Date(clk.now().getTime() + SIX_MINUTES))
    expect(await status(id)).toMatchObject({ status: 'answered', rows_flagged: 10 })
    const results = await api.results(h.stack.urls.council, h.stack.tokens.analyst, id)
    expect(results.rows.filter((r) => r.active_service)).toHaveLength(10)
    expect(await status(id)).toMatchObject({ status: 'answered' })
    expect(await exchangeTrail(h.stack, id)).toEqual(['council exchange.requested', 'trust exchange.approved', 'trust exchange.answered', 'council exchange.received'])
  })

  it('waits for the trust again when the trust still holds it for approval', async () => {
    const { id } = await sendAndStop(h, 1)
    clk.set(new Date(clk.now().getTime() + SIX_MINUTES))
    expect((await status(id)).status).toBe('pending_approval')
    expect((await ig(`/v1/ig/exchanges/${id}/approve`)).status).toBe(200)
    expect(await status(id)).toMatchObject({ status: 'answered', rows_flagged: 10 })
  })

  it('is what a repeat with its Idempotency-Key gets, once collected, rather than a second exchange', async () => {
    const up = await api.upload(h.stack.urls.council, h.stack.tokens.analyst, candidatesCsv(lists[4]!))
    const key = randomUUID()
    const post = () => sendUpload(h.stack, up.body.upload_id, { key })
    const first = await post()
    expect(first.status).toBe(202)
    const firstId = first.body.exchange_id!
    await h.stack.council.healthflagDb.updateTable('exchange').set({ status: 'sending' }).where('id', '=', firstId).execute()
    expect((await ig(`/v1/ig/exchanges/${firstId}/approve`)).status).toBe(200)
    // While the first could still be under way: refused, nothing sent.
    expect((await post()).body.code).toBe('IDEMPOTENCY_KEY_IN_USE')
    clk.set(new Date(clk.now().getTime() + SIX_MINUTES))
    const again = await post()
    expect([again.status, again.replayed, again.body.exchange_id, again.body.status]).toEqual([200, 'true', firstId, 'answered'])
    const list = (await adminCall(h.stack.urls.council, h.stack.tokens.analyst, 'GET', '/v1/exchanges')).body as { upload_id: string }[]
    expect(list.filter((e) => e.upload_id === up.body.upload_id)).toHaveLength(1)
  })

  it('is marked failed, saying why, when the trust never received it', async () => {
    const { upload } = await sendAndStop(h, 2)
    const id = await storedNotSent(h, upload, clk.now())
    expect((await status(id)).status).toBe('sending')
    clk.set(new Date(clk.now().getTime() + SIX_MINUTES))
    const after = await status(id)
    expect(after).toMatchObject({ status: 'failed', error_code: 'INTERNAL' })
    expect(after.error_message).toMatch(/no record of receiving it.*Start a new exchange/)
    expect(await exchangeTrail(h.stack, id)).toEqual([])
  })
})

describe('an exchange left sending, collected by the council on its own', () => {
  const clk = clock(new Date(Date.now() + 3_600_000))
  let h: IsaHarness
  beforeAll(async () => {
    h = await startIsaHarness('orphan_sweep', { approvalRequired: true, now: clk.now, retentionSweepMs: 200 })
    await api.importIndex(h.stack.urls.sidecar, h.stack.tokens.igOfficer, patientsCsv(everyone), clk.today())
  })
  afterAll(async () => {
    await h?.drop()
  })

  it('with its scheduled sweep, without anyone reading it', async () => {
    const { id } = await sendAndStop(h, 3)
    expect((await adminCall(h.stack.urls.sidecar, h.stack.tokens.igOfficer, 'POST', `/v1/ig/exchanges/${id}/approve`)).status).toBe(200)
    const notSent = await storedNotSent(h, (await h.stack.council.healthflagDb.selectFrom('exchange').select('upload_id').where('id', '=', id).executeTakeFirstOrThrow()).upload_id, clk.now())
    const statusOf = async (x: string) => (await h.stack.council.healthflagDb.selectFrom('exchange').select('status').where('id', '=', x).executeTakeFirstOrThrow()).status as string
    await new Promise((r) => setTimeout(r, 600))
    expect([await statusOf(id), await statusOf(notSent)]).toEqual(['sending', 'sending'])
    clk.set(new Date(clk.now().getTime() + SIX_MINUTES))
    await expect.poll(() => statusOf(id), { timeout: 10_000 }).toBe('answered')
    await expect.poll(() => statusOf(notSent), { timeout: 10_000 }).toBe('failed')
  })
})
