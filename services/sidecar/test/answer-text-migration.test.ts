// Migration 0011: an answer and a held request stored as jsonb by an earlier version come back, as text, with the same
// content (the JSON a replay, the council's poll or an approval parses).
import { cpSync, mkdtempSync, readdirSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { sql } from 'kysely'
import { afterAll, describe, expect, it } from 'vitest'
import { MIGRATIONS_ROOT, createTestTarget, migrateToLatest, openDatabase, type TestTarget } from '@healthflag/db'

const cleanups: (() => Promise<void> | void)[] = []
afterAll(async () => {
  for (const c of cleanups.reverse()) await c()
})

describe('sidecar migration 0011 (answers as text)', () => {
  it('keeps the content of answers and held requests written as jsonb', async () => {
    // The migrations before 0011, as an earlier release had them.
    const before = mkdtempSync(join(tmpdir(), 'hf-mig-'))
    cleanups.push(() => rmSync(before, { recursive: true, force: true }))
    cpSync(join(MIGRATIONS_ROOT, 'sidecar'), join(before, 'sidecar'), { recursive: true })
    for (const f of readdirSync(join(before, 'sidecar'))) if (f >= '0011') rmSync(join(before, 'sidecar', f))

    const target: TestTarget = await createTestTarget('mig0011')
    cleanups.push(() => target.drop())
    const handle = await openDatabase<any>(target.target)
    cleanups.push(() => handle.close())
    const db = handle.db
    await migrateToLatest(db, 'sidecar', before)

    const answer = { answer: { exchange_id: '4f0c3b1e-8f7e-4c55-9a0b-2f1e6d7c8b9a', results: [{ ref: 'r1', active: true }, { ref: 'r2', active: false }], note: 'Zoë "quoted" \\ back' }, signature: 'c2ln' }
    const request = { exchange_id: '4f0c3b1e-8f7e-4c55-9a0b-2f1e6d7c8b9a', rows: [{ ref: 'r1', tokens: { nhs: ['AAAAAAAAAAAAAAAAAAAAAA'] } }] }
    const id = answer.answer.exchange_id
    await sql`insert into exchange (id, isa_id, isa_digest, clause_id, party, status, rows_received, request_digest, signed_answer)
              values (${id}, 'isa', 'd', 'c1', 'council', 'answered', 2, 'rd', ${JSON.stringify(answer)}::jsonb)`.execute(db)
    await sql`insert into pending_request (exchange_id, request) values (${id}, ${JSON.stringify(request)}::jsonb)`.execute(db)

    await migrateToLatest(db, 'sidecar')
    const types = await sql<{ table_name: string; column_name: string; data_type: string }>`
      select table_name, column_name, data_type from information_schema.columns
      where table_schema = current_schema() and column_name in ('signed_answer', 'request') order by table_name`.execute(db)
    expect(types.rows.map((r) => [r.table_name, r.column_name, r.data_type])).toEqual([
      ['exchange', 'signed_answer', 'text'],
      ['pending_request', 'request', 'text'],
    ])
    const row = await db.selectFrom('exchange').select('signed_answer').where('id', '=', id).executeTakeFirstOrThrow()
    const held = await db.selectFrom('pending_request').select('request').where('exchange_id', '=', id).executeTakeFirstOrThrow()
    expect(typeof row.signed_answer).toBe('string')
    expect(JSON.parse(row.signed_answer)).toEqual(answer)
    expect(JSON.parse(held.request)).toEqual(request)
  })
})
