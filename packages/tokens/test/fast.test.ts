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
  isLikelyTypo,
  nhsCheckDigit,
  normaliseDateOfBirth,
  normaliseNhsNumber,
  normalisePerson,
  normaliseSex,
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

  it('equals the reference on a run of messages of changing lengths through one instance (padding left from a longer one)', () => {
    const key = new Uint8Array(32).map((_, i) => i + 1)
    const mac = prekeyedHmacSha256(key)
    fc.assert(
      fc.property(fc.array(fc.uint8Array({ minLength: 0, maxLength: 140 }), { minLength: 1, maxLength: 30 }), (msgs) => {
        for (const msg of msgs) {
          const out = new Uint8Array(32)
          mac(msg, out, 0, 32)
          expect(Buffer.from(out).toString('hex')).toBe(Buffer.from(hmac(sha256, key, msg)).toString('hex'))
        }
      }),
      { numRuns: 200 },
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

  it('gives the reference tokens whatever its memos hold: names met again after the memos were cleared', () => {
    // A memo of four names is cleared every few people, so tokens come from fresh entries, from entries made for an
    // earlier person (given_freq and family_freq kept in them) and from people whose fields were written just before.
    const bin = createBinaryTokeniser(epochKey, { kinds: ALL_TOKEN_KINDS, memoLimit: 4 })
    const cols = new TokenColumns(1)
    const pop = generatePopulation({ seed: 12, patients: 600, candidates: 200, tier: 'hard' })
    const rows = [...pop.patients, ...pop.candidates]
    for (let i = 0; i < rows.length * 2; i++) {
      const { person } = normalisePerson(rows[(i * 7) % rows.length]!, { today })
      cols.length = 0
      const n = bin.tokenise(person, cols)
      const fromCols: TokenSet = {}
      for (let t = 0; t < n; t++) (fromCols[bin.kinds[cols.kinds[t]!]!] ??= []).push(Buffer.from(cols.tokens.subarray(t * 16, t * 16 + 16)).toString('base64url'))
      expect(fromCols).toEqual(reference.tokens(person))
    }
  })

  it('gives the reference tokens for one given name met with each sex (the memo keeps an entry per sex)', () => {
    // Typo-like names and diminutives whose formal names depend on the sex (Alex, Sam, Bernie).
    const names = ['EANNA', 'ANONA', 'AJANE', 'JANAE', 'JOEAN', 'AMELIAX', 'GEORGEX', 'ALEX', 'SAM', 'BERNIE']
    expect(names.some((n) => isLikelyTypo(n))).toBe(true)
    const bin = createBinaryTokeniser(epochKey, { kinds: ALL_TOKEN_KINDS })
    const cols = new TokenColumns(1)
    for (const given of names) {
      for (const sex of ['F', 'M', null, 'M', 'F']) {
        const { person } = normalisePerson({ given_name: given, family_name: 'Smith', date_of_birth: '1970-02-02', sex, postcode: 'ST4 7AB', nhs_number: null }, { today })
        cols.length = 0
        const n = bin.tokenise(person, cols)
        const fromCols: TokenSet = {}
        for (let t = 0; t < n; t++) (fromCols[bin.kinds[cols.kinds[t]!]!] ??= []).push(Buffer.from(cols.tokens.subarray(t * 16, t * 16 + 16)).toString('base64url'))
        expect(fromCols, `${given} ${sex}`).toEqual(reference.tokens(person))
      }
    }
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

describe('normalisePerson fast paths', () => {
  const digitString = (n: number) => fc.array(fc.integer({ min: 0, max: 9 }), { minLength: n, maxLength: n }).map((d) => d.join(''))
  const validNhs = digitString(9).map((nine) => {
    const check = nhsCheckDigit(nine)
    return check === null ? nine + '0' : nine + String(check)
  })

  it('gives normaliseNhsNumber\'s answer for ten digits, valid or not, and for any other text', () => {
    const text = fc.oneof(validNhs, digitString(10), fc.integer({ min: 0, max: 9 }).map((d) => String(d).repeat(10)), fc.string({ maxLength: 12 }))
    fc.assert(
      fc.property(text, (raw) => {
        const want = normaliseNhsNumber(raw)
        const { person, issues } = normalisePerson({ nhs_number: raw }, { today })
        expect(person.nhs_number).toBe(want.ok ? want.value : null)
        expect(issues.find((i) => i.field === 'nhs_number')?.code).toBe(want.ok ? undefined : want.problem)
      }),
      { numRuns: 2000 },
    )
  })

  it('gives normaliseDateOfBirth\'s answer for yyyy-mm-dd text on any day, and for any other text', () => {
    const pad = (n: number, w: number) => String(n).padStart(w, '0')
    const iso = fc.tuple(fc.integer({ min: 0, max: 9999 }), fc.integer({ min: 0, max: 99 }), fc.integer({ min: 0, max: 99 })).map(([y, m, d]) => `${pad(y, 4)}-${pad(m, 2)}-${pad(d, 2)}`)
    const plausible = fc.date({ min: new Date('1870-01-01'), max: new Date('2040-12-31'), noInvalidDate: true }).map((d) => d.toISOString().slice(0, 10))
    const text = fc.oneof(iso, plausible, fc.string({ maxLength: 12 }), fc.constantFrom('1990-1-05', '1990-01-5 ', ' 1990-01-05', '1990/01/05', '05/01/1990', '１９９０-01-05'))
    const day = fc.date({ min: new Date('1990-01-01'), max: new Date('2040-12-31'), noInvalidDate: true })
    fc.assert(
      fc.property(text, day, (raw, now) => {
        const want = normaliseDateOfBirth(raw, now)
        const { person, issues } = normalisePerson({ date_of_birth: raw }, { today: now })
        expect(person.date_of_birth).toBe(want.ok ? want.value : null)
        expect(issues.find((i) => i.field === 'date_of_birth')?.code).toBe(want.ok ? undefined : want.problem)
      }),
      { numRuns: 3000 },
    )
  })

  it('gives normaliseSex\'s answer for a code met again', () => {
    for (const raw of ['M', 'F', 'm', 'female', '1', '2', '9', 'U', 'x', 'Q', '', ' M ', 'M', 'Q', 'female']) {
      const want = normaliseSex(raw)
      const { person, issues } = normalisePerson({ sex: raw }, { today })
      expect(person.sex).toBe(want.ok ? want.value : null)
      expect(issues.find((i) => i.field === 'sex')?.code).toBe(want.ok ? undefined : want.problem)
    }
  })
})
