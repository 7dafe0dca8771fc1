import { describe, expect, it } from 'vitest'
import { deriveActive, loadExampleIsa, referralProblem, type Referral } from '../src/index.js'

const def = loadExampleIsa().clauses[0]!.active_definition
const asOf = new Date('2026-11-20T12:00:00Z')
const ref = (r: Partial<Referral>): Referral => ({ service: 'CMHT', referred_on: '2026-01-10', discharged_on: null, ...r })

describe('deriveActive', () => {
  it('is true for an open referral to a listed service', () => {
    expect(deriveActive([ref({})], def, asOf)).toBe(true)
  })

  it('is false with no referrals at all', () => {
    expect(deriveActive([], def, asOf)).toBe(false)
  })

  it('ignores referrals to services the clause does not list', () => {
    expect(deriveActive([ref({ service: 'Memory clinic' })], def, asOf)).toBe(false)
  })

  it('matches service codes regardless of case and surrounding spaces', () => {
    expect(deriveActive([ref({ service: ' camhs ' })], def, asOf)).toBe(true)
  })

  it('counts a referral made on the as-of date but not one made after it', () => {
    expect(deriveActive([ref({ referred_on: '2026-11-20' })], def, asOf)).toBe(true)
    expect(deriveActive([ref({ referred_on: '2026-11-21' })], def, asOf)).toBe(false)
  })

  it('treats a discharge on the as-of date as closed and a later discharge as still open', () => {
    expect(deriveActive([ref({ discharged_on: '2026-11-20' })], def, asOf)).toBe(false)
    expect(deriveActive([ref({ discharged_on: '2026-11-21' })], def, asOf)).toBe(true)
    expect(deriveActive([ref({ discharged_on: '' })], def, asOf)).toBe(true)
  })

  it('is true when any one of several referrals is open', () => {
    const history = [
      ref({ service: 'EIP', referred_on: '2024-01-01', discharged_on: '2025-01-01' }),
      ref({ service: 'Dietetics' }),
      ref({ service: 'IAPT', referred_on: '2026-10-01' }),
    ]
    expect(deriveActive(history, def, asOf)).toBe(true)
    expect(deriveActive(history.slice(0, 2), def, asOf)).toBe(false)
  })

  it('reads the as-of instant as an English date', () => {
    // 23:30 UTC on 30 June is already 1 July in London (BST).
    expect(deriveActive([ref({ referred_on: '2026-07-01' })], def, new Date('2026-06-30T23:30:00Z'))).toBe(true)
  })

  it('refuses a malformed or impossible date, naming the field and not the value', () => {
    expect(() => deriveActive([ref({ referred_on: '10/01/2026' })], def, asOf)).toThrow(/^referred_on must be an ISO date/)
    expect(() => deriveActive([ref({ discharged_on: '2026-02-30' })], def, asOf)).toThrow(/^discharged_on must be an ISO date/)
  })
})

describe('referralProblem', () => {
  it('accepts a well-formed referral, open or closed', () => {
    expect(referralProblem(ref({}))).toBeUndefined()
    expect(referralProblem(ref({ discharged_on: '2026-03-01' }))).toBeUndefined()
  })

  it('names the field and reason for each kind of bad row without echoing the value', () => {
    expect(referralProblem(ref({ service: '  ' }))).toEqual({ field: 'service', reason: 'is empty' })
    expect(referralProblem(ref({ referred_on: '31/12/2025' }))?.field).toBe('referred_on')
    expect(referralProblem(ref({ discharged_on: '2026-02-29' }))?.field).toBe('discharged_on')
    expect(referralProblem(ref({ discharged_on: '2025-12-31' }))).toEqual({ field: 'discharged_on', reason: 'is before referred_on' })
  })
})
