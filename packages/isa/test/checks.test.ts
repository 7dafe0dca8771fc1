import { describe, expect, it } from 'vitest'
import { ErrorCode } from '@healthflag/protocol'
import {
  checkBatchSize,
  checkClause,
  checkExchange,
  checkFrequency,
  checkIndexAge,
  checkIsaDigest,
  checkIsaStatus,
  checkMatchKeys,
  checkPrecondition,
  checkPurpose,
  checkReturnedFields,
  checkReviewDate,
  frequencyWindowStart,
  isaDigest,
  loadExampleIsa,
  ukDate,
  type ExchangeContext,
  type IsaDocument,
} from '../src/index.js'
import { refusal } from './helpers.js'

const NOW = new Date('2026-11-25T12:00:00Z')
const base = loadExampleIsa()
const clause = base.clauses[0]!
const withDoc = (f: (d: IsaDocument) => void): IsaDocument => {
  const d = structuredClone(base)
  f(d)
  return d
}

describe('checkIsaStatus', () => {
  it('accepts the active example agreement today', () => {
    expect(checkIsaStatus(base, NOW)).toBe(base)
  })

  it('refuses an unknown ISA with ISA_UNKNOWN (403)', () => {
    const e = refusal(() => checkIsaStatus(undefined, NOW, 'no-such-isa'))
    expect([e.code, e.statusCode]).toEqual([ErrorCode.ISA_UNKNOWN, 403])
  })

  it('refuses a draft with ISA_NOT_ACTIVE (403)', () => {
    const e = refusal(() => checkIsaStatus(withDoc((d) => (d.status = 'draft')), NOW))
    expect([e.code, e.statusCode]).toEqual([ErrorCode.ISA_NOT_ACTIVE, 403])
  })

  it('refuses a suspended agreement with ISA_SUSPENDED (403)', () => {
    const e = refusal(() => checkIsaStatus(withDoc((d) => (d.status = 'suspended')), NOW))
    expect([e.code, e.statusCode]).toEqual([ErrorCode.ISA_SUSPENDED, 403])
  })

  it('refuses an agreement marked expired with ISA_EXPIRED (403)', () => {
    const e = refusal(() => checkIsaStatus(withDoc((d) => (d.status = 'expired')), NOW))
    expect([e.code, e.statusCode]).toEqual([ErrorCode.ISA_EXPIRED, 403])
  })

  it('refuses an active agreement once valid_to has passed in London', () => {
    // 31 March 2027 ends at 23:00 UTC: British Summer Time starts on 28 March 2027.
    expect(() => checkIsaStatus(base, new Date('2027-03-31T22:59:59Z'))).not.toThrow()
    const e = refusal(() => checkIsaStatus(base, new Date('2027-03-31T23:00:00Z')))
    expect(e.code).toBe(ErrorCode.ISA_EXPIRED)
  })

  it('refuses before valid_from with ISA_NOT_YET_VALID (403)', () => {
    const e = refusal(() => checkIsaStatus(base, new Date('2016-02-29T12:00:00Z')))
    expect([e.code, e.statusCode]).toEqual([ErrorCode.ISA_NOT_YET_VALID, 403])
  })

  it('refuses a version whose effective_from is still in the future', () => {
    const later = withDoc((d) => (d.effective_from = '2026-12-01T00:00:00Z'))
    expect(refusal(() => checkIsaStatus(later, NOW)).code).toBe(ErrorCode.ISA_NOT_YET_VALID)
  })

  it('reads dates in England, not UTC', () => {
    expect(ukDate(new Date('2026-06-30T23:30:00Z'))).toBe('2026-07-01')
    expect(ukDate(new Date('2026-12-31T23:30:00Z'))).toBe('2026-12-31')
  })
})

describe('checkIsaDigest', () => {
  it('refuses a quoted digest that differs from the held one with ISA_DIGEST_MISMATCH (409)', () => {
    const held = { doc: base, digest: isaDigest(base) }
    expect(() => checkIsaDigest(held, isaDigest(base))).not.toThrow()
    const e = refusal(() => checkIsaDigest(held, 'f'.repeat(64)))
    expect([e.code, e.statusCode]).toEqual([ErrorCode.ISA_DIGEST_MISMATCH, 409])
  })
})

describe('checkReviewDate', () => {
  it('says nothing before the review date', () => {
    expect(checkReviewDate(base, NOW)).toBeUndefined()
  })

  it('warns after the review date when the ISA says warn', () => {
    const w = checkReviewDate(base, new Date('2027-03-02T12:00:00Z'))
    expect(w).toContain('due for review on 2027-03-01')
  })

  it('refuses after the review date with ISA_REVIEW_OVERDUE (403) when the ISA says refuse', () => {
    const strict = withDoc((d) => (d.review_overdue = 'refuse'))
    expect(checkReviewDate(strict, new Date('2027-03-01T12:00:00Z'))).toBeUndefined()
    const e = refusal(() => checkReviewDate(strict, new Date('2027-03-02T12:00:00Z')))
    expect([e.code, e.statusCode]).toEqual([ErrorCode.ISA_REVIEW_OVERDUE, 403])
  })
})

describe('clause checks', () => {
  it('returns the named clause and refuses an unknown one with CLAUSE_UNKNOWN (403)', () => {
    expect(checkClause(base, 'brfc-mh-1')).toBe(clause)
    const e = refusal(() => checkClause(base, 'brfc-mh-9'))
    expect([e.code, e.statusCode]).toEqual([ErrorCode.CLAUSE_UNKNOWN, 403])
  })

  it('refuses another purpose with PURPOSE_NOT_PERMITTED (403)', () => {
    expect(() => checkPurpose(clause, 'brfc.mental_health_flag')).not.toThrow()
    const e = refusal(() => checkPurpose(clause, 'brfc.debt_flag'))
    expect([e.code, e.statusCode]).toEqual([ErrorCode.PURPOSE_NOT_PERMITTED, 403])
  })

  it('refuses a match key the clause does not list with MATCH_KEY_NOT_PERMITTED (403)', () => {
    expect(() => checkMatchKeys(clause, ['nhs', 'name_dob_sex_pc'])).not.toThrow()
    const e = refusal(() => checkMatchKeys(clause, ['nhs', 'email']))
    expect([e.code, e.statusCode]).toEqual([ErrorCode.MATCH_KEY_NOT_PERMITTED, 403])
    expect(e.message).toContain('email')
    expect(refusal(() => checkMatchKeys(clause, [])).code).toBe(ErrorCode.MATCH_KEY_NOT_PERMITTED)
  })

  it('refuses any returned field other than active_service with FIELD_NOT_PERMITTED (403)', () => {
    expect(() => checkReturnedFields(clause, ['active_service'])).not.toThrow()
    const e = refusal(() => checkReturnedFields(clause, ['active_service', 'diagnosis']))
    expect([e.code, e.statusCode]).toEqual([ErrorCode.FIELD_NOT_PERMITTED, 403])
  })

  it('refuses batches below the minimum (422) and above the maximum (413)', () => {
    expect(() => checkBatchSize(clause, 10)).not.toThrow()
    expect(() => checkBatchSize(clause, 60000)).not.toThrow()
    const small = refusal(() => checkBatchSize(clause, 9))
    expect([small.code, small.statusCode]).toEqual([ErrorCode.BATCH_TOO_SMALL, 422])
    const large = refusal(() => checkBatchSize(clause, 60001))
    expect([large.code, large.statusCode]).toEqual([ErrorCode.BATCH_TOO_LARGE, 413])
  })

  it('refuses a fifth exchange in the window with FREQUENCY_EXCEEDED (429)', () => {
    expect(() => checkFrequency(clause, ['e1', 'e2', 'e3'], 'e4')).not.toThrow()
    const e = refusal(() => checkFrequency(clause, ['e1', 'e2', 'e3', 'e4'], 'e5'))
    expect([e.code, e.statusCode]).toEqual([ErrorCode.FREQUENCY_EXCEEDED, 429])
  })

  it('counts chunks of one exchange once and lets a further chunk of a counted exchange through', () => {
    expect(() => checkFrequency(clause, ['e1', 'e1', 'e2', 'e2', 'e3'], 'e4')).not.toThrow()
    expect(() => checkFrequency(clause, ['e1', 'e2', 'e3', 'e4'], 'e3')).not.toThrow()
  })

  it('counts over a window of the clause period ending now', () => {
    expect(frequencyWindowStart(clause, NOW).toISOString()).toBe('2026-10-26T12:00:00.000Z')
  })

  it('refuses a missing or lower attested threshold with PRECONDITION_NOT_ATTESTED (403)', () => {
    expect(() => checkPrecondition(clause, 2)).not.toThrow()
    expect(() => checkPrecondition(clause, 3)).not.toThrow()
    const low = refusal(() => checkPrecondition(clause, 1))
    expect([low.code, low.statusCode]).toEqual([ErrorCode.PRECONDITION_NOT_ATTESTED, 403])
    expect(refusal(() => checkPrecondition(clause, undefined)).code).toBe(ErrorCode.PRECONDITION_NOT_ATTESTED)
  })

  it('refuses an index older than the clause allows with INDEX_TOO_OLD (503)', () => {
    expect(() => checkIndexAge(clause, new Date('2026-11-18T12:00:00Z'), NOW)).not.toThrow()
    const e = refusal(() => checkIndexAge(clause, new Date('2026-11-18T11:59:59Z'), NOW))
    expect([e.code, e.statusCode]).toEqual([ErrorCode.INDEX_TOO_OLD, 503])
  })

  it('refuses when no index is loaded with INDEX_NOT_LOADED (503)', () => {
    const e = refusal(() => checkIndexAge(clause, undefined, NOW))
    expect([e.code, e.statusCode]).toEqual([ErrorCode.INDEX_NOT_LOADED, 503])
  })
})

describe('checkExchange', () => {
  const ctx = (over: Partial<ExchangeContext> = {}): ExchangeContext => ({
    side: 'trust',
    isa: { doc: base, digest: isaDigest(base) },
    isaId: base.id,
    claimedDigest: isaDigest(base),
    clauseId: 'brfc-mh-1',
    purpose: 'brfc.mental_health_flag',
    matchKeys: ['nhs', 'name_dob_sex'],
    batchSize: 500,
    exchangeId: 'x5',
    recentExchangeIds: ['x1'],
    attestedMinCriteria: 2,
    indexAsOf: new Date('2026-11-24T00:00:00Z'),
    now: NOW,
    ...over,
  })

  it('passes a permitted exchange and returns its clause with no warnings', () => {
    const r = checkExchange(ctx())
    expect(r.clause.id).toBe('brfc-mh-1')
    expect(r.warnings).toEqual([])
  })

  it('returns the review warning and still passes when review is overdue and the ISA says warn', () => {
    const r = checkExchange(ctx({ now: new Date('2027-03-10T12:00:00Z'), indexAsOf: new Date('2027-03-09T00:00:00Z') }))
    expect(r.warnings).toHaveLength(1)
  })

  it('skips the index check on the council side', () => {
    expect(() => checkExchange(ctx({ side: 'council', indexAsOf: undefined }))).not.toThrow()
    expect(refusal(() => checkExchange(ctx({ indexAsOf: undefined }))).code).toBe(ErrorCode.INDEX_NOT_LOADED)
  })

  it('reports the most fundamental problem first', () => {
    const suspended = withDoc((d) => (d.status = 'suspended'))
    const everythingWrong = ctx({
      isa: { doc: suspended, digest: isaDigest(suspended) },
      clauseId: 'nope',
      batchSize: 1,
      attestedMinCriteria: 0,
    })
    expect(refusal(() => checkExchange(everythingWrong)).code).toBe(ErrorCode.ISA_SUSPENDED)
    expect(refusal(() => checkExchange(ctx({ claimedDigest: '0'.repeat(64), clauseId: 'nope' }))).code).toBe(
      ErrorCode.ISA_DIGEST_MISMATCH,
    )
    expect(refusal(() => checkExchange(ctx({ purpose: 'other', batchSize: 1 }))).code).toBe(
      ErrorCode.PURPOSE_NOT_PERMITTED,
    )
    expect(refusal(() => checkExchange(ctx({ attestedMinCriteria: 1, batchSize: 1 }))).code).toBe(
      ErrorCode.PRECONDITION_NOT_ATTESTED,
    )
    expect(refusal(() => checkExchange(ctx({ batchSize: 1, recentExchangeIds: ['a', 'b', 'c', 'd'] }))).code).toBe(
      ErrorCode.BATCH_TOO_SMALL,
    )
  })

  it('names only the refused key kinds in a match-key refusal', () => {
    const e = refusal(() => checkExchange(ctx({ matchKeys: ['nhs', 'dob_only'] })))
    expect(e.message).toMatch(/^Clause brfc-mh-1 does not permit the match key\(s\) dob_only; /)
  })
})
