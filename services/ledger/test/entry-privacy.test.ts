/**
 * No personal data in an entry: a `reason` is a code or a short status, and neither it nor a `counts`/`digests` key
 * may hold a run of 6 or more digits (an NHS number, a date of birth, a phone number). Such entries are refused with
 * 400 ENTRY_INVALID naming the field, never the value, and nothing is stored; every reason and key the council and
 * the side-car send is still taken.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { ed25519 } from '@noble/curves/ed25519.js'
import { IsaStatus } from '@healthflag/isa'
import { entrySigningBytes, toBase64Url, type LedgerEntry, type SignedEntry } from '@healthflag/ledger-core'
import { ErrorCode } from '@healthflag/protocol'
import { makeEntry, postJson, startLedger, type TestLedger } from './helpers.js'

let L: TestLedger & { drop(): Promise<void> }
beforeAll(async () => {
  L = await startLedger('entrypriv')
})
afterAll(async () => {
  await L?.drop()
})

const asCouncil = () => ({ party: 'council', privateKey: L.parties.council })
const logSize = async () => ((await (await fetch(new URL('/v1/log', L.url))).json()) as { size: number }).size

/** Signed by the council's real key without signEntry's shape check: what a party with an older or faulty client could send. */
function signedWith(over: Partial<LedgerEntry>): SignedEntry {
  const entry: LedgerEntry = { ...makeEntry('council', L.parties.council).entry, ...over }
  return { entry, key_id: 'council', signature: toBase64Url(ed25519.sign(entrySigningBytes(entry), L.parties.council)) }
}

const HEX = 'ab'.repeat(32)

describe('an entry carrying personal data', () => {
  for (const [what, over, field, secret] of [
    ['a name and an NHS number in its reason', { type: 'exchange.refused', reason: 'Patient John Smith NHS 943 476 5919' }, 'entry.reason', '943 476 5919'],
    ['a bare NHS number as its reason', { type: 'exchange.refused', reason: '9434765919' }, 'entry.reason', '9434765919'],
    ['a date of birth in its reason', { type: 'exchange.refused', reason: 'born 1990-01-02' }, 'entry.reason', '1990-01-02'],
    ['a phone number split by dots in its reason', { type: 'exchange.refused', reason: 'call 01632.960.001' }, 'entry.reason', '960.001'],
    ['free text outside letters, digits, spaces and ._:- in its reason', { type: 'exchange.refused', reason: 'Mrs Ōsaka (flat 4), see notes' }, 'entry.reason', 'Ōsaka'],
    ['an NHS number as a counts key', { counts: { 'nhs.9434765919': 1 } }, 'entry.counts', '9434765919'],
    ['an NHS number with hyphens as a digests key', { digests: { 'p943-476-5919': HEX } }, 'entry.digests', '5919'],
  ] as const) {
    it(`is refused with 400 ENTRY_INVALID naming ${field}, not echoing it, when it has ${what}; nothing is stored`, async () => {
      const before = await logSize()
      const bad = signedWith(over as Partial<LedgerEntry>)
      const one = await postJson(L, '/v1/entries', bad, asCouncil())
      expect(one).toMatchObject({ status: 400, body: { code: 'ENTRY_INVALID', message: expect.stringContaining(`${field}:`) } })
      expect(String(one.body.message)).not.toContain(secret)
      expect(String(one.body.message)).not.toContain('Smith')
      const batch = await postJson(L, '/v1/entries/batch', { entries: [makeEntry('council', L.parties.council), bad] }, asCouncil())
      expect(batch).toMatchObject({ status: 400, body: { code: 'ENTRY_INVALID', message: expect.stringMatching(new RegExp(`^Entry 1: .*${field.replace('.', '\\.')}:`)) } })
      expect(await logSize()).toBe(before)
    })
  }
})

describe('the entries the parties send', () => {
  it('are all taken: every error code and ISA status as a reason, the purge reason, and every counts and digests key in use', async () => {
    // Reasons: exchange.refused carries the refusal's code (council exchange.ts, side-car answer.ts and approval.ts), ISA
    // entries the version's status (both app.ts), data.purged 'retention period ended' (council retention.ts).
    const reasons = [...Object.values(ErrorCode), ...IsaStatus.anyOf.map((s) => s.const), 'retention period ended', 'BATCH_TOO_LARGE: the clause allows at most 200 rows']
    expect(reasons.length).toBeGreaterThan(40)
    const counts = { rows: 120, flagged: 3, version: 2, candidates: 12, results: 12, exchanges: 1, retention_days: 30, rows_read: 8, patients: 8, rejected: 0 }
    const digests = { request: HEX, answer: HEX, source: HEX }
    const entries = reasons.map((reason) => signedWith({ type: 'exchange.refused', reason, counts, digests }))
    const before = await logSize()
    const res = await postJson(L, '/v1/entries/batch', { entries }, asCouncil())
    expect(res.status).toBe(201)
    expect(await logSize()).toBe(before + reasons.length)
  })
})
