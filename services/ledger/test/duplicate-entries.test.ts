/** One entry sent twice at once (a party's retry racing its original): both get its one index, the log one copy. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { ed25519 } from '@noble/curves/ed25519.js'
import { sql } from 'kysely'
import { createTestTarget, migrateToLatest, openDatabase, testDatabaseKind } from '@healthflag/db'
import { auditExport, fromBase64, leafHash, parseVerifierKey, toHex, type LedgerExport } from '@healthflag/ledger-core'
import { createSequencer, type LedgerDB } from '../src/index.js'
import { auditorGetJson, makeEntry, postJson, startLedger, type TestLedger } from './helpers.js'

let L: TestLedger & { drop(): Promise<void> }
beforeAll(async () => {
  L = await startLedger('dup')
})
afterAll(async () => {
  await L?.drop()
})

const asCouncil = () => ({ party: 'council', privateKey: L.parties.council })

/** The whole log as exported, checked against its checkpoint and the party keys. */
async function wholeLog(): Promise<LedgerExport> {
  const doc = (await auditorGetJson<LedgerExport>(L, '/v1/export')).body
  const vkey = parseVerifierKey(((await (await fetch(new URL('/v1/log', L.url))).json()) as { vkey: string }).vkey)
  const report = auditExport(doc, { ledgerKey: vkey, origin: L.origin, partyKeys: new Map([['council', ed25519.getPublicKey(L.parties.council)]]) })
  expect(report.problems).toEqual([])
  return doc
}

describe('the same signed entry posted twice at once', () => {
  it('answers both with the same index, one 201 and one 200, and the log holds it once (20 pairs, one after another)', async () => {
    const sent: { index: number; leaf_hash: string }[] = []
    for (let i = 0; i < 20; i++) {
      const e = makeEntry('council', L.parties.council)
      const [a, b] = await Promise.all([postJson(L, '/v1/entries', e, asCouncil()), postJson(L, '/v1/entries', e, asCouncil())])
      expect([a.status, b.status].sort(), JSON.stringify([a.body, b.body])).toEqual([200, 201])
      expect(b.body.index).toBe(a.body.index)
      expect(b.body.leaf_hash).toBe(a.body.leaf_hash)
      sent.push({ index: a.body.index as number, leaf_hash: a.body.leaf_hash as string })
    }
    const log = await wholeLog()
    expect(log.entries).toHaveLength(20)
    const byIndex = new Map(log.entries.map((x) => [x.index, toHex(leafHash(fromBase64(x.body)!))]))
    for (const s of sent) expect(byIndex.get(s.index)).toBe(s.leaf_hash)
  })

  it('answers every copy when 20 pairs arrive all at once', async () => {
    const before = (await wholeLog()).entries.length
    const entries = Array.from({ length: 20 }, () => makeEntry('council', L.parties.council))
    const answers = await Promise.all(entries.flatMap((e) => [postJson(L, '/v1/entries', e, asCouncil()), postJson(L, '/v1/entries', e, asCouncil())]))
    for (let i = 0; i < 20; i++) {
      const [a, b] = [answers[2 * i]!, answers[2 * i + 1]!]
      expect([a.status, b.status].sort(), JSON.stringify([a.body, b.body])).toEqual([200, 201])
      expect(b.body.index).toBe(a.body.index)
    }
    const log = await wholeLog()
    expect(log.entries).toHaveLength(before + 20)
    expect(new Set(answers.map((a) => a.body.index)).size).toBe(20)
  })
})

describe('the sequencer, given an entry the log already holds or twice in one queued batch', () => {
  it('answers the twin with the index its original got, merges twins in one batch, and still appends the rest of the batch', async () => {
    const t = await createTestTarget('dupseq')
    const h = await openDatabase<LedgerDB>(t.target)
    try {
      await migrateToLatest(h.db, 'ledger')
      const signer = { name: 'dup.test/seq', origin: 'dup.test/seq', privateKey: ed25519.utils.randomSecretKey() }
      const seq = createSequencer(h.db, signer, { singleRoundTrip: testDatabaseKind() === 'postgres' })
      const key = ed25519.utils.randomSecretKey()
      const [e, other, twin, warm] = [makeEntry('council', key), makeEntry('council', key), makeEntry('council', key), makeEntry('council', key)]
      // A first append, so that on PostgreSQL the next ones go through ledger_append (the frontier is known).
      await seq.append([warm])
      // The first call runs alone; the next three queue behind it and go into one transaction together.
      const [first, again, mixed, copy] = await Promise.all([seq.append([e]), seq.append([e]), seq.append([other, twin]), seq.append([twin])])
      expect(first.appended).toEqual([{ index: 1, leafHash: expect.any(Uint8Array) }])
      expect(again.appended).toEqual([{ index: 1, leafHash: first.appended[0]!.leafHash, existed: true }])
      expect(mixed.appended.map((a) => [a.index, a.existed])).toEqual([[2, undefined], [3, undefined]])
      expect(copy.appended.map((a) => [a.index, a.existed])).toEqual([[3, true]])
      expect([again.size, mixed.size, copy.size]).toEqual([4, 4, 4])
      // Sent again later, with nothing new: the index, and the latest checkpoint.
      const later = await seq.append([other])
      expect(later).toMatchObject({ appended: [{ index: 2, existed: true }], size: 4, checkpoint: copy.checkpoint })
      const { rows } = await sql<{ n: number; head: number }>`select count(*)::int as n, (select size from log_head) as head from entry`.execute(h.db)
      expect(rows[0]).toEqual({ n: 4, head: 4 })
    } finally {
      await h.close()
      await t.drop()
    }
  })
})
