/**
 * The council's store: an answer's flags (every row of the exchange gets its own flag, in one statement), and the
 * ledger view, which only grows: answers to concurrent appends arrive in any order, and keeping a smaller checkpoint
 * after a larger one would let a ledger roll back past what the council has already seen.
 */
import { randomBytes, randomUUID } from 'node:crypto'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Kysely } from 'kysely'
import { createTestTarget, migrateToLatest, openDatabase, type TestTarget } from '@healthflag/db'
import type { CouncilDB } from '../src/db/schema.js'
import * as store from '../src/store.js'

let target: TestTarget
let handle: Awaited<ReturnType<typeof openDatabase<CouncilDB>>>
let db: Kysely<CouncilDB>

beforeAll(async () => {
  target = await createTestTarget('council_store')
  handle = await openDatabase<CouncilDB>(target.target)
  db = handle.db
  await migrateToLatest(db, 'council')
})
afterAll(async () => {
  await handle.close()
  await target.drop()
})

describe('recordAnswer', () => {
  it('sets each row\'s flag from the answer', async () => {
    const uploadId = randomUUID()
    const exchangeId = randomUUID()
    await db.insertInto('upload').values({ id: uploadId, file_digest: randomBytes(32).toString('hex'), filename: 'f.csv', uploaded_by: 'a', rows_read: 0, rows_accepted: 0, rows_excluded: 0, rows_warned: 0 }).execute()
    await store.insertExchange(db, { id: exchangeId, uploadId, isaId: 'isa', isaVersion: 1, isaDigest: 'a'.repeat(64), clauseId: 'c', epoch: 1, kcv: '0'.repeat(16), rowsSent: 3000, requestedBy: 'a', requestDigest: 'b'.repeat(64) })
    const rows = Array.from({ length: 3000 }, (_, i) => ({ ref: randomBytes(16).toString('base64url'), rowNo: i + 2 }))
    await store.insertExchangeRows(db, { id: exchangeId, uploadId, rows })
    const flags = new Map(rows.map((r, i) => [r.ref, i % 7 === 0]))
    const flagged = await db.transaction().execute((trx) => store.recordAnswer(trx, exchangeId, { flags, indexAsOf: '2026-11-01', signedAnswer: { x: 1 }, answeredAt: new Date() }))
    expect(flagged).toBe(rows.filter((_, i) => i % 7 === 0).length)
    const stored = await db.selectFrom('exchange_row').select(['row_ref', 'active']).where('exchange_id', '=', exchangeId).execute()
    expect(new Map(stored.map((r) => [r.row_ref, r.active]))).toEqual(flags)
  })
})

describe('saveLedgerView', () => {
  const view = (size: number) => ({ size, root: `root-${size}`, note: `note-${size}` })
  const held = async () => {
    const row = await store.getLedgerView(db)
    return row && { size: Number(row.size), root: row.root, note: row.note }
  }

  it('keeps the first view, then only a larger one', async () => {
    expect(await held()).toBeUndefined()
    await store.saveLedgerView(db, view(11))
    expect(await held()).toEqual(view(11))
    await store.saveLedgerView(db, view(12))
    expect(await held()).toEqual(view(12))
    // The answer to an earlier append, arriving late: the larger view stands.
    await store.saveLedgerView(db, view(11))
    expect(await held()).toEqual(view(12))
    await store.saveLedgerView(db, view(12))
    expect(await held()).toEqual(view(12))
  })
})
