/** The database itself refuses to change or remove what the log holds (migrations/ledger/0004_append_only.sql). */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { ed25519 } from '@noble/curves/ed25519.js'
import { sql } from 'kysely'
import pg from 'pg'
import { createTestTarget, migrateToLatest, openDatabase, testDatabaseKind, type DatabaseHandle, type TestTarget } from '@healthflag/db'
import { createSequencer, type LedgerDB, type Sequencer } from '../src/index.js'
import { partyKeys, registerParty } from '../src/store.js'
import { makeEntry } from './helpers.js'

let t: TestTarget
let h: DatabaseHandle<LedgerDB>
let seq: Sequencer
const key = ed25519.utils.randomSecretKey()

beforeAll(async () => {
  t = await createTestTarget('appendonly')
  h = await openDatabase<LedgerDB>(t.target)
  await migrateToLatest(h.db, 'ledger')
  seq = createSequencer(h.db, { name: 'append-only.test/log', origin: 'append-only.test/log', privateKey: ed25519.utils.randomSecretKey() }, { singleRoundTrip: testDatabaseKind() === 'postgres' })
  for (let i = 0; i < 5; i++) await seq.append([makeEntry('council', key)])
})
afterAll(async () => {
  await h?.close()
  await t?.drop()
})

const run = (text: string) => sql.raw(text).execute(h.db)
/** Every row of the log's tables, so a refused statement can be shown to have changed nothing. */
const snapshot = async () => {
  const { rows } = await sql<{ s: string }>`select concat_ws('|',
    (select string_agg(idx || ':' || encode(body, 'hex') || encode(leaf_hash, 'hex'), ',' order by idx) from entry),
    (select string_agg(level || '/' || idx || ':' || encode(hash, 'hex'), ',' order by level, idx) from node),
    (select string_agg(size || ':' || encode(root, 'hex') || note, ',' order by size) from checkpoint),
    (select size || ':' || encode(root, 'hex') from log_head)) as s`.execute(h.db)
  return rows[0]!.s
}

const CHANGES: Record<'entry' | 'node' | 'checkpoint', string> = {
  entry: `update entry set body = convert_to('{}', 'UTF8') where idx = 2`,
  node: `update node set hash = decode(repeat('00', 32), 'hex') where level = 0 and idx = 2`,
  checkpoint: `update checkpoint set note = 'forged' where size = 3`,
}

describe('the log tables, to the role the service runs as', () => {
  for (const table of ['entry', 'node', 'checkpoint'] as const) {
    it(`refuse UPDATE, DELETE and TRUNCATE of ${table} rows, changing nothing`, async () => {
      const before = await snapshot()
      await expect(run(CHANGES[table])).rejects.toThrow(`the ledger is append-only: UPDATE on ${table} is refused`)
      await expect(run(`delete from ${table}`)).rejects.toThrow(`the ledger is append-only: DELETE on ${table} is refused`)
      await expect(run(`truncate ${table}`)).rejects.toThrow(`the ledger is append-only: TRUNCATE on ${table} is refused`)
      await expect(run(CHANGES[table])).rejects.toMatchObject({ code: '23001' })
      expect(await snapshot()).toBe(before)
    })
  }

  it('refuse to move the head back, to give its size another root, or to remove it', async () => {
    const before = await snapshot()
    await expect(run('update log_head set size = size - 1')).rejects.toThrow(/the ledger is append-only: the log size cannot go down \(from \d+ to \d+\)/)
    await expect(run('update log_head set size = 0, root = (select root from checkpoint where size = 1)')).rejects.toThrow(/cannot go down/)
    await expect(run(`update log_head set root = decode(repeat('00', 32), 'hex')`)).rejects.toThrow(/the log of size \d+ cannot get another root/)
    await expect(run('delete from log_head')).rejects.toThrow('the ledger is append-only: DELETE on log_head is refused')
    await expect(run('truncate log_head')).rejects.toThrow('the ledger is append-only: TRUNCATE on log_head is refused')
    expect(await snapshot()).toBe(before)
  })

  it('still take appends, in one transaction or (PostgreSQL) one ledger_append call, and key changes of a party', async () => {
    const size = (await seq.append([makeEntry('council', key)])).size
    const res = await seq.append([makeEntry('council', key), makeEntry('council', key)])
    expect(res.appended.map((a) => a.index)).toEqual([size, size + 1])
    const { rows } = await sql<{ n: number; head: number; top: number }>`select count(*)::int as n, (select size from log_head) as head, (select max(size) from checkpoint) as top from entry`.execute(h.db)
    expect(rows[0]).toEqual({ n: size + 2, head: size + 2, top: size + 2 })
    // party is not append-only: the ledger registers (and so updates) each party's key at start-up.
    await registerParty(h.db, 'council', 'old-key')
    await registerParty(h.db, 'council', 'new-key')
    expect((await partyKeys(h.db)).get('council')).toBe('new-key')
  })
})

describe('test clean-up', () => {
  it.skipIf(testDatabaseKind() !== 'postgres')('still drops a ledger schema with its rows (DROP SCHEMA … CASCADE fires no row trigger)', async () => {
    const other = await createTestTarget('appendonlydrop')
    const o = await openDatabase<LedgerDB>(other.target)
    await migrateToLatest(o.db, 'ledger')
    await createSequencer(o.db, { name: 'drop.test/log', origin: 'drop.test/log', privateKey: ed25519.utils.randomSecretKey() }).append([makeEntry('council', key)])
    await o.close()
    await other.drop()
    const schema = (other.target as { schema: string }).schema
    const c = new pg.Client({ connectionString: process.env.DATABASE_URL })
    await c.connect()
    try {
      expect((await c.query('select 1 from pg_namespace where nspname = $1', [schema])).rowCount).toBe(0)
    } finally {
      await c.end()
    }
  })
})
