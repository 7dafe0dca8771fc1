/**
 * What "active" means is set by the clause: a referral-format extract (service, referred_on,
 * discharged_on) is turned into the flag on the index's as-of date, counting only the services the clause
 * lists; every answer carries that as-of date.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { api } from '../scripts/lib/client.js'
import { candidatesCsv, people, startIsaHarness, type IsaHarness, type Person } from './isa-fixtures.js'

let h: IsaHarness
const asOf = new Date().toISOString().slice(0, 10)
const daysFrom = (d: string, n: number) => new Date(Date.parse(`${d}T00:00:00Z`) + n * 86_400_000).toISOString().slice(0, 10)

type Referral = [service: string, referredOn: string, dischargedOn: string]
/** Each candidate with the referrals the trust holds for them and the flag the clause makes of them. */
const cases: { referrals: Referral[]; active: boolean; why: string }[] = [
  { referrals: [['CMHT', daysFrom(asOf, -90), '']], active: true, why: 'open referral to a listed service' },
  { referrals: [['cmht ', daysFrom(asOf, -90), '']], active: true, why: 'service codes compare trimmed and case-insensitively' },
  { referrals: [['EIP', daysFrom(asOf, -400), daysFrom(asOf, 10)]], active: true, why: 'discharge after the as-of date' },
  { referrals: [['CMHT', daysFrom(asOf, -400), daysFrom(asOf, -20)]], active: false, why: 'discharged before the as-of date' },
  { referrals: [['CMHT', daysFrom(asOf, -400), asOf]], active: false, why: 'discharged on the as-of date' },
  { referrals: [['PHYSIO', daysFrom(asOf, -30), '']], active: false, why: 'open referral to a service the clause does not list' },
  { referrals: [['CAMHS', daysFrom(asOf, 5), '']], active: false, why: 'referred after the as-of date' },
  { referrals: [['IAPT', daysFrom(asOf, -300), daysFrom(asOf, -100)], ['Crisis', daysFrom(asOf, -3), '']], active: true, why: 'one of several referrals open' },
  { referrals: [['PHYSIO', daysFrom(asOf, -300), ''], ['CMHT', daysFrom(asOf, -300), daysFrom(asOf, -1)]], active: false, why: 'only the unlisted one open' },
  { referrals: [], active: false, why: 'not a patient' },
  { referrals: [], active: false, why: 'not a patient' },
]
const persons: Person[] = people(cases.map(() => ({ district: 'Lichfield' })), 300)

function referralCsv(): string {
  const lines = ['patient_id,nhs_number,given_name,family_name,date_of_birth,sex,postcode,service,referred_on,discharged_on']
  cases.forEach((c, i) => {
    const p = persons[i]!
    for (const [service, on, off] of c.referrals) lines.push([p.patientId, p.nhs, p.given, p.family, p.dob, p.sex, p.postcode, service, on, off].join(','))
  })
  return lines.join('\n') + '\n'
}

beforeAll(async () => {
  h = await startIsaHarness('isa_active')
})

afterAll(async () => {
  await h?.drop()
})

describe('the active flag from referrals', () => {
  it('derives each patient’s flag from the referral columns as the clause defines active, and answers with the index as-of date', async () => {
    const imported = await api.importIndex(h.stack.urls.sidecar, h.stack.tokens.igOfficer, referralCsv(), asOf)
    expect(imported.patients_loaded).toBe(cases.filter((c) => c.referrals.length > 0).length)
    expect(imported.rows_rejected).toBe(0)
    const up = await api.upload(h.stack.urls.council, h.stack.tokens.analyst, candidatesCsv(persons))
    const ex = await api.startExchange(h.stack.urls.council, h.stack.tokens.analyst, up.body.upload_id)
    expect(ex.body).toMatchObject({ status: 'answered', index_as_of: asOf })
    const flags = new Map((await api.results(h.stack.urls.council, h.stack.tokens.analyst, ex.body.exchange_id)).rows.map((r) => [r.ref, r.active_service]))
    const got = cases.map((c, i) => ({ why: c.why, active: flags.get(persons[i]!.ref) }))
    expect(got).toEqual(cases.map((c) => ({ why: c.why, active: c.active })))
  })

  it('reads the same referrals differently on an earlier as-of date', async () => {
    await api.importIndex(h.stack.urls.sidecar, h.stack.tokens.igOfficer, referralCsv(), daysFrom(asOf, -6))
    const up = await api.upload(h.stack.urls.council, h.stack.tokens.analyst, candidatesCsv(persons), 'again.csv')
    const ex = await api.startExchange(h.stack.urls.council, h.stack.tokens.analyst, up.body.upload_id)
    expect(ex.body.index_as_of).toBe(daysFrom(asOf, -6))
    const flags = new Map((await api.results(h.stack.urls.council, h.stack.tokens.analyst, ex.body.exchange_id)).rows.map((r) => [r.ref, r.active_service]))
    // Six days earlier the CMHT referral discharged on the as-of date (case 4) was still open.
    expect(flags.get(persons[4]!.ref)).toBe(true)
    // ...and the Crisis referral made three days before (case 7) was not yet made, nor the IAPT one open.
    expect(flags.get(persons[7]!.ref)).toBe(false)
    // The PHYSIO + CMHT patient discharged a day before the as-of date was open six days earlier.
    expect(flags.get(persons[8]!.ref)).toBe(true)
  })
})
