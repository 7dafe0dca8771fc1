/**
 * A verified answer is stored while its receipt goes to the ledger. When storing fails, the exchange is marked failed
 * (not left 'sending'), no flag is kept, and the ledger's receipt records what was received.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { sql, type Kysely } from 'kysely'
import { generatePopulation, toCsv, PATIENT_COLUMNS, CANDIDATE_COLUMNS } from '@healthflag/synth'
import { api } from '../../../scripts/lib/client.js'
import { startHarness, type Harness } from '../../../test/support/harness.js'

let h: Harness
const csv = <T extends object>(rows: T[], cols: readonly string[]) => toCsv(rows, [...cols] as (keyof T)[])

beforeAll(async () => {
  h = await startHarness('answer_store_failure')
})
afterAll(async () => {
  await h?.drop()
})

describe('storing a verified answer', () => {
  it('marks the exchange failed and keeps no flag when the answer cannot be stored; the receipt is in the ledger', async () => {
    const pop = generatePopulation({ seed: 3, patients: 300, candidates: 30, tier: 'clean' })
    await api.importIndex(h.stack.urls.sidecar, h.stack.tokens.igOfficer, csv(pop.patients, PATIENT_COLUMNS))
    const upload = (await api.upload(h.stack.urls.council, h.stack.tokens.analyst, csv(pop.candidates, CANDIDATE_COLUMNS))).body
    const db = (h.stack.council as unknown as { healthflagDb: Kysely<any> }).healthflagDb
    // Storing the answer (status 'answered') fails; every other write goes through.
    await sql`CREATE FUNCTION refuse_answered() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN IF NEW.status = 'answered' THEN RAISE EXCEPTION 'storage refused'; END IF; RETURN NEW; END $$`.execute(db)
    await sql`CREATE TRIGGER refuse_answered BEFORE UPDATE ON exchange FOR EACH ROW EXECUTE FUNCTION refuse_answered()`.execute(db)

    const refused = await api.startExchange(h.stack.urls.council, h.stack.tokens.analyst, upload.upload_id).catch((e: unknown) => e)
    expect(refused).toMatchObject({ status: 500 })
    const ex = await db.selectFrom('exchange').select(['id', 'status', 'error_code']).where('upload_id', '=', upload.upload_id).executeTakeFirstOrThrow()
    expect({ status: ex.status, error_code: ex.error_code }).toEqual({ status: 'failed', error_code: 'INTERNAL' })
    const flags = await db.selectFrom('exchange_row').select('active').where('exchange_id', '=', ex.id).execute()
    expect(flags.length).toBeGreaterThan(0)
    expect(flags.every((r) => r.active === null)).toBe(true)
    const entries = await api.ledgerEntries(h.stack.urls.ledger, h.stack.tokens.auditor)
    expect(entries.filter((e) => e.entry.entry.exchange_id === ex.id).map((e) => e.entry.entry.type)).toEqual(['exchange.requested', 'exchange.answered', 'exchange.received'])
  })
})
