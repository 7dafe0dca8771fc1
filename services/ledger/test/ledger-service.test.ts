import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { ed25519 } from '@noble/curves/ed25519.js'
import { createTestTarget, testDatabaseKind } from '@healthflag/db'
import {
  auditExport,
  fromBase64,
  leafHash,
  openCheckpoint,
  parseVerifierKey,
  signEntry,
  toBase64Url,
  verifyInclusion,
  type LedgerExport,
  type SignedEntry,
} from '@healthflag/ledger-core'
import { signRequest } from '@healthflag/protocol'
import { createLedgerClient } from '@healthflag/ledger-client'
import { makeEntry, startLedger, type TestLedger } from './helpers.js'

let L: TestLedger & { drop(): Promise<void> }
beforeAll(async () => {
  L = await startLedger('svc')
})
afterAll(async () => {
  await L?.drop()
})

async function post(path: string, body: unknown, signAs?: { party: string; privateKey: Uint8Array }) {
  const bytes = new TextEncoder().encode(JSON.stringify(body))
  const headers: Record<string, string> = { 'content-type': 'application/json', ...(signAs ? signRequest(signAs, 'POST', path, bytes) : {}) }
  const res = await fetch(new URL(path, L.url), { method: 'POST', headers, body: bytes })
  return { status: res.status, body: (await res.json()) as Record<string, unknown> }
}
const asCouncil = () => ({ party: 'council', privateKey: L.parties.council })
const auditorGet = async (path: string) => {
  const res = await fetch(new URL(path, L.url), { headers: { authorization: `Bearer ${L.auditorToken}` } })
  return { status: res.status, body: (await res.json()) as any }
}
const partyKeys = () => new Map([['council', ed25519.getPublicKey(L.parties.council)], ['trust', ed25519.getPublicKey(L.parties.trust)]])
const ledgerKey = async () => parseVerifierKey(((await (await fetch(new URL('/v1/log', L.url))).json()) as { vkey: string }).vkey)

describe('appending', () => {
  it('appends an entry signed by a registered party and answers with its index and a signed checkpoint', async () => {
    const res = await post('/v1/entries', makeEntry('council', L.parties.council), asCouncil())
    expect(res.status).toBe(201)
    const cp = openCheckpoint(res.body.checkpoint as string, await ledgerKey(), { origin: L.origin })
    expect(cp.size).toBe((res.body.index as number) + 1)
  })

  it('refuses an unsigned request, a wrongly signed entry, a malformed entry and an unknown party', async () => {
    const good = makeEntry('council', L.parties.council)
    expect((await post('/v1/entries', good)).status).toBe(401)
    const wrongKey = signEntry(good.entry, L.parties.trust, 'council')
    expect(await post('/v1/entries', wrongKey, asCouncil())).toMatchObject({ status: 401, body: { code: 'SIGNATURE_INVALID' } })
    const tampered: SignedEntry = { ...good, entry: { ...good.entry, counts: { rows: 1 } } }
    expect((await post('/v1/entries', tampered, asCouncil())).body.code).toBe('SIGNATURE_INVALID')
    const malformed = await post('/v1/entries', { ...good, entry: { ...good.entry, name: 'Jane Doe' } }, asCouncil())
    expect(malformed).toMatchObject({ status: 400, body: { code: 'ENTRY_INVALID' } })
    expect(JSON.stringify(malformed.body)).not.toContain('Jane')
    const stranger = ed25519.utils.randomSecretKey()
    const strangerEntry = makeEntry('council', stranger, { party: 'police' } as never)
    expect((await post('/v1/entries', strangerEntry, { party: 'police', privateKey: stranger })).status).toBe(401)
    // An entry naming another party than the one that signs the request.
    expect((await post('/v1/entries', makeEntry('trust', L.parties.trust), asCouncil())).body.code).toBe('ENTRY_INVALID')
  })

  it('gives a re-sent entry the index it already has instead of a second copy', async () => {
    const e = makeEntry('council', L.parties.council)
    const first = await post('/v1/entries', e, asCouncil())
    const again = await post('/v1/entries', e, asCouncil())
    expect(first.status).toBe(201)
    expect(again.status).toBe(200)
    expect(again.body.index).toBe(first.body.index)
  })

  it('appends a batch in order in one checkpoint, and refuses a batch with one bad entry whole', async () => {
    const client = createLedgerClient({ url: L.url, key: asCouncil() })
    const before = (await auditorGet('/v1/export?from=0&to=0')).body.checkpoint as string
    const res = await client.appendMany(Array.from({ length: 30 }, (_, i) => ({ type: 'exchange.requested', isa_id: 'ISA-TEST', isa_digest: 'ab'.repeat(32), exchange_id: `batch-${i}-${Date.now()}` })))
    const idx = res.appended.map((a) => a.index)
    expect(idx).toEqual(Array.from({ length: 30 }, (_, i) => idx[0]! + i))
    const v = await ledgerKey()
    expect(openCheckpoint(res.checkpoint, v).size).toBe(idx[29]! + 1)
    expect(openCheckpoint(before, v).size).toBe(idx[0])
    const bad = [makeEntry('council', L.parties.council), { ...makeEntry('council', L.parties.council), signature: toBase64Url(new Uint8Array(64)) }]
    const refused = await post('/v1/entries/batch', { entries: bad }, asCouncil())
    expect(refused).toMatchObject({ status: 401, body: { code: 'SIGNATURE_INVALID' } })
    expect(refused.body.message).toMatch(/^Entry 1:/)
    const after = (await auditorGet('/v1/export?from=0&to=0')).body.checkpoint as string
    expect(openCheckpoint(after, v).size).toBe(idx[29]! + 1)
  })
})

describe('auditor API', () => {
  it('shows an entry with an inclusion proof that verifies against the checkpoint it comes with', async () => {
    const e = makeEntry('trust', L.parties.trust)
    const { index } = await createLedgerClient({ url: L.url, key: { party: 'trust', privateKey: L.parties.trust } }).append(e.entry)
    const { status, body } = await auditorGet(`/v1/entries/${index}`)
    expect(status).toBe(200)
    const cp = openCheckpoint(body.checkpoint, await ledgerKey())
    const leaf = leafHash(fromBase64(body.body)!)
    expect(verifyInclusion(leaf, index, cp.size, body.proof.map((p: string) => fromBase64(p)!), cp.rootHash)).toBe(true)
    expect(body.entry.entry.exchange_id).toBe(e.entry.exchange_id)
    expect((await auditorGet('/v1/entries/999999')).status).toBe(404)
  })

  it('hides the API from callers without an auditor token', async () => {
    const res = await fetch(new URL('/v1/entries', L.url))
    expect(res.status).toBe(401)
    const exp = await fetch(new URL('/v1/export', L.url), { headers: { authorization: 'Bearer nope' } })
    expect(exp.status).toBe(401)
  })

  it('filters entries by ISA, clause, party, type and period', async () => {
    const trust = createLedgerClient({ url: L.url, key: { party: 'trust', privateKey: L.parties.trust } })
    await trust.append({ type: 'exchange.refused', isa_id: 'ISA-FILTER', isa_digest: 'cd'.repeat(32), clause_id: 'c9', reason: 'ISA_EXPIRED', at: '2026-03-04T10:00:00.000Z' })
    await trust.append({ type: 'exchange.answered', isa_id: 'ISA-FILTER', isa_digest: 'cd'.repeat(32), clause_id: 'c9', at: '2026-04-04T10:00:00.000Z' })
    const q = async (s: string) => (await auditorGet(`/v1/entries?${s}`)).body.map((r: any) => r.entry.entry.type)
    expect(await q('isa_id=ISA-FILTER')).toEqual(['exchange.refused', 'exchange.answered'])
    expect(await q('isa_id=ISA-FILTER&type=exchange.answered')).toEqual(['exchange.answered'])
    expect(await q('clause_id=c9&party=trust&from=2026-04-01T00:00:00Z&to=2026-05-01T00:00:00Z')).toEqual(['exchange.answered'])
    expect(await q('isa_id=ISA-FILTER&party=council')).toEqual([])
    // Paging: after an index, up to a limit, in index order.
    const all = (await auditorGet('/v1/entries?isa_id=ISA-FILTER')).body as { index: number }[]
    expect(await q(`isa_id=ISA-FILTER&after=${all[0]!.index}`)).toEqual(['exchange.answered'])
    expect(await q(`isa_id=ISA-FILTER&after=-1&limit=1`)).toEqual(['exchange.refused'])
  })

  it('counts entries, rows and flagged people per clause and month, showing 1 to 4 as "<5"', async () => {
    const trust = createLedgerClient({ url: L.url, key: { party: 'trust', privateKey: L.parties.trust } })
    const base = { type: 'exchange.answered' as const, isa_id: 'ISA-STATS', isa_digest: 'ef'.repeat(32), clause_id: 'c1' }
    await trust.append({ ...base, at: '2026-06-10T09:00:00.000Z', counts: { rows: 40, flagged: 3 } })
    await trust.append({ ...base, at: '2026-06-20T09:00:00.000Z', counts: { rows: 2, flagged: 4 } })
    for (let i = 0; i < 5; i++) await trust.append({ ...base, at: `2026-07-0${i + 1}T09:00:00.000Z`, counts: { rows: 10, flagged: 0 } })
    const { body } = await auditorGet('/v1/stats?isa_id=ISA-STATS')
    expect(body).toEqual([
      { isa_id: 'ISA-STATS', clause_id: 'c1', month: '2026-06', type: 'exchange.answered', entries: '<5', rows: 42, flagged: 7 },
      { isa_id: 'ISA-STATS', clause_id: 'c1', month: '2026-07', type: 'exchange.answered', entries: 5, rows: 50, flagged: 0 },
    ])
  })

  it('exports a range with the checkpoint and proofs, and the export verifies offline', async () => {
    const all = (await auditorGet('/v1/export')).body as LedgerExport
    expect(all.entries.length).toBeGreaterThan(5)
    const report = auditExport(all, { ledgerKey: await ledgerKey(), origin: L.origin, partyKeys: partyKeys() })
    expect(report.problems).toEqual([])
    // An auditor who kept an earlier checkpoint gets a consistency proof from it with since=<its size>.
    const earlier = all.checkpoint
    await createLedgerClient({ url: L.url, key: asCouncil() }).append(makeEntry('council', L.parties.council).entry)
    const size = openCheckpoint(earlier, await ledgerKey()).size
    const part = (await auditorGet(`/v1/export?from=2&to=5&since=${size}`)).body as LedgerExport
    expect(part.entries.map((e) => e.index)).toEqual([2, 3, 4])
    expect(openCheckpoint(part.checkpoint, await ledgerKey()).size).toBe(size + 1)
    const ok = auditExport(part, { ledgerKey: await ledgerKey(), partyKeys: partyKeys(), earlier: [{ label: 'kept', note: earlier }] })
    expect(ok.problems).toEqual([])
    expect(ok.checkpointsChecked).toBe(2)
  })
})

describe('concurrent writers', () => {
  const pg = testDatabaseKind() === 'postgres'
  const writers = 20
  const perWriter = pg ? 500 : 50

  it(`keeps indexes gapless and loses nothing when ${writers} writers append ${writers * perWriter} entries at once (${pg ? 'PostgreSQL' : 'PGlite: smaller count'})`, { timeout: 600_000 }, async () => {
    const C = await startLedger('conc', { maxBatch: 1000 })
    try {
      const startSize = 0
      const work = Array.from({ length: writers }, (_, w) => {
        const party = w % 2 === 0 ? 'council' : 'trust'
        const key = { party, privateKey: C.parties[party as 'council' | 'trust'] }
        const client = createLedgerClient({ url: C.url, key })
        const mine = Array.from({ length: perWriter }, (_, i) => ({ type: 'exchange.requested' as const, isa_id: 'ISA-CONC', isa_digest: 'ab'.repeat(32), exchange_id: `w${w}-e${i}` }))
        return (async () => {
          const got: { index: number; leaf_hash: string }[] = []
          // Mix single appends and batches, as real parties would.
          for (let i = 0; i < perWriter; ) {
            if (i % 50 < 10) got.push(await client.append(mine[i++]!))
            else {
              const chunk = mine.slice(i, Math.min(i + 20, perWriter))
              got.push(...(await client.appendMany(chunk)).appended)
              i += chunk.length
            }
          }
          return got
        })()
      })
      const results = (await Promise.all(work)).flat()
      const total = writers * perWriter
      expect(results).toHaveLength(total)
      const idx = results.map((r) => r.index).sort((a, b) => a - b)
      expect(idx).toEqual(Array.from({ length: total }, (_, i) => startSize + i))
      // Every returned leaf is where the ledger said, and the whole log audits clean against its checkpoint.
      const cp = await (await fetch(new URL('/v1/checkpoint', C.url))).text()
      const v = parseVerifierKey(((await (await fetch(new URL('/v1/log', C.url))).json()) as { vkey: string }).vkey)
      expect(openCheckpoint(cp, v).size).toBe(total)
      const exported: LedgerExport['entries'] = []
      for (let from = 0; from < total; from += 2500) {
        const res = await fetch(new URL(`/v1/export?from=${from}&to=${Math.min(from + 2500, total)}`, C.url), { headers: { authorization: `Bearer ${C.auditorToken}` } })
        const part = (await res.json()) as LedgerExport
        expect(part.checkpoint).toBe(cp)
        exported.push(...part.entries)
      }
      const doc: LedgerExport = { format: 'healthflag-ledger-export/v1', origin: C.origin, checkpoint: cp, from: 0, to: total, entries: exported }
      const report = auditExport(doc, { ledgerKey: v, origin: C.origin, partyKeys: new Map([['council', ed25519.getPublicKey(C.parties.council)], ['trust', ed25519.getPublicKey(C.parties.trust)]]) })
      expect(report.problems).toEqual([])
      expect(report.signaturesChecked).toBe(total)
      const byLeaf = new Map(exported.map((e) => [Buffer.from(leafHash(fromBase64(e.body)!)).toString('hex'), e.index]))
      for (const r of results) expect(byLeaf.get(r.leaf_hash)).toBe(r.index)
      const ids = new Set(exported.map((e) => JSON.parse(Buffer.from(e.body, 'base64').toString()).entry.exchange_id))
      expect(ids.size).toBe(total)
    } finally {
      await C.drop()
    }
  })
})

describe('two ledger processes on one database', () => {
  it.skipIf(testDatabaseKind() !== 'postgres')('keep indexes gapless when both append at once (each falls back to re-reading the frontier under the lock)', { timeout: 300_000 }, async () => {
    const t = await createTestTarget('twoproc')
    const signingKey = ed25519.utils.randomSecretKey()
    const parties = { council: ed25519.utils.randomSecretKey(), trust: ed25519.utils.randomSecretKey() }
    const one = await startLedger('twoproc', { target: { ...t, drop: async () => {} }, signingKey, parties })
    const two = await startLedger('twoproc', { target: { ...t, drop: async () => {} }, signingKey, parties })
    try {
      const send = (l: TestLedger, w: number) => {
        const c = createLedgerClient({ url: l.url, key: { party: 'council', privateKey: parties.council } })
        return (async () => {
          const got: number[] = []
          for (let i = 0; i < 40; i++) got.push((await c.append({ type: 'exchange.requested', isa_id: 'ISA-2P', isa_digest: 'ab'.repeat(32), exchange_id: `w${w}-${i}` })).index)
          return got
        })()
      }
      const idx = (await Promise.all([send(one, 0), send(two, 1), send(one, 2), send(two, 3)])).flat().sort((a, b) => a - b)
      expect(idx).toEqual(Array.from({ length: 160 }, (_, i) => i))
      const res = await fetch(new URL('/v1/export', one.url), { headers: { authorization: `Bearer ${one.auditorToken}` } })
      const doc = (await res.json()) as LedgerExport
      const report = auditExport(doc, { ledgerKey: parseVerifierKey(((await (await fetch(new URL('/v1/log', one.url))).json()) as { vkey: string }).vkey), partyKeys: new Map([['council', ed25519.getPublicKey(parties.council)]]) })
      expect(report.problems).toEqual([])
      expect(report.size).toBe(160)
    } finally {
      await one.close()
      await two.close()
      await t.drop()
    }
  })
})
