// Both drivers give a service the same value types: a calendar date as its text, whatever the host's time zone (on UK
// time node-pg's default made local midnight of it, and toISOString() turned 1 June into 31 May during summer time).
import { sql, type Kysely } from 'kysely'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { openDatabase } from '../src/open.js'
import { createTestTarget, type TestTarget } from '../src/testing.js'

let t: TestTarget
let db: Kysely<any>
let close: () => Promise<void>
const tz = process.env.TZ

beforeAll(async () => {
  process.env.TZ = 'Europe/London'
  t = await createTestTarget('dbtypes')
  const h = await openDatabase<any>(t.target)
  db = h.db
  close = h.close
})

afterAll(async () => {
  await close?.()
  await t?.drop()
  if (tz === undefined) delete process.env.TZ
  else process.env.TZ = tz
})

describe('value types', () => {
  it('reads a date column as its yyyy-mm-dd text on a host on UK time, in summer and winter', async () => {
    const r = await sql<{ s: unknown; w: unknown }>`select date '2026-06-01' as s, date '2026-01-15' as w`.execute(db)
    expect(r.rows[0]).toEqual({ s: '2026-06-01', w: '2026-01-15' })
  })
  it('reads int8 and numeric as numbers', async () => {
    const r = await sql<{ a: unknown; b: unknown }>`select 9007199254740991::int8 as a, 12.5::numeric as b`.execute(db)
    expect(r.rows[0]).toEqual({ a: 9007199254740991, b: 12.5 })
  })
})
