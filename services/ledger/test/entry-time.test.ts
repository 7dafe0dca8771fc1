/** An entry's `at` must be an instant the database stores exactly; others are refused as malformed, naming the field. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { ed25519 } from '@noble/curves/ed25519.js'
import { entrySigningBytes, toBase64Url, type LedgerEntry, type SignedEntry } from '@healthflag/ledger-core'
import { auditorGetJson, makeEntry, postJson, startLedger, type TestLedger } from './helpers.js'

let L: TestLedger & { drop(): Promise<void> }
beforeAll(async () => {
  L = await startLedger('entrytime')
})
afterAll(async () => {
  await L?.drop()
})

const asCouncil = () => ({ party: 'council', privateKey: L.parties.council })
const logSize = async () => ((await (await fetch(new URL('/v1/log', L.url))).json()) as { size: number }).size

/** Signed by the council's real key without signEntry's shape check: what a party with a faulty clock could send. */
function signedAt(at: string, isaId = 'ISA-TEST'): SignedEntry {
  const entry: LedgerEntry = { ...makeEntry('council', L.parties.council).entry, isa_id: isaId, at }
  return { entry, key_id: 'council', signature: toBase64Url(ed25519.sign(entrySigningBytes(entry), L.parties.council)) }
}

describe('the time of an entry', () => {
  for (const [what, at] of [
    ['in year 0000 (PostgreSQL refuses it)', '0000-01-01T00:00:00Z'],
    ['with 7 fractional digits (stored rounded into the next month)', '2026-02-28T23:59:59.9999999Z'],
    ['with 4 fractional digits', '2026-02-28T23:59:59.9995Z'],
  ] as const) {
    it(`is refused with 400 ENTRY_INVALID naming entry.at when properly signed but ${what}, and nothing is stored`, async () => {
      const before = await logSize()
      const res = await postJson(L, '/v1/entries', signedAt(at), asCouncil())
      expect(res).toMatchObject({ status: 400, body: { code: 'ENTRY_INVALID', message: expect.stringContaining('entry.at: has the wrong format') } })
      const batch = await postJson(L, '/v1/entries/batch', { entries: [makeEntry('council', L.parties.council), signedAt(at)] }, asCouncil())
      expect(batch).toMatchObject({ status: 400, body: { code: 'ENTRY_INVALID', message: expect.stringMatching(/^Entry 1: .*entry\.at: has the wrong format/) } })
      expect(await logSize()).toBe(before)
    })
  }

  it('is kept to the millisecond, in its own month, when a party sends what Date.toISOString() gives', async () => {
    const at = '2026-02-28T23:59:59.999Z'
    const res = await postJson(L, '/v1/entries', signedAt(at, 'ISA-MS'), asCouncil())
    expect(res.status).toBe(201)
    const march = await auditorGetJson<unknown[]>(L, '/v1/entries?isa_id=ISA-MS&from=2026-03-01T00:00:00Z')
    expect(march.body).toEqual([])
    const feb = await auditorGetJson<{ index: number }[]>(L, '/v1/entries?isa_id=ISA-MS&from=2026-02-28T00:00:00Z&to=2026-03-01T00:00:00Z')
    expect(feb.body.map((e) => e.index)).toEqual([res.body.index])
  })
})
