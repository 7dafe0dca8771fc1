/**
 * The side-car's own frequency limit holds when requests arrive together: an exchange counts the clause's recent
 * exchanges and takes its place among them in one step, under a per-clause lock, before it is matched. Before, each
 * request counted, matched (slowly), and only then stored its exchange, so N + 2 requests sent at once were all
 * answered under a clause allowing N. A request that fails after taking its place gives it back. Real services over
 * HTTP; requests signed with the council's key go straight to the side-car (the council's own count is not under test).
 */
import { sql, type Kysely } from 'kysely'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { api } from '../scripts/lib/client.js'
import { adminCall, batch, clock, ledgerEntries, limitedIsa, patientsCsv, startIsaHarness, type IsaHarness } from './isa-fixtures.js'
import { asCouncil, exchangeRequest, sidecarIsa, type SidecarReply } from './support/sidecar-requests.js'

const clk = clock(new Date(Date.now() + 3_600_000))
let h: IsaHarness
let kcv: string
const MAX = 3
const ROWS = 1_000

const db = () => h.stack.sidecar.healthflagDb as Kysely<any>
const outcome = (r: SidecarReply) => (r.status === 200 ? 'answered' : `${r.status} ${r.body.code}`)
/**
 * `n` requests sent at the same moment. Of county-list size (ROWS rows), so that matching and storing an answer takes
 * long enough for the others to arrive meanwhile, as they do in production.
 */
const send = async (n: number, rows = ROWS) => {
  const doc = await sidecarIsa(h.stack, clk.now())
  const requests = Array.from({ length: n }, () => ({ ...exchangeRequest(doc, kcv, { rows }), checkpoint }))
  return Promise.all(requests.map(async (req) => ({ req, reply: await asCouncil(h.stack, 'POST', '/v1/exchanges', req) })))
}

/**
 * The council's view of the ledger, which each of its requests carries: one it saw before the trust's latest entries,
 * as it usually is, so that the side-car asks the ledger to prove the two views are one log before it answers.
 */
let checkpoint: { size: number; root: string; note: string }

/** Each test starts with an empty window: the earlier tests' exchanges are left more than a period behind. */
function nextPeriod(): void {
  clk.advanceDays(31)
}

beforeAll(async () => {
  h = await startIsaHarness('sidecar_freq_race', { isa: limitedIsa(MAX), now: clk.now })
  const note = await api.checkpoint(h.stack.urls.ledger)
  const [, size, root] = note.split('\n')
  checkpoint = { size: Number(size), root: root!, note }
  const imported = (await api.importIndex(h.stack.urls.sidecar, h.stack.tokens.igOfficer, patientsCsv(batch(12, 0, { active: 4, inactive: 4 })), clk.today())) as unknown as { key_kcv: string }
  kcv = imported.key_kcv
})

afterAll(async () => {
  await h?.drop()
})

describe('the side-car’s frequency limit, with requests arriving together', () => {
  it('answers exactly as many as the clause allows and refuses the others with FREQUENCY_EXCEEDED', async () => {
    const sent = await send(MAX + 2)
    expect(sent.map((s) => outcome(s.reply)).sort()).toEqual([...Array(2).fill('429 FREQUENCY_EXCEEDED'), ...Array(MAX).fill('answered')])
    const stored = await db().selectFrom('exchange').select(['status']).execute()
    expect(stored.map((r) => r.status).sort()).toEqual([...Array(MAX).fill('answered'), 'refused', 'refused'])
    const entries = (await ledgerEntries(h.stack, '?limit=5000')).filter((e) => e.entry.party === 'trust' && e.entry.type.startsWith('exchange.'))
    expect(entries.map((e) => `${e.entry.type}${e.entry.reason ? ` ${e.entry.reason}` : ''}`).sort()).toEqual([...Array(MAX).fill('exchange.answered'), ...Array(2).fill('exchange.refused FREQUENCY_EXCEEDED')])

    // An answered exchange sent again is answered again, the same, and not counted twice; a new one is still refused.
    const first = sent.find((s) => s.reply.status === 200)!
    const again = await asCouncil(h.stack, 'POST', '/v1/exchanges', first.req)
    expect(again).toEqual(first.reply)
    expect((await send(1)).map((s) => outcome(s.reply))).toEqual(['429 FREQUENCY_EXCEEDED'])
  })

  it('gives back the place of a request that fails after taking it, and answers that request afresh when it is sent again', async () => {
    nextPeriod()
    // The database refuses to store any answer for a moment.
    await sql`CREATE FUNCTION refuse_answer() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RAISE EXCEPTION 'storage failed'; END $$`.execute(db())
    await sql`CREATE TRIGGER refuse_answer BEFORE INSERT OR UPDATE ON exchange FOR EACH ROW WHEN (NEW.status = 'answered') EXECUTE FUNCTION refuse_answer()`.execute(db())
    let failed
    try {
      failed = (await send(1))[0]!
      expect(failed.reply.status).toBe(500)
    } finally {
      await sql`DROP TRIGGER refuse_answer ON exchange`.execute(db())
      await sql`DROP FUNCTION refuse_answer()`.execute(db())
    }
    expect(await db().selectFrom('exchange').select('id').where('id', '=', failed.req.exchange_id).executeTakeFirst()).toBeUndefined()
    expect(outcome(await asCouncil(h.stack, 'POST', '/v1/exchanges', failed.req))).toBe('answered')
    expect((await send(MAX - 1)).map((s) => outcome(s.reply))).toEqual(Array(MAX - 1).fill('answered'))
    expect((await send(1)).map((s) => outcome(s.reply))).toEqual(['429 FREQUENCY_EXCEEDED'])
  })

  it('counts a place being answered, and stops counting one a stopped process took once the sweep finds it ten minutes old', async () => {
    nextPeriod()
    const doc = await sidecarIsa(h.stack, clk.now())
    const held = exchangeRequest(doc, kcv)
    await db()
      .insertInto('exchange')
      .values({ id: held.exchange_id, isa_id: doc.id, isa_digest: 'ab'.repeat(32), clause_id: doc.clauses[0]!.id, party: 'council', status: 'answering', rows_received: ROWS, request_digest: 'cd'.repeat(32), received_at: clk.now() })
      .execute()
    // Being answered: a read of it is told to ask again (a 5xx the council takes for "not yet"), and it counts.
    expect(await asCouncil(h.stack, 'GET', `/v1/exchanges/${held.exchange_id}`)).toMatchObject({ status: 503, body: { code: 'CONFLICT' } })
    expect((await send(MAX)).map((s) => outcome(s.reply)).sort()).toEqual(['429 FREQUENCY_EXCEEDED', ...Array(MAX - 1).fill('answered')])
    // Its process stopped: ten minutes on, the sweep (here run by the IG console's list) gives its place back.
    clk.set(new Date(clk.now().getTime() + 11 * 60_000))
    expect((await adminCall(h.stack.urls.sidecar, h.stack.tokens.igOfficer, 'GET', '/v1/ig/exchanges')).status).toBe(200)
    expect(await asCouncil(h.stack, 'GET', `/v1/exchanges/${held.exchange_id}`)).toMatchObject({ status: 404 })
    expect((await send(1)).map((s) => outcome(s.reply))).toEqual(['answered'])
  })
})
