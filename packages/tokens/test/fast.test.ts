import { readFileSync } from 'node:fs'
import { hmac } from '@noble/hashes/hmac.js'
import { sha256 } from '@noble/hashes/sha2.js'
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { generatePopulation } from '@healthflag/synth'
import {
  ALL_TOKEN_KINDS,
  TokenColumns,
  createBinaryTokeniser,
  createFastTokeniser,
  createTokeniser,
  normalisePerson,
  prekeyedHmacSha256,
  type RawPerson,
  type TokenSet,
} from '../src/index.js'

const vectors = JSON.parse(readFileSync(new URL('./vectors/tokens-v2.json', import.meta.url), 'utf8')) as {
  today: string
  keys: { epoch_key: string }
  cases: { name: string; input: RawPerson; tokens: TokenSet | null }[]
}
const epochKey = new Uint8Array(Buffer.from(vectors.keys.epoch_key, 'hex'))
const today = new Date(`${vectors.today}T12:00:00Z`)

describe('pre-keyed HMAC-SHA256', () => {
  it('equals the @noble/hashes reference HMAC for keys and messages of any length', () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 0, maxLength: 100 }), fc.uint8Array({ minLength: 0, maxLength: 300 }), (key, msg) => {
        const out = new Uint8Array(32)
        prekeyedHmacSha256(key)(msg, out, 0, 32)
        expect(Buffer.from(out).toString('hex')).toBe(Buffer.from(hmac(sha256, key, msg)).toString('hex'))
      }),
      { numRuns: 300 },
    )
  })

  it('writes only the requested truncated length at the requested offset', () => {
    const key = new Uint8Array(32).fill(9)
    const msg = new Uint8Array([1, 2, 3])
    const out = new Uint8Array(40).fill(0xee)
    prekeyedHmacSha256(key)(msg, out, 8, 16)
    expect([...out.subarray(0, 8)]).toEqual(new Array(8).fill(0xee))
    expect([...out.subarray(8, 24)]).toEqual([...hmac(sha256, key, msg).subarray(0, 16)])
    expect([...out.subarray(24)]).toEqual(new Array(16).fill(0xee))
  })
})

describe('fast tokeniser', () => {
  const fast = createFastTokeniser(epochKey, { kinds: ALL_TOKEN_KINDS })
  const reference = createTokeniser(epochKey, { kinds: ALL_TOKEN_KINDS, impl: 'noble' })

  it('gives the vector tokens for every vector case', () => {
    let checked = 0
    for (const vc of vectors.cases) {
      if (vc.tokens === null) continue
      const { person } = normalisePerson(vc.input, { today })
      expect(fast.tokens(person), vc.name).toEqual(vc.tokens)
      checked++
    }
    expect(checked).toBeGreaterThan(30)
  })

  it('gives the reference tokens for generated people, noisy ones included', () => {
    const pop = generatePopulation({ seed: 11, patients: 2000, candidates: 500, tier: 'hard' })
    for (const row of [...pop.patients, ...pop.candidates]) {
      const { person } = normalisePerson(row, { today })
      expect(fast.tokens(person)).toEqual(reference.tokens(person))
    }
  })

  it('gives the reference tokens for arbitrary field text', () => {
    const text = fc.option(fc.string({ maxLength: 30 }), { nil: null })
    fc.assert(
      fc.property(fc.record({ given_name: text, family_name: text, date_of_birth: text, sex: text, postcode: text, nhs_number: text }), (raw) => {
        const { person } = normalisePerson(raw, { today })
        expect(fast.tokens(person)).toEqual(reference.tokens(person))
      }),
      { numRuns: 300 },
    )
  })

  it('writes binary tokens with kind codes, each distinct token of a kind once', () => {
    const bin = createBinaryTokeniser(epochKey, { kinds: ALL_TOKEN_KINDS })
    const cols = new TokenColumns(1)
    const { person } = normalisePerson({ given_name: 'Anne', family_name: 'Smith-Jones', date_of_birth: '1970-02-02', sex: 'F', postcode: 'ST4 7AB', nhs_number: null }, { today })
    const n = bin.tokenise(person, cols)
    const ref = reference.tokens(person)
    const fromCols: TokenSet = {}
    for (let i = 0; i < n; i++) (fromCols[bin.kinds[cols.kinds[i]!]!] ??= []).push(Buffer.from(cols.tokens.subarray(i * 16, i * 16 + 16)).toString('base64url'))
    expect(fromCols).toEqual(ref)
    expect(n).toBe(Object.values(ref).reduce((s, t) => s + t.length, 0))
  })
})
