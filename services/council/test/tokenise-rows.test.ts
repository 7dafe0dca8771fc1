/**
 * The council's request rows made on worker threads are the rows made on one thread, in the same order, with the
 * same rows left out; and each row carries exactly the reference tokeniser's tokens.
 */
import { randomBytes } from 'node:crypto'
import { describe, expect, it } from 'vitest'
import { generatePopulation } from '@healthflag/synth'
import { ExchangeRow, assertValid } from '@healthflag/protocol'
import { MATCH_KEYS, MAX_TOKENS_PER_KIND, createFastTokeniser, createTokeniser, normalisePerson, type NormalisedPerson } from '@healthflag/tokens'
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

describe('a row whose family name has many parts', () => {
  // A free-text surname field holding 20 words: 21 `family` values (the full name, then each part).
  const WORDS = ['Ashdown', 'Brackenbury', 'Cholmondeley', 'Dunstable', 'Everingham', 'Fairweather', 'Gainsborough', 'Hollingsworth', 'Ingleby', 'Jellicoe', 'Kettleborough', 'Lockwood', 'Marchbanks', 'Netherwood', 'Oakenshaw', 'Pemberton', 'Quenby', 'Ravenscroft', 'Stainforth', 'Thistlewood']
  const raw = { nhs_number: null, given_name: 'Rosalind', date_of_birth: '1981-06-14', sex: 'F', postcode: 'ST16 2AB' }
  const long = normalisePerson({ ...raw, family_name: WORDS.join(' ') }).person
  // The same person with the full name alone (one word): the token of the full name, which the trust's index holds.
  const fullOnly = normalisePerson({ ...raw, family_name: WORDS.join('') }).person
  const reference = createTokeniser(epochKey, { kinds: MATCH_KEYS, impl: 'noble' })
  const rowsOf = (ps: NormalisedPerson[]) =>
    JSON.parse(`[${text(tokeniseRows({ epochKey, kinds: MATCH_KEYS, refs: refs.slice(0, ps.length), persons: ps.map((p) => JSON.stringify(p)) }).bytes)}]`) as { ref: string; tokens: Record<string, string[]> }[]

  it('carries each kind\'s first 16 tokens, the full name\'s first, so the protocol takes the row', () => {
    const all = reference.tokens(long)
    expect(all.name_dob_sex_pc).toHaveLength(21)
    const [row, next] = rowsOf([long, persons[0]!])
    for (const [kind, tokens] of Object.entries(all)) expect(row!.tokens[kind], kind).toEqual(tokens.slice(0, MAX_TOKENS_PER_KIND))
    expect(Object.keys(row!.tokens).sort()).toEqual(Object.keys(all).sort())
    const full = reference.tokens(fullOnly)
    for (const kind of ['name_dob_sex_pc', 'name_dob_sex', 'family_dob_sex_pc', 'phonetic_name_dob'] as const) expect(row!.tokens[kind]![0], kind).toBe(full[kind]![0])
    expect(() => assertValid(ExchangeRow, row, 'row')).not.toThrow()
    // The row after it is written as before.
    expect(next!.tokens).toEqual(reference.tokens(persons[0]!))
  })

  it('is what the protocol would refuse uncut: 16 tokens of a kind is its limit', () => {
    const all = reference.tokens(long)
    const row = { ref: refs[0]!, tokens: { name_dob_sex_pc: all.name_dob_sex_pc!.slice(0, MAX_TOKENS_PER_KIND + 1) } }
    expect(() => assertValid(ExchangeRow, row, 'row')).toThrow(/maxItems|must NOT have more than 16 items/)
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
