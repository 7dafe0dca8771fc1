/**
 * The answer's canonical text written member by member is canonicalJson's (and json-canonicalize's) text, whatever the
 * strings hold; other shapes fall back to canonicalJson; the signed answer's digest made from that text is jsonDigest's.
 */
import { describe, expect, it } from 'vitest'
import fc from 'fast-check'
import { canonicalize } from 'json-canonicalize'
import { canonicalAnswer, canonicalJson, generateSigningKeyPair, jsonDigest, signAnswer, signedAnswerDigest, verifyAnswer, type ExchangeAnswer } from '../src/index.js'

const answerArb = fc.record({
  exchange_id: fc.string(),
  isa_digest: fc.string(),
  clause_id: fc.string({ unit: 'binary' }),
  index_as_of: fc.string(),
  request_digest: fc.string(),
  results: fc.array(fc.record({ ref: fc.string({ unit: 'binary' }), active: fc.boolean() }), { maxLength: 20 }),
  answered_at: fc.string({ unit: 'grapheme' }),
})

const sample: ExchangeAnswer = {
  exchange_id: '8b0d6a7e-52d4-4d6a-9a37-9d7b0c1e2f3a',
  isa_digest: 'a'.repeat(64),
  clause_id: 'weekly',
  index_as_of: '2026-11-01',
  request_digest: 'b'.repeat(64),
  results: [
    { ref: 'AAAAAAAAAAAAAAAAAAAAAA', active: true },
    { ref: 'BBBBBBBBBBBBBBBBBBBBBB', active: false },
  ],
  answered_at: '2026-11-25T18:00:00.000Z',
}

describe('canonicalAnswer', () => {
  it('gives canonicalJson\'s and json-canonicalize\'s text for any answer of the schema\'s shape', () => {
    fc.assert(
      fc.property(answerArb, (a) => {
        const text = canonicalAnswer(a)
        expect(text).toBe(canonicalJson(a))
        expect(text).toBe(canonicalize(a))
      }),
      { numRuns: 1000 },
    )
    expect(canonicalAnswer(sample)).toBe(canonicalize(sample))
  })

  it('falls back to the general form for any other shape (extra, missing or mistyped members)', () => {
    const odd: unknown[] = [
      { ...sample, extra: 1 },
      { ...sample, results: [{ ...sample.results[0]!, extra: 'x' }] },
      { ...sample, results: [{ ref: 'x' }] },
      { ...sample, results: [{ ref: 'x', active: 'yes' }] },
      { ...sample, results: [{ ref: 1, active: true }] },
      { ...sample, results: [null] },
      { ...sample, results: {} },
      { ...sample, clause_id: 7 },
      (({ answered_at: _, ...rest }) => ({ ...rest, other: 'x' }))(sample),
      Object.assign(Object.create({ inherited: 1 }), sample),
    ]
    for (const v of odd) expect(canonicalAnswer(v as ExchangeAnswer)).toBe(canonicalize(v as object))
  })
})

describe('signedAnswerDigest', () => {
  it('is jsonDigest of the signed answer, with or without the canonical text passed in', () => {
    const keys = generateSigningKeyPair()
    fc.assert(
      fc.property(answerArb, fc.string(), (a, party) => {
        const text = canonicalAnswer(a)
        const signed = signAnswer(a, party, keys.privateKey, text)
        expect(verifyAnswer(signed, keys.publicKey, text)).toBe(true)
        expect(verifyAnswer(signed, keys.publicKey)).toBe(true)
        expect(signedAnswerDigest(signed, text)).toBe(jsonDigest(signed))
        expect(signedAnswerDigest(signed)).toBe(jsonDigest(signed))
      }),
      { numRuns: 200 },
    )
  })

  it('digests any other shape as jsonDigest does', () => {
    const signed = { answer: sample, party: 'trust', signature: 'x'.repeat(86) }
    expect(signedAnswerDigest({ ...signed, extra: 1 } as never)).toBe(jsonDigest({ ...signed, extra: 1 }))
    expect(signedAnswerDigest({ ...signed, party: 5 } as never)).toBe(jsonDigest({ ...signed, party: 5 }))
  })

  it('refuses an answer changed after signing', () => {
    const keys = generateSigningKeyPair()
    const signed = signAnswer(sample, 'trust', keys.privateKey)
    const flipped = { ...signed, answer: { ...sample, results: [{ ...sample.results[0]!, active: false }, sample.results[1]!] } }
    expect(verifyAnswer(flipped, keys.publicKey)).toBe(false)
  })
})
