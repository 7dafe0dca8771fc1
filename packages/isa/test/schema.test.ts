import { describe, expect, it } from 'vitest'
import { ErrorCode } from '@healthflag/protocol'
import {
  hasPlaceholderKeys,
  loadExampleIsa,
  parseIsaDocument,
  validateIsaDocument,
  withApproval,
  withPartyKeys,
  type IsaDocument,
} from '../src/index.js'
import { refusal } from './helpers.js'

const key = (byte: number): string => Buffer.alloc(32, byte).toString('base64url')

function mutate(f: (d: Record<string, any>) => void): unknown {
  const d = structuredClone(loadExampleIsa()) as Record<string, any>
  f(d)
  return d
}

describe('ISA schema', () => {
  it('accepts the BRFC–SSSFT example agreement', () => {
    const doc = loadExampleIsa()
    expect(doc.id).toBe('brfc-sssft-mh')
    expect(doc.clauses.map((c) => c.id)).toEqual(['brfc-mh-1'])
    const clause = doc.clauses[0]!
    expect(clause.precondition.min_criteria).toBe(2)
    expect(clause.batch).toEqual({ min: 10, max: 60000 })
    expect(clause.frequency).toEqual({ max_exchanges: 4, period_days: 30 })
    expect(clause.retention_days).toBe(365)
    expect(clause.approval.required).toBe(false)
  })

  it('rejects an unknown top-level field and names it', () => {
    const r = validateIsaDocument(mutate((d) => (d.notes = 'x')))
    expect(r.ok).toBe(false)
    if (!r.ok) expect(r.problems.join()).toContain('unknown field "notes"')
  })

  it('rejects an unknown field inside a clause', () => {
    const r = validateIsaDocument(mutate((d) => (d.clauses[0].diagnosis_codes = ['F20'])))
    expect(r.ok).toBe(false)
    if (!r.ok) expect(r.problems.join()).toContain('/clauses/0')
  })

  it('rejects a clause that would return any field other than active_service', () => {
    expect(validateIsaDocument(mutate((d) => (d.clauses[0].returned_fields = ['diagnosis']))).ok).toBe(false)
    expect(
      validateIsaDocument(mutate((d) => (d.clauses[0].returned_fields = ['active_service', 'service_name']))).ok,
    ).toBe(false)
    expect(validateIsaDocument(mutate((d) => (d.clauses[0].returned_fields = []))).ok).toBe(false)
  })

  it('rejects a precondition below the programme threshold of two criteria', () => {
    expect(validateIsaDocument(mutate((d) => (d.clauses[0].precondition.min_criteria = 1))).ok).toBe(false)
  })

  it('rejects impossible calendar dates and timestamps without an offset', () => {
    expect(validateIsaDocument(mutate((d) => (d.valid_to = '2027-02-30'))).ok).toBe(false)
    expect(validateIsaDocument(mutate((d) => (d.effective_from = '2016-03-01T00:00:00'))).ok).toBe(false)
  })

  it('rejects a protocol other than the One Staffordshire ISP and an unknown status', () => {
    expect(validateIsaDocument(mutate((d) => (d.protocol = 'Some Other Protocol'))).ok).toBe(false)
    expect(validateIsaDocument(mutate((d) => (d.status = 'live'))).ok).toBe(false)
  })

  it('rejects incoherent documents that pass the shape check', () => {
    const cases: [string, (d: Record<string, any>) => void, string][] = [
      ['validity backwards', (d) => (d.valid_to = '2015-01-01'), '/valid_to'],
      ['batch min above max', (d) => (d.clauses[0].batch = { min: 100, max: 10 }), '/clauses/0/batch'],
      ['two councils', (d) => (d.parties[1].id = 'council'), '/parties'],
      ['duplicate clause', (d) => d.clauses.push(structuredClone(d.clauses[0])), 'duplicate clause'],
      ['v2 without supersedes', (d) => (d.version = 2), '/supersedes'],
      ['v1 with supersedes', (d) => (d.supersedes = 'a'.repeat(64)), '/supersedes'],
    ]
    for (const [, f, where] of cases) {
      const r = validateIsaDocument(mutate(f))
      expect(r.ok).toBe(false)
      if (!r.ok) expect(r.problems.join()).toContain(where)
    }
  })

  it('throws ISA_INVALID with status 422 from parseIsaDocument', () => {
    const e = refusal(() => parseIsaDocument({ id: 'x' }))
    expect(e.code).toBe(ErrorCode.ISA_INVALID)
    expect(e.statusCode).toBe(422)
  })

  it('replaces placeholder keys without changing the original document', () => {
    const doc = loadExampleIsa()
    expect(hasPlaceholderKeys(doc)).toBe(true)
    const keyed = withPartyKeys(doc, {
      council: { signing: key(1), agreement: key(2) },
      trust: { signing: key(3), agreement: key(4) },
    })
    expect(hasPlaceholderKeys(keyed)).toBe(false)
    expect(hasPlaceholderKeys(doc)).toBe(true)
    const council = keyed.parties.find((p) => p.id === 'council')!
    const trust = keyed.parties.find((p) => p.id === 'trust')!
    expect([council.signing_key, council.agreement_key, trust.signing_key, trust.agreement_key]).toEqual([
      key(1),
      key(2),
      key(3),
      key(4),
    ])
  })

  it('refuses a party key that is not 32 bytes of base64url', () => {
    const doc = loadExampleIsa()
    const bad = () =>
      withPartyKeys(doc, {
        council: { signing: 'not-a-key', agreement: key(2) },
        trust: { signing: key(3), agreement: key(4) },
      })
    expect(refusal(bad).code).toBe(ErrorCode.ISA_INVALID)
  })

  it('flips approval for one clause in a copy', () => {
    const doc: IsaDocument = loadExampleIsa()
    const gated = withApproval(doc, 'brfc-mh-1', true, 24)
    expect(gated.clauses[0]!.approval).toEqual({ required: true, window_hours: 24 })
    expect(doc.clauses[0]!.approval.required).toBe(false)
  })
})

describe('the example agreement and the tokens package', () => {
  it('permits exactly the match keys the council tokenises, so the demo can send them', async () => {
    const { CANDIDATE_TOKEN_KINDS } = await import('@healthflag/tokens')
    expect([...loadExampleIsa().clauses[0]!.permitted_match_keys].sort()).toEqual([...CANDIDATE_TOKEN_KINDS].sort())
  })
})
