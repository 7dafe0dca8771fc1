/**
 * Tampering with a ledger database on real PostgreSQL. Two kinds of attacker:
 *  - "rows": someone with database access edits rows and nothing else (no ledger key);
 *  - "host": the ledger's host, who holds the ledger key, edits rows, rebuilds the tree and signs a new
 *    checkpoint, so the database is self-consistent again.
 * `healthflag ledger verify` must catch every case (truncation given the earlier checkpoint an auditor
 * kept); the parties' consistency checks must catch every case the host signs for.
 */
import { execFile } from 'node:child_process'
import { mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { promisify } from 'node:util'
import { sql, type Kysely } from 'kysely'
import pg from 'pg'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { ed25519 } from '@noble/curves/ed25519.js'
import { migrateToLatest, openDatabase, quoteIdent, type DatabaseHandle } from '@healthflag/db'
import { appendLeaves, compactRangeRoot, emptyCompactRange, encodeVerifierKey, entryBytes, leafHash, signCheckpoint, signEntry, toBase64Url } from '@healthflag/ledger-core'
import { createLedgerClient, type LedgerView } from '@healthflag/ledger-client'
import type { LedgerDB } from '@healthflag/ledger'
import { main } from '../packages/cli/src/main.js'
import { startLedger, type TestLedger } from '../services/ledger/test/helpers.js'

const URL_ = process.env.DATABASE_URL
if (!URL_) console.warn('ledger-tamper: skipped — these tests need real PostgreSQL; set DATABASE_URL (CI does).')

const run = promisify(execFile)
const N = 40
const EARLIER = 30
const AT = 10

type Case = 'edit a body' | 'delete a row' | 'reorder two rows' | 'insert a forged row' | 'truncate'
const CASES: Case[] = ['edit a body', 'delete a row', 'reorder two rows', 'insert a forged row', 'truncate']

describe.skipIf(!URL_)('ledger tamper detection on PostgreSQL', () => {
  let base: TestLedger & { drop(): Promise<void> }
  let vkey: string
  let dir: string
  let earlierFile: string
  let councilView: LedgerView
  const schemas: string[] = []

  beforeAll(async () => {
    base = await startLedger('tamper_base')
    vkey = encodeVerifierKey(base.origin, ed25519.getPublicKey(base.signingKey))
    dir = mkdtempSync(path.join(tmpdir(), 'hf-tamper-'))
    const council = createLedgerClient({ url: base.url, key: { party: 'council', privateKey: base.parties.council } })
    const trust = createLedgerClient({ url: base.url, key: { party: 'trust', privateKey: base.parties.trust } })
    let view: LedgerView | null = null
    for (let i = 0; i < N; i++) {
      const c = i % 3 === 2 ? trust : council
      const res = await c.append({ type: i % 3 === 2 ? 'exchange.answered' : 'exchange.requested', isa_id: 'ISA-T', isa_digest: 'ab'.repeat(32), clause_id: 'c1', exchange_id: `x-${i}`, counts: { rows: 20 + i } })
      if (i + 1 === EARLIER) writeFileSync((earlierFile = path.join(dir, 'earlier.checkpoint')), res.checkpoint)
      if (c === council || i === N - 1) view = await council.advanceView(view, res.checkpoint)
    }
    councilView = view!
    expect(councilView.size).toBe(N)
  })

  afterAll(async () => {
    await base?.drop()
    if (URL_) {
      const c = new pg.Client({ connectionString: URL_ })
      await c.connect()
      for (const s of schemas) await c.query(`DROP SCHEMA IF EXISTS ${quoteIdent(s)} CASCADE`)
      await c.end()
    }
  })

  /** A copy of the base ledger database in a fresh schema. */
  async function copyOfBase(label: string): Promise<{ schema: string; h: DatabaseHandle<LedgerDB> }> {
    const schema = `t_tamper_${label}_${Math.random().toString(16).slice(2, 10)}`
    schemas.push(schema)
    const c = new pg.Client({ connectionString: URL_ })
    await c.connect()
    await c.query(`CREATE SCHEMA ${quoteIdent(schema)}`)
    await c.end()
    const h = await openDatabase<LedgerDB>({ kind: 'postgres', url: URL_!, schema })
    await migrateToLatest(h.db, 'ledger')
    const from = (base.target as { schema: string }).schema
    for (const t of ['party', 'entry', 'node', 'checkpoint']) await sql`insert into ${sql.table(t)} select * from ${sql.table(`${from}.${t}`)}`.execute(h.db)
    await sql`update log_head set size = b.size, root = b.root from ${sql.table(`${from}.log_head`)} b`.execute(h.db)
    return { schema, h }
  }

  /**
   * The database refuses updates and deletes of the log (migrations/ledger/0004_append_only.sql), but the tables' owner
   * can switch that off; these attackers do, and the audits must still catch what follows.
   */
  async function switchOffGuards(db: Kysely<LedgerDB>): Promise<void> {
    for (const t of ['entry', 'node', 'checkpoint', 'log_head']) await sql`alter table ${sql.table(t)} disable trigger user`.execute(db)
  }

  /** Applies one tampering to the entry rows only. */
  async function tamperRows(db: Kysely<LedgerDB>, kind: Case): Promise<void> {
    await switchOffGuards(db)
    const row = (i: number) => db.selectFrom('entry').selectAll().where('idx', '=', i).executeTakeFirstOrThrow()
    switch (kind) {
      case 'edit a body': {
        const r = await row(AT)
        const edited = Buffer.from(r.body).toString('utf8').replace(`"rows":${20 + AT}`, '"rows":2')
        expect(edited).not.toBe(Buffer.from(r.body).toString('utf8'))
        await db.updateTable('entry').set({ body: Buffer.from(edited) }).where('idx', '=', AT).execute()
        return
      }
      case 'delete a row':
        await db.deleteFrom('entry').where('idx', '=', AT).execute()
        return
      case 'reorder two rows': {
        const [a, b] = [await row(AT), await row(AT + 1)]
        await db.updateTable('entry').set({ idx: -1 }).where('idx', '=', AT).execute()
        await db.updateTable('entry').set({ idx: AT }).where('idx', '=', AT + 1).execute()
        await db.updateTable('entry').set({ idx: AT + 1 }).where('idx', '=', -1).execute()
        expect(a.exchange_id).not.toBe(b.exchange_id)
        return
      }
      case 'insert a forged row': {
        // A plausible entry "by the council", signed with a key that is not the council's, slipped in at AT.
        const forged = signEntry({ type: 'exchange.refused', isa_id: 'ISA-T', isa_digest: 'ab'.repeat(32), clause_id: 'c1', exchange_id: 'forged', party: 'council', at: new Date().toISOString(), reason: 'ISA_EXPIRED' }, ed25519.utils.randomSecretKey(), 'council')
        const body = entryBytes(forged)
        await sql`update entry set idx = -idx - 1 where idx >= ${AT}`.execute(db)
        await sql`update entry set idx = -idx where idx < 0`.execute(db)
        await db.insertInto('entry').values({ idx: AT, body, leaf_hash: leafHash(body), type: 'exchange.refused', isa_id: 'ISA-T', clause_id: 'c1', exchange_id: 'forged', party: 'council', at: forged.entry.at }).execute()
        return
      }
      case 'truncate': {
        // Restoring an old backup: rows, nodes, checkpoints and head all back to size 20 — self-consistent.
        const keep = 20
        await db.deleteFrom('entry').where('idx', '>=', keep).execute()
        await sql`delete from node where (idx + 1) * power(2, level) > ${keep}`.execute(db)
        await db.deleteFrom('checkpoint').where('size', '>', keep).execute()
        await sql`update log_head set size = ${keep}, root = (select root from checkpoint where size = ${keep})`.execute(db)
        return
      }
    }
  }

  /** What a dishonest host does next: renumber, rebuild every node from the bodies and sign a new checkpoint. */
  async function rebuildAndResign(db: Kysely<LedgerDB>): Promise<void> {
    await switchOffGuards(db)
    await sql`update entry set idx = -idx - 1`.execute(db)
    await sql`update entry e set idx = r.n - 1 from (select idx, row_number() over (order by idx desc) as n from entry) r where e.idx = r.idx`.execute(db)
    const rows = await db.selectFrom('entry').select(['idx', 'body']).orderBy('idx').execute()
    const leaves = rows.map((r) => leafHash(new Uint8Array(r.body)))
    for (const [i, l] of leaves.entries()) await db.updateTable('entry').set({ leaf_hash: l }).where('idx', '=', i).execute()
    const { range, created } = appendLeaves(emptyCompactRange(), leaves)
    await db.deleteFrom('node').execute()
    await db.insertInto('node').values(created.map((n) => ({ level: n.level, idx: n.index, hash: n.hash }))).execute()
    const root = compactRangeRoot(range)
    await db.deleteFrom('checkpoint').execute()
    await db.insertInto('checkpoint').values({ size: range.size, root, note: signCheckpoint({ origin: base.origin, size: range.size, rootHash: root }, { name: base.origin, privateKey: base.signingKey }) }).execute()
    await db.updateTable('log_head').set({ size: range.size, root }).execute()
  }

  async function verifyCli(schema: string, extra: string[] = []): Promise<{ code: number; out: string }> {
    let out = ''
    const code = await main(['node', 'healthflag', 'ledger', 'verify', '--database-url', URL_!, '--schema', schema, '--ledger-key', vkey, ...extra], (s) => (out += s), (s) => (out += s))
    return { code, out }
  }

  const partyKeyArgs = () => ['--party-key', `council=${toBase64Url(ed25519.getPublicKey(base.parties.council))}`, '--party-key', `trust=${toBase64Url(ed25519.getPublicKey(base.parties.trust))}`]

  it('passes the untouched database, with the earlier checkpoint and the party keys the auditor holds', async () => {
    const { schema, h } = await copyOfBase('clean')
    await h.close()
    const r = await verifyCli(schema, ['--earlier', earlierFile, ...partyKeyArgs()])
    expect(r.out).toMatch(/OK — 40 entries rehashed, 40 signatures checked/)
    expect(r.code).toBe(0)
  })

  it('runs as `healthflag ledger verify` from the repository bin', async () => {
    const { schema, h } = await copyOfBase('bin')
    await tamperRows(h.db, 'edit a body')
    await h.close()
    const bin = path.resolve(import.meta.dirname, '../bin/healthflag.js')
    const ok = await run(process.execPath, [bin, 'ledger', 'verify', '--help'])
    expect(ok.stdout).toMatch(/--database-url/)
    const failed = await run(process.execPath, [bin, 'ledger', 'verify', '--database-url', URL_!, '--schema', schema, '--ledger-key', vkey, '--json']).then(
      () => null,
      (e: { code: number; stdout: string }) => e,
    )
    expect(failed?.code).toBe(1)
    const report = JSON.parse(failed!.stdout) as { ok: boolean; problems: string[] }
    expect(report.ok).toBe(false)
    expect(report.problems.join('\n')).toMatch(/entry 10/)
  })

  for (const kind of CASES) {
    it(`catches "${kind}" by a database editor with ledger verify`, async () => {
      const { schema, h } = await copyOfBase('rows')
      await tamperRows(h.db, kind)
      await h.close()
      const r = await verifyCli(schema, ['--earlier', earlierFile])
      expect(r.code).toBe(1)
      expect(r.out).toMatch(/FAILED/)
    })

    it(`catches "${kind}" by a host who rebuilds the tree and re-signs, with ledger verify and the parties' checks`, async () => {
      const { schema, h } = await copyOfBase('host')
      await tamperRows(h.db, kind)
      await rebuildAndResign(h.db)
      await h.close()
      const r = await verifyCli(schema, ['--earlier', earlierFile, ...partyKeyArgs()])
      expect(r.code).toBe(1)
      expect(r.out).toMatch(/FAILED/)
      // The database is now self-consistent: without the auditor's earlier checkpoint only signatures can tell,
      // and a host that merely deletes, reorders or truncates signed entries keeps every signature valid.
      const own = await verifyCli(schema)
      if (kind === 'edit a body' || kind === 'insert a forged row') expect(own.code).toBe(1)

      const served = await startLedger('host_served', { target: { target: { kind: 'postgres', url: URL_!, schema }, drop: async () => {} }, signingKey: base.signingKey, parties: base.parties })
      try {
        const council = createLedgerClient({ url: served.url, key: { party: 'council', privateKey: base.parties.council } })
        const latest = await council.checkpoint()
        await expect(council.advanceView(councilView, latest)).rejects.toMatchObject({ code: 'LEDGER_INCONSISTENT' })
        const trust = createLedgerClient({ url: served.url, key: { party: 'trust', privateKey: base.parties.trust } })
        const trustView = await trust.advanceView(null, latest)
        await expect(trust.checkPeerView(trustView, councilView)).rejects.toMatchObject({ code: 'LEDGER_INCONSISTENT' })
      } finally {
        await served.close()
      }
    })
  }
})
