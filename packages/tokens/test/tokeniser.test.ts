import { readFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import {
  CANDIDATE_TOKEN_KINDS,
  INDEX_TOKEN_KINDS,
  MATCH_KEYS,
  createTokeniser,
  normaliseGivenName,
  normalisePerson,
  type MatchKeyKind,
} from '../src/index.js'

const KEY = new Uint8Array(32).fill(42)
const TODAY = new Date('2026-11-25T00:00:00Z')
const raw = { given_name: 'John', family_name: 'Smith', date_of_birth: '2010-05-14', sex: 'M', postcode: 'ST4 7AB' }
const full = normalisePerson(
  { nhs_number: '9434765919', given_name: 'Bill', family_name: 'Smith-Jones', date_of_birth: '1990-03-05', sex: 'M', postcode: 'ST4 7AB' },
  { today: TODAY },
).person

describe('tokeniser', () => {
  it('emits every match key but the typo key (the given name is a known name), and no frequency key, for the council by default', () => {
    const t = createTokeniser(KEY).tokens(full)
    expect(Object.keys(t).sort()).toEqual(MATCH_KEYS.filter((k) => k !== 'typo_name_dob_sex').sort())
    expect(t.name_freq).toBeUndefined()
    expect(CANDIDATE_TOKEN_KINDS).toEqual(MATCH_KEYS)
  })
  it('emits typo tokens only for a given name that is not a known name, and they meet the index tokens of the name one edit away', () => {
    const council = createTokeniser(KEY)
    const index = createTokeniser(KEY, { kinds: INDEX_TOKEN_KINDS })
    const typo = normalisePerson({ ...raw, given_name: 'Jphn' }).person
    const jon = normalisePerson({ ...raw, given_name: 'Jon' }).person
    const john = normalisePerson({ ...raw, given_name: 'John' }).person
    const jack = normalisePerson({ ...raw, given_name: 'Jack' }).person
    expect(council.tokens(jon).typo_name_dob_sex).toBeUndefined()
    const sent = council.tokens(typo).typo_name_dob_sex!
    expect(sent.length).toBeGreaterThan(1)
    const meets = (p: typeof john) => index.tokens(p).edit_name_dob_sex!.some((t) => sent.includes(t))
    expect(meets(john)).toBe(true)
    expect(meets(jon)).toBe(false)
    expect(meets(jack)).toBe(false)
    // Jhon is one edit from John and from Jon (v2): it could be either twin's, so no typo tokens
    expect(council.tokens(normalisePerson({ ...raw, given_name: 'Jhon' }).person).typo_name_dob_sex).toBeUndefined()
    expect(index.tokens(john).typo_name_dob_sex).toBeUndefined()
  })
  it('emits the frequency key too for the side-car index', () => {
    const t = createTokeniser(KEY, { kinds: INDEX_TOKEN_KINDS }).tokens(full)
    expect(t.name_freq).toHaveLength(3)
  })
  it('gives one token per surname variant, each 22 base64url characters', () => {
    const t = createTokeniser(KEY).tokens(full)
    expect(t.name_dob_sex_pc).toHaveLength(3)
    expect(new Set(t.name_dob_sex_pc).size).toBe(3)
    expect(t.given_dob_sex_pc).toHaveLength(1)
    for (const tokens of Object.values(t)) for (const token of tokens!) expect(token).toMatch(/^[A-Za-z0-9_-]{22}$/)
  })
  it('leaves out every key that needs an absent field', () => {
    const { person } = normalisePerson({ given_name: 'Ann', family_name: 'Lee', date_of_birth: '1990-03-05' }, { today: TODAY })
    const t = createTokeniser(KEY).tokens(person)
    expect(Object.keys(t).sort()).toEqual(['name_dob_swapped', 'phonetic_name_dob'])
  })
  it('emits no nickname key for a diminutive of two formal names of the person sex', () => {
    const kate = normalisePerson({ given_name: 'Kate', family_name: 'Jones', date_of_birth: '1990-03-05', sex: 'F' }, { today: TODAY }).person
    expect(kate.given_canonical).toEqual(['CATHERINE', 'KATHERINE'])
    expect(createTokeniser(KEY).tokens(kate).canon_name_dob_sex).toBeUndefined()
  })
  it('emits the nickname key only for a listed diminutive', () => {
    const formal = normalisePerson({ given_name: 'William', family_name: 'Jones', date_of_birth: '1990-03-05', sex: 'M' }, { today: TODAY }).person
    expect(createTokeniser(KEY).tokens(formal).canon_name_dob_sex).toBeUndefined()
    expect(createTokeniser(KEY).tokens(full).canon_name_dob_sex).toHaveLength(3)
  })
  it("makes a diminutive's nickname tokens equal to the formal name's own name tokens", () => {
    const tk = createTokeniser(KEY)
    const bill = normalisePerson({ given_name: 'Bill', family_name: 'Jones', date_of_birth: '1990-03-05', sex: 'M' }, { today: TODAY }).person
    const william = normalisePerson({ given_name: 'William', family_name: 'Jones', date_of_birth: '1990-03-05', sex: 'M' }, { today: TODAY }).person
    expect(tk.tokens(bill).canon_name_dob_sex).toEqual(tk.tokens(william).name_dob_sex)
  })
  it('gives different tokens under a different key and for a different kind with the same fields', () => {
    const a = createTokeniser(KEY).tokens(full)
    const b = createTokeniser(new Uint8Array(32).fill(43)).tokens(full)
    expect(a.nhs).not.toEqual(b.nhs)
    expect(a.name_dob_sex_pc![0]).not.toBe(a.name_year_pc![0])
  })
  it('refuses an unknown kind and a key of the wrong length', () => {
    expect(() => createTokeniser(KEY, { kinds: ['nhs', 'shoe_size' as MatchKeyKind] })).toThrow(/unknown key kind/)
    expect(() => createTokeniser(new Uint8Array(16))).toThrow(/32 bytes/)
  })
  it('agrees between the node and noble implementations', () => {
    const node = createTokeniser(KEY, { kinds: INDEX_TOKEN_KINDS, impl: 'node' })
    const noble = createTokeniser(KEY, { kinds: INDEX_TOKEN_KINDS, impl: 'noble' })
    expect(node.tokens(full)).toEqual(noble.tokens(full))
  })
})

describe('nickname table data', () => {
  const table = JSON.parse(readFileSync(new URL('../data/nicknames.json', import.meta.url), 'utf8')) as {
    excluded: string[]
    canonical: Record<string, string[]>
  }
  it('holds only names already in normalised form', () => {
    for (const [formal, dims] of Object.entries(table.canonical)) {
      expect(normaliseGivenName(formal)).toBe(formal)
      for (const d of dims) expect(normaliseGivenName(d)).toBe(d)
    }
  })
  it('gives every formal name a sex', () => {
    const sex = (table as unknown as { sex: Record<string, string> }).sex
    expect(Object.keys(sex).sort()).toEqual(Object.keys(table.canonical).sort())
    for (const v of Object.values(sex)) expect(['M', 'F']).toContain(v)
  })
  it('never lists an excluded diminutive, a formal name as its own diminutive, or a diminutive twice', () => {
    for (const [formal, dims] of Object.entries(table.canonical)) {
      expect(dims).not.toContain(formal)
      expect(new Set(dims).size).toBe(dims.length)
      for (const x of table.excluded) expect(dims).not.toContain(x)
    }
  })
  it('includes the common UK diminutives the issue names', () => {
    const c = table.canonical
    expect(c.WILLIAM).toEqual(expect.arrayContaining(['BILL', 'WILL', 'BILLY']))
    expect(c.ROBERT).toEqual(expect.arrayContaining(['BOB', 'ROB']))
    expect(c.ELIZABETH).toEqual(expect.arrayContaining(['LIZ', 'BETH', 'BETTY']))
    expect(c.CATHERINE).toEqual(expect.arrayContaining(['KATE', 'KATIE']))
    expect(c.KATHERINE).toEqual(expect.arrayContaining(['KATE', 'KATIE']))
  })
})
