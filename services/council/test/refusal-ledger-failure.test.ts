/**
 * A refusal the council makes before sending is recorded in the ledger. Should the ledger not take that entry, the
 * analyst still gets the refusal (its code, status and sentence), not an internal error, and the failure is logged
 * without personal data.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { generatePopulation, toCsv, CANDIDATE_COLUMNS } from '@healthflag/synth'
import { api } from '../../../scripts/lib/client.js'
import { startHarness, type Harness } from '../../../test/support/harness.js'
import { ledgerRefuses } from '../../../test/support/ledger-refusal.js'

let h: Harness
const csv = <T extends object>(rows: T[], cols: readonly string[]) => toCsv(rows, [...cols] as (keyof T)[])

beforeAll(async () => {
  h = await startHarness('refusal_ledger_failure')
})
afterAll(async () => {
  await h?.drop()
})

describe('recording a council-side refusal', () => {
  it('answers with the refusal (CLAUSE_UNKNOWN) and logs the ledger failure when the ledger will not take the entry', async () => {
    const pop = generatePopulation({ seed: 5, patients: 50, candidates: 12, tier: 'clean' })
    const upload = (await api.upload(h.stack.urls.council, h.stack.tokens.analyst, csv(pop.candidates, CANDIDATE_COLUMNS))).body
    // The ledger refuses to store exchange.refused entries; every other append goes through.
    await ledgerRefuses(h.stack.ledger, ['exchange.refused'])

    const refused = await api.startExchange(h.stack.urls.council, h.stack.tokens.analyst, upload.upload_id, { clause_id: 'no-such-clause' }).catch((e: unknown) => e)
    expect(refused).toMatchObject({ status: 403, code: 'CLAUSE_UNKNOWN' })
    const logged = h.logs().split('\n').filter((l) => l.includes('the refusal could not be recorded in the ledger'))
    expect(logged).toHaveLength(1)
    expect(JSON.parse(logged[0]!)).toMatchObject({ level: 50, refusal: 'CLAUSE_UNKNOWN', exchange_id: expect.any(String), ledger_error: expect.any(String) })
    const c = pop.candidates[0]! as unknown as Record<string, string>
    for (const v of [c.nhs_number, c.given_name, c.family_name, c.date_of_birth, c.postcode]) if (v) expect(logged[0]).not.toContain(v)
  })
})
