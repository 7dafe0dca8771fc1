/**
 * The parties' view checks against a dishonest ledger: a host that shows the council and the trust two
 * different logs (a fork), and a host that rolls its log back and lets it grow again differently.
 * The forked host is two ledger services with the same key and origin; each party talks to one.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { ed25519 } from '@noble/curves/ed25519.js'
import { sql } from 'kysely'
import { testDatabaseKind } from '@healthflag/db'
import { createLedgerClient, type LedgerClient, type LedgerView } from '@healthflag/ledger-client'
import { startLedger, type TestLedger } from '../services/ledger/test/helpers.js'

type Ledger = TestLedger & { drop(): Promise<void> }
const signingKey = ed25519.utils.randomSecretKey()
const parties = { council: ed25519.utils.randomSecretKey(), trust: ed25519.utils.randomSecretKey() }
const entry = (i: number, tag = '') => ({ type: 'exchange.requested' as const, isa_id: 'ISA-V', isa_digest: 'ab'.repeat(32), clause_id: 'c1', exchange_id: `v-${i}${tag}`, counts: { rows: i } })

let a: Ledger
let b: Ledger
beforeAll(async () => {
  a = await startLedger('views_a', { signingKey, parties })
  b = await startLedger('views_b', { signingKey, parties })
})
afterAll(async () => {
  await a?.drop()
  await b?.drop()
})

const client = (l: Ledger, party: 'council' | 'trust'): LedgerClient => createLedgerClient({ url: l.url, key: { party, privateKey: parties[party] } })

async function appendAll(c: LedgerClient, entries: ReturnType<typeof entry>[], view: LedgerView | null): Promise<LedgerView> {
  let v = view
  for (const e of entries) v = await c.advanceView(v, (await c.append({ ...e, at: '2026-11-01T00:00:00.000Z' })).checkpoint)
  return v!
}

describe('a forked log', () => {
  it('is caught when the trust checks the council view carried in an exchange request', async () => {
    // The same five entries on both, byte for byte (same signatures, same times): one log so far.
    const shared = Array.from({ length: 5 }, (_, i) => entry(i))
    const councilA = client(a, 'council')
    const trustB = client(b, 'trust')
    await appendAll(client(b, 'council'), shared, null)
    let councilView = await appendAll(councilA, shared, null)
    let trustView = await trustB.advanceView(null, await trustB.checkpoint())
    expect(trustView).toEqual(councilView)
    await trustB.checkPeerView(trustView, councilView)

    // Now the host shows each party something different at the same size…
    councilView = await appendAll(councilA, [entry(5, '-shown-to-council')], councilView)
    trustView = await appendAll(trustB, [entry(5, '-shown-to-trust')], trustView)
    expect(councilView.size).toBe(trustView.size)
    await expect(trustB.checkPeerView(trustView, councilView)).rejects.toMatchObject({ code: 'LEDGER_INCONSISTENT', message: expect.stringMatching(/fork/) })
    await expect(councilA.checkPeerView(councilView, trustView)).rejects.toMatchObject({ code: 'LEDGER_INCONSISTENT' })

    // …and at different sizes, where the ledger would have to prove one extends the other.
    councilView = await appendAll(councilA, [entry(6), entry(7)], councilView)
    await expect(trustB.checkPeerView(trustView, councilView)).rejects.toMatchObject({ code: 'LEDGER_INCONSISTENT' })
    await expect(councilA.checkPeerView(councilView, trustView)).rejects.toMatchObject({ code: 'LEDGER_INCONSISTENT' })
  })

  it('is caught when a party is handed a checkpoint from the other branch', async () => {
    const councilA = client(a, 'council')
    const mine = await councilA.advanceView(null, await councilA.checkpoint())
    const otherBranch = await client(b, 'trust').checkpoint()
    await expect(councilA.advanceView(mine, otherBranch)).rejects.toMatchObject({ code: 'LEDGER_INCONSISTENT' })
  })

  it('refuses a view whose note is not signed by the ledger key', async () => {
    const trustB = client(b, 'trust')
    const own = await trustB.advanceView(null, await trustB.checkpoint())
    const forged = own.note.replace(/— (\S+) (\S+)\n$/, (_m, name: string, sig: string) => `— ${name} ${sig.slice(0, 10)}${sig[10] === 'A' ? 'B' : 'A'}${sig.slice(11)}\n`)
    await expect(trustB.checkPeerView(own, { ...own, note: forged })).rejects.toMatchObject({ code: 'LEDGER_INCONSISTENT' })
  })
})

describe('a rolled-back log', () => {
  // Restoring a backup needs a second connection to the ledger's database, which in-memory PGlite cannot give.
  it.skipIf(testDatabaseKind() !== 'postgres')('is caught whether it shows the older size or grows again over different entries (PostgreSQL)', async () => {
    const c = await startLedger('views_rb', { signingKey, parties })
    try {
      const council = client(c, 'council')
      const trust = client(c, 'trust')
      const view = await appendAll(council, Array.from({ length: 12 }, (_, i) => entry(100 + i)), null)
      const trustView = await trust.advanceView(null, await trust.checkpoint())
      // The host restores a backup taken at size 7 (rows, nodes, checkpoints and head, all consistent), first switching
      // off the triggers that keep the log append-only (migrations/ledger/0004), as the tables' owner can.
      const db = c.sql!.db
      for (const t of ['entry', 'node', 'checkpoint', 'log_head']) await sql`alter table ${sql.table(t)} disable trigger user`.execute(db)
      await sql`delete from entry where idx >= 7`.execute(db)
      await sql`delete from node where (idx + 1) * power(2, level) > 7`.execute(db)
      await sql`delete from checkpoint where size > 7`.execute(db)
      await sql`update log_head set size = 7, root = (select root from checkpoint where size = 7)`.execute(db)
      const restored = await council.checkpoint()
      await expect(council.advanceView(view, restored)).rejects.toMatchObject({ code: 'LEDGER_INCONSISTENT' })
      // It grows again past where the parties were, with other entries.
      const regrown = await appendAll(client(c, 'trust'), Array.from({ length: 8 }, (_, i) => entry(200 + i)), null)
      expect(regrown.size).toBe(15)
      await expect(council.advanceView(view, regrown.note)).rejects.toMatchObject({ code: 'LEDGER_INCONSISTENT' })
      await expect(trust.checkPeerView(regrown, trustView)).rejects.toMatchObject({ code: 'LEDGER_INCONSISTENT' })
    } finally {
      await c.drop()
    }
  })
})
