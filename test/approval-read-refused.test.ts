/**
 * When the side-car refuses the council's signed read of a held exchange for reasons about the read, not the exchange
 * (here its replay store takes every nonce for one already seen: 409 REPLAYED_REQUEST, as a clock out of step or a key
 * rotation gives a 401), the council keeps the exchange waiting and asks again on the next read, so an answer the trust
 * gives afterwards is still collected. The replay store is made to refuse by a trigger on the side-car's own
 * `seen_nonce` table that drops every insert, which the side-car reads as "seen before".
 */
import { sql } from 'kysely'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { signedFetch } from '@healthflag/service-kit'
import { api } from '../scripts/lib/client.js'
import { adminCall, batch, candidatesCsv, clock, exchangeTrail, patientsCsv, startIsaHarness, type IsaHarness } from './isa-fixtures.js'

const clk = clock(new Date(Date.now() + 3_600_000))
let h: IsaHarness
const lists = [0, 10].map((offset) => batch(10, offset, { active: 5, inactive: 3 }))
const everyone = lists.flat()
const SIX_MINUTES = 6 * 60_000

const status = (id: string) => api.exchange(h.stack.urls.council, h.stack.tokens.analyst, id)
const approve = (id: string) => adminCall(h.stack.urls.sidecar, h.stack.tokens.igOfficer, 'POST', `/v1/ig/exchanges/${id}/approve`)

async function sendPending(i: number): Promise<string> {
  const up = await api.upload(h.stack.urls.council, h.stack.tokens.analyst, candidatesCsv(lists[i]!))
  const ex = await api.startExchange(h.stack.urls.council, h.stack.tokens.analyst, up.body.upload_id)
  expect(ex.body.status).toBe('pending_approval')
  return ex.body.exchange_id as string
}

/** Runs `f` while the side-car's replay store refuses every signed request as a repeat. */
async function whileReplayStoreRefuses(f: () => Promise<void>): Promise<void> {
  const db = h.stack.sidecar.healthflagDb
  await sql`CREATE FUNCTION drop_nonce() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RETURN NULL; END $$`.execute(db)
  await sql`CREATE TRIGGER drop_nonce BEFORE INSERT ON seen_nonce FOR EACH ROW EXECUTE FUNCTION drop_nonce()`.execute(db)
  try {
    await f()
  } finally {
    await sql`DROP TRIGGER drop_nonce ON seen_nonce`.execute(db)
    await sql`DROP FUNCTION drop_nonce()`.execute(db)
  }
}

/** The side-car's answer to a freshly signed read of the exchange, as the council would get it. */
async function sidecarRefusal(id: string): Promise<unknown> {
  return signedFetch(h.stack.urls.sidecar, { party: 'council', privateKey: h.stack.keys.council.signing.privateKey }, 'GET', `/v1/exchanges/${id}`).catch((e: unknown) => e)
}

beforeAll(async () => {
  h = await startIsaHarness('approval_read_refused', { approvalRequired: true, now: clk.now })
  await api.importIndex(h.stack.urls.sidecar, h.stack.tokens.igOfficer, patientsCsv(everyone), clk.today())
})

afterAll(async () => {
  await h?.drop()
})

describe('a held exchange whose status read the side-car does not let through', () => {
  it('stays pending approval, and is collected once the trust approves it and the reads get through again', async () => {
    const id = await sendPending(0)
    await whileReplayStoreRefuses(async () => {
      expect(await sidecarRefusal(id)).toMatchObject({ code: 'REPLAYED_REQUEST', statusCode: 409 })
      expect(await status(id)).toMatchObject({ status: 'pending_approval', error_code: null })
    })
    expect(await status(id)).toMatchObject({ status: 'pending_approval', error_code: null })
    expect((await approve(id)).body).toEqual({ exchange_id: id, status: 'answered' })
    expect(await status(id)).toMatchObject({ status: 'answered', rows_flagged: 5 })
    const results = await api.results(h.stack.urls.council, h.stack.tokens.analyst, id)
    expect(results.rows.filter((r) => r.active_service).map((r) => r.ref).sort()).toEqual(lists[0]!.slice(0, 5).map((p) => p.ref))
    expect(await exchangeTrail(h.stack, id)).toEqual(['council exchange.requested', 'trust exchange.approved', 'trust exchange.answered', 'council exchange.received'])
  })

  it('stays sending when it is one a stopped council left, and is collected once the reads get through again', async () => {
    const id = await sendPending(1)
    await h.stack.council.healthflagDb.updateTable('exchange').set({ status: 'sending' }).where('id', '=', id).execute()
    clk.set(new Date(clk.now().getTime() + SIX_MINUTES))
    await whileReplayStoreRefuses(async () => {
      expect(await status(id)).toMatchObject({ status: 'sending', error_code: null })
    })
    expect((await approve(id)).status).toBe(200)
    expect(await status(id)).toMatchObject({ status: 'answered', rows_flagged: 5 })
  })
})
