/**
 * The council's request rows made on worker threads are the rows made on one thread, in the same order, with the
 * same rows left out; and each row carries exactly the reference tokeniser's tokens.
 */
import { randomBytes } from 'node:crypto'
import { describe, expect, it } from 'vitest'
import { generatePopulation } from '@healthflag/synth'
import { MATCH_KEYS, createFastTokeniser, createTokeniser, normalisePerson, type NormalisedPerson } from '@healthflag/tokens'
import { tokeniseRows } from '../src/tokenise/rows.js'
import { WORKER_THRESHOLD, joinRows, tokeniseRowsParallel } from '../src/tokenise/pool.js'

const pop = generatePopulation({ seed: 11, patients: 200, candidates: WORKER_THRESHOLD + 500, tier: 'realistic' })
const persons: NormalisedPerson[] = pop.candidates.map((c) => normalisePerson(c).person)
// Rows without any permitted key's fields are left out: blank a few people entirely.
for (const i of [3, 1000, WORKER_THRESHOLD + 10]) persons[i] = normalisePerson({ given_name: null, family_name: null, date_of_birth: null, nhs_number: null, sex: null, postcode: null }).person
const refs = persons.map(() => randomBytes(16).toString('base64url'))
const texts = persons.map((p) => JSON.stringify(p))
const epochKey = new Uint8Array(32).fill(9)
/** The rows' bytes as text (UTF-8: the body that is sent is these bytes). */
const text = (bytes: Uint8Array): string => new TextDecoder('utf-8', { fatal: true }).decode(bytes)
const b = (s: string): Uint8Array => new TextEncoder().encode(s)

describe('tokeniseRowsParallel', () => {
  it('gives the single-thread rows, in order, with the same rows skipped', async () => {
    const one = tokeniseRows({ epochKey, kinds: MATCH_KEYS, refs, persons: texts })
    const two = await tokeniseRowsParallel({ epochKey, kinds: MATCH_KEYS, refs, persons: texts }, { threads: 2 })
    expect(one.skipped).toEqual([3, 1000, WORKER_THRESHOLD + 10])
    expect(two.skipped).toEqual(one.skipped)
    expect(two.slices.length).toBe(2)
    expect(text(joinRows(two.slices))).toBe(text(one.bytes))
  })

  it('writes the text JSON.stringify gives for each row and its fast-path token set', () => {
    const fast = createFastTokeniser(epochKey, { kinds: MATCH_KEYS })
    const expected = persons.flatMap((p, i) => {
      const tokens = fast.tokens(p)
      return Object.keys(tokens).length === 0 ? [] : [JSON.stringify({ ref: refs[i], tokens })]
    })
    const bytes = tokeniseRows({ epochKey, kinds: MATCH_KEYS, refs, persons: texts }).bytes
    expect(text(bytes)).toBe(expected.join(','))
    expect(bytes.every((b) => b >= 0x20 && b < 0x7f)).toBe(true)
  })

  it('carries the reference tokeniser\'s tokens under each row\'s ref', async () => {
    const kinds = MATCH_KEYS.filter((k) => k !== 'phonetic_name_dob')
    const out = await tokeniseRowsParallel({ epochKey, kinds, refs, persons: texts }, { threads: 2 })
    const rows = JSON.parse(text(joinRows(out.slices, b('['), b(']')))) as { ref: string; tokens: Record<string, string[]> }[]
    expect(rows.length).toBe(persons.length - 3)
    const reference = createTokeniser(epochKey, { kinds, impl: 'noble' })
    const byRef = new Map(refs.map((r, i) => [r, persons[i]!]))
    for (const row of rows.filter((_, i) => i % 50 === 0)) expect(row.tokens).toEqual(reference.tokens(byRef.get(row.ref)!))
    expect(rows.every((r) => !('phonetic_name_dob' in r.tokens))).toBe(true)
  })

  it('refuses a ref that is not base64url rather than write it unescaped', () => {
    expect(() => tokeniseRows({ epochKey, kinds: MATCH_KEYS, refs: ['a"b', ...refs.slice(1)], persons: texts.slice(0, 1) })).toThrow(RangeError)
  })
})

describe('joinRows', () => {
  it('joins slices by commas between a prefix and a suffix, and skips empty slices', () => {
    expect(text(joinRows([b('{"a":1}'), b(''), b('{"b":2},{"c":3}'), b('')]))).toBe('{"a":1},{"b":2},{"c":3}')
    expect(text(joinRows([b(''), b('{"a":1}'), b('{"b":2}')], b('{"rows":['), b(']}')))).toBe('{"rows":[{"a":1},{"b":2}]}')
    expect(text(joinRows([b(''), b('')], b('['), b(']')))).toBe('[]')
    expect(joinRows([b(''), b('')]).length).toBe(0)
  })
})
