/**
 * The clause's frequency limit holds when analysts send at the same moment: the council counts the exchanges in the
 * period and claims its place among them in one step, per agreement and clause, before the list is tokenised, so
 * requests started together cannot all pass the count and all be sent. A claim that ends without anything sent lets its
 * place go. Real services over HTTP; the council's own table is written only to plant the claim of a stopped process.
 */
import { randomUUID } from 'node:crypto'
import type { Kysely } from 'kysely'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { api } from '../scripts/lib/client.js'
import { adminCall, batch, candidatesCsv, clock, ledgerEntries, limitedIsa, patientsCsv, sendUpload, startIsaHarness, type IsaHarness } from './isa-fixtures.js'

const clk = clock(new Date(Date.now() + 3_600_000))
let h: IsaHarness
/**
 * Lists long enough to be tokenised on worker threads (WORKER_THRESHOLD, 4,000 rows), as a county list is, so the
 * council waits on tokenising while other requests run: 300 people fourteen times over, under refs of each list's own,
 * so that each list is a file of its own and a new upload.
 */
const everyone = batch(300, 0, { active: 100, inactive: 100 })
const LIST = everyone.length * 14
const lists = Array.from({ length: 9 }, (_, i) => Array.from({ length: 14 }, (_, k) => everyone.map((p) => ({ ...p, ref: `L${i}-${k}-${p.ref}` }))).flat())
const MAX = 3
const SIX_MINUTES = 6 * 60_000

/** Each test starts with an empty frequency window: the earlier tests' exchanges are left more than a period behind. */
function nextPeriod(): void {
  clk.advanceDays(31)
}

async function upload(i: number): Promise<string> {
  return (await api.upload(h.stack.urls.council, h.stack.tokens.analyst, candidatesCsv(lists[i]!))).body.upload_id
}

/** Exchanges the side-car has a record of (answered, held or refused): every request that reached it. */
async function receivedBySidecar(): Promise<number> {
  const db = h.stack.sidecar.healthflagDb as Kysely<any>
  const row = await db.selectFrom('exchange').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow()
  return Number(row.n)
}

async function ledger(): Promise<string[]> {
  return (await ledgerEntries(h.stack, '?limit=5000')).map((e) => `${e.entry.party} ${e.entry.type}${e.entry.reason ? ` ${e.entry.reason}` : ''}`)
}

beforeAll(async () => {
  h = await startIsaHarness('frequency_race', {
    now: clk.now,
    isa: limitedIsa(MAX),
  })
  await api.importIndex(h.stack.urls.sidecar, h.stack.tokens.igOfficer, patientsCsv(everyone), clk.today())
})

afterAll(async () => {
  await h?.drop()
})

describe('the frequency limit, with exchanges started at the same moment', () => {
  it('sends exactly as many exchanges as the clause allows and refuses the others with FREQUENCY_EXCEEDED', async () => {
    nextPeriod()
    const uploads = await Promise.all([0, 1, 2, 3, 4].map(upload))
    const ledgerBefore = (await ledger()).length
    const receivedBefore = await receivedBySidecar()
    const answers = await Promise.all(uploads.map((id) => sendUpload(h.stack, id)))
    const outcome = answers.map((a) => (a.status === 200 ? a.body.status : `${a.status} ${a.body.code}`)).sort()
    expect(outcome).toEqual(['429 FREQUENCY_EXCEEDED', '429 FREQUENCY_EXCEEDED', 'answered', 'answered', 'answered'])
    expect((await receivedBySidecar()) - receivedBefore).toBe(MAX)
    const added = (await ledger()).slice(ledgerBefore).sort()
    expect(added.filter((e) => e.startsWith('council exchange.requested'))).toHaveLength(MAX)
    expect(added.filter((e) => e.includes('exchange.refused'))).toEqual(['council exchange.refused FREQUENCY_EXCEEDED', 'council exchange.refused FREQUENCY_EXCEEDED'])
    // The refused requests left no exchange behind: the council lists exactly the ones sent.
    const listed = (await adminCall(h.stack.urls.council, h.stack.tokens.analyst, 'GET', '/v1/exchanges')).body as { upload_id: string; status: string }[]
    expect(listed.filter((e) => uploads.includes(e.upload_id)).map((e) => e.status)).toEqual(['answered', 'answered', 'answered'])
  })

  it('gives back the place of a list refused after it was counted, when none of its rows can be sent', async () => {
    nextPeriod()
    // Every row accepted, but none carries enough fields to form a permitted match key: NOTHING_TO_SEND, once tokenised.
    const lines = candidatesCsv(everyone.slice(0, 12).map((p) => ({ ...p, ref: `thin-${p.ref}` }))).split('\n')
    const thin = lines.map((line, i) => {
      if (i === 0 || line === '') return line
      const [ref, , , , dob, , , criteria, district, family] = line.split(',')
      return [ref, '', '', '', dob, '', '', criteria, district, family].join(',')
    })
    const empty = (await api.upload(h.stack.urls.council, h.stack.tokens.analyst, thin.join('\n'))).body
    expect(empty.summary.accepted).toBe(12)
    // One after another: each claims a place, is refused once tokenised, and lets its place go before the next is counted.
    for (let i = 0; i < MAX + 2; i++) expect((await sendUpload(h.stack, empty.upload_id)).body.code).toBe('NOTHING_TO_SEND')
    const answers = await Promise.all([5, 6, 7].map(async (i) => sendUpload(h.stack, await upload(i))))
    expect(answers.map((a) => a.body.status)).toEqual(['answered', 'answered', 'answered'])
  })

  it('counts the claim of a council process that stopped before sending until it is collected, then not', async () => {
    nextPeriod()
    const up = await upload(8)
    // What a process leaves when it stops between claiming its place and building the request: no request digest.
    const db = h.stack.council.healthflagDb
    const isa = h.stack.isa
    const { digest } = (await adminCall(h.stack.urls.council, h.stack.tokens.admin, 'GET', `/v1/isas/${isa.id}/versions`)).body.at(-1) as { digest: string }
    const stopped: string[] = Array.from({ length: MAX }, () => randomUUID())
    for (const id of stopped) {
      await db
        .insertInto('exchange')
        .values({ id, upload_id: up, isa_id: isa.id, isa_version: isa.version, isa_digest: digest, clause_id: isa.clauses[0]!.id, status: 'sending', epoch: 1, key_kcv: 'AAAAAAAAAAA', rows_sent: LIST, requested_by: 'central-analyst', request_digest: null, created_at: clk.now() })
        .execute()
    }
    // Still young: the process holding them may be tokenising.
    expect((await sendUpload(h.stack, up)).body.code).toBe('FREQUENCY_EXCEEDED')
    clk.set(new Date(clk.now().getTime() + SIX_MINUTES))
    const collected = await api.exchange(h.stack.urls.council, h.stack.tokens.analyst, stopped[0]!)
    expect(collected).toMatchObject({ status: 'failed', error_code: 'INTERNAL' })
    expect(collected.error_message).toMatch(/stopped before sending.*nothing was sent/i)
    // The others are collected the same way by whatever reads them next (a read, the sweep, the start-up).
    for (const id of stopped.slice(1)) expect((await api.exchange(h.stack.urls.council, h.stack.tokens.analyst, id)).status).toBe('failed')
    expect((await sendUpload(h.stack, up)).body.status).toBe('answered')
    const trail = (await ledgerEntries(h.stack, '?limit=5000')).filter((e) => stopped.includes(e.entry.exchange_id!))
    expect(trail).toEqual([])
  })
})
