// The active flag an import derives from referral rows is judged on the index's as-of date as a UK calendar day, in
// summer (British Summer Time) as in winter.
import { describe, expect, it } from 'vitest'
import { INDEX_TOKEN_KINDS } from '@healthflag/tokens'
import { processChunk, type ChunkSettings } from '../src/import/chunk-work.js'

const header = 'patient_id,nhs_number,given_name,family_name,date_of_birth,sex,postcode,service,referred_on,discharged_on\n'
const encoder = new TextEncoder()

async function activeOn(asOf: string, referral: [service: string, referredOn: string, dischargedOn: string]): Promise<boolean> {
  const settings: ChunkSettings = {
    epochKey: new Uint8Array(32).fill(7),
    kinds: INDEX_TOKEN_KINDS,
    activeDefinition: { services: ['CMHT'], max_index_age_days: 365 },
    asOf,
    today: `${asOf}T12:00:00Z`,
  }
  const body = `P1,,Ada,Lovelace,1980-01-02,F,ST16 2AB,${referral.join(',')}\n`
  const r = await processChunk(settings, { seq: 0, header: encoder.encode(header), headerLines: 1, body: encoder.encode(body), firstLine: 2 })
  expect(r.ids).toEqual(['P1'])
  return r.referralActive[0] === 1
}

describe.each([
  ['British Summer Time', '2026-06-10', '2026-06-11'],
  ['Greenwich Mean Time', '2026-01-10', '2026-01-11'],
])('a referral on the day after the as-of date (%s)', (_season, asOf, dayAfter) => {
  it('a referral discharged the day after the as-of date was open on it', async () => {
    expect(await activeOn(asOf, ['CMHT', '2025-01-01', dayAfter])).toBe(true)
  })
  it('a referral made the day after the as-of date was not yet open on it', async () => {
    expect(await activeOn(asOf, ['CMHT', dayAfter, ''])).toBe(false)
  })
  it('a referral discharged on the as-of date is closed on it', async () => {
    expect(await activeOn(asOf, ['CMHT', '2025-01-01', asOf])).toBe(false)
  })
})
