/**
 * The council's view of the ledger only grows: answers to concurrent appends arrive in any order, and keeping a
 * smaller checkpoint after a larger one would let a ledger roll back past what the council has already seen.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Kysely } from 'kysely'
import { createTestTarget, migrateToLatest, openDatabase, type TestTarget } from '@healthflag/db'
import type { CouncilDB } from '../src/db/schema.js'
import * as store from '../src/store.js'

let target: TestTarget
let handle: Awaited<ReturnType<typeof openDatabase<CouncilDB>>>
let db: Kysely<CouncilDB>

beforeAll(async () => {
  target = await createTestTarget('council_ledger_view')
  handle = await openDatabase<CouncilDB>(target.target)
  db = handle.db
  await migrateToLatest(db, 'council')
})
afterAll(async () => {
  await handle.close()
  await target.drop()
})

const view = (size: number) => ({ size, root: `root-${size}`, note: `note-${size}` })
const held = async () => {
  const row = await store.getLedgerView(db)
  return row && { size: Number(row.size), root: row.root, note: row.note }
}

describe('saveLedgerView', () => {
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
