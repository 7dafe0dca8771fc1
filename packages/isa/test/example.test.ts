import { describe, expect, it } from 'vitest'
import { checkIsaStatus, checkReviewDate, checkVersionChain, isaVersion, loadExampleIsa, renewals, resolveVersion, type IsaDocument } from '../src/index.js'

const example = loadExampleIsa()
const strict: IsaDocument = { ...structuredClone(example), review_overdue: 'refuse' }
const chain = (doc: IsaDocument, now: Date) => [doc, ...renewals(doc, now)].map(isaVersion)

describe('renewals (the example as the demo and the end-to-end stacks run it)', () => {
  it('are none up to and on the review date', () => {
    expect(renewals(example, new Date('2026-12-02T12:00:00Z'))).toEqual([])
    expect(renewals(example, new Date(`${example.review_date}T22:00:00Z`))).toEqual([])
  })

  it('the day after the review date, are one variation: review and end a year on, in effect from the review date, nothing else changed', () => {
    const now = new Date('2027-03-02T09:00:00Z')
    const [v2, ...more] = renewals(strict, now)
    expect(more).toEqual([])
    expect(v2).toMatchObject({ version: 2, review_date: '2028-03-01', valid_to: '2028-03-31', effective_from: '2027-03-01T12:00:00.000Z' })
    const { version, supersedes, review_date, valid_to, effective_from, ...rest } = v2!
    expect(supersedes).toBe(isaVersion(strict).digest)
    const { version: _v, review_date: _r, valid_to: _t, effective_from: _e, ...restBefore } = strict
    expect(rest).toEqual(restBefore)
    // what the services check, on the version in effect: the example itself is refused as overdue, the renewal passes
    const versions = chain(strict, now)
    checkVersionChain(versions)
    const inEffect = resolveVersion(versions, now)!.doc
    expect(inEffect.version).toBe(2)
    expect(() => checkReviewDate(strict, now)).toThrow()
    expect(checkIsaStatus(inEffect, now)).toBe(inEffect)
    expect(checkReviewDate(inEffect, now)).toBeUndefined()
  })

  it('are one a year, the same each time they are asked for, so that a database holding the first ones takes the next', () => {
    const later = renewals(example, new Date('2029-06-30T23:30:00Z'))
    expect(later.map((d) => [d.version, d.review_date, d.valid_to, d.effective_from])).toEqual([
      [2, '2028-03-01', '2028-03-31', '2027-03-01T12:00:00.000Z'],
      [3, '2029-03-01', '2029-03-31', '2028-03-01T12:00:00.000Z'],
      [4, '2030-03-01', '2030-03-31', '2029-03-01T12:00:00.000Z'],
    ])
    expect(renewals(example, new Date('2027-04-15T12:00:00Z'))).toEqual(later.slice(0, 1))
    checkVersionChain(chain(example, new Date('2029-06-30T23:30:00Z')))
  })

  it('count the day in the UK, and keep 29 February only in leap years', () => {
    const d: IsaDocument = { ...structuredClone(example), review_date: '2028-02-29', valid_to: '2028-06-30' }
    expect(renewals(d, new Date('2028-03-01T00:30:00Z')).map((x) => [x.review_date, x.valid_to])).toEqual([['2029-02-28', '2029-06-30']])
    // 23:30 UTC on 28 February 2029 is still 28 February in London (GMT): not past the renewed review date
    expect(renewals(d, new Date('2029-02-28T23:30:00Z'))).toHaveLength(1)
    // 23:30 UTC on 30 June 2029 is 1 July in London (BST): past the renewed end
    expect(renewals(d, new Date('2029-06-30T23:30:00Z')).map((x) => [x.review_date, x.valid_to])).toEqual([['2029-02-28', '2029-06-30'], ['2030-02-28', '2030-06-30']])
  })
})
