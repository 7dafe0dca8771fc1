import { describe, expect, it } from 'vitest'
import { checkIsaStatus, checkReviewDate, isaDigest, loadExampleIsa, renewedFor, type IsaDocument } from '../src/index.js'

const example = loadExampleIsa()
const strict: IsaDocument = { ...structuredClone(example), review_overdue: 'refuse' }

describe('renewedFor (the example as the demo and the end-to-end stacks run it)', () => {
  it('is the example itself up to and on its review date', () => {
    expect(renewedFor(example, new Date('2026-12-02T12:00:00Z'))).toBe(example)
    expect(renewedFor(example, new Date(`${example.review_date}T22:00:00Z`))).toBe(example)
  })

  it('the day after the review date, moves the review a year on and the end 30 days beyond it, and changes nothing else', () => {
    const now = new Date('2027-03-02T09:00:00Z')
    const r = renewedFor(strict, now)
    expect(r.review_date).toBe('2028-03-01')
    expect(r.valid_to).toBe('2028-03-31')
    expect({ ...r, review_date: strict.review_date, valid_to: strict.valid_to }).toEqual(strict)
    expect(isaDigest(r)).not.toBe(isaDigest(strict))
    // the checks the services make pass on it, where the example itself is refused as overdue
    expect(() => checkReviewDate(strict, now)).toThrow()
    expect(checkIsaStatus(r, now)).toBe(r)
    expect(checkReviewDate(r, now)).toBeUndefined()
  })

  it('renews an example already past its end, counting days from the UK date', () => {
    // 23:30 UTC on 30 June is 1 July in London (BST)
    const r = renewedFor(example, new Date('2029-06-30T23:30:00Z'))
    expect(r.review_date).toBe('2030-07-01')
    expect(r.valid_to).toBe('2030-07-31')
    expect(checkIsaStatus(r, new Date('2030-07-31T12:00:00Z'))).toBe(r)
  })

  it('keeps the span from review to end of the document it is given', () => {
    const d: IsaDocument = { ...structuredClone(example), review_date: '2027-01-01', valid_to: '2027-01-11' }
    const r = renewedFor(d, new Date('2027-02-01T12:00:00Z'))
    expect([r.review_date, r.valid_to]).toEqual(['2028-02-01', '2028-02-11'])
  })
})
