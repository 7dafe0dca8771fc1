import { describe, expect, it } from 'vitest'
import { NICKNAMES, TIER_RATES, generatePopulation, isValidNhsNumber, stripDiacritics, type TierRates } from '../src/index.js'
import { dropTitle, isMissingPostcode, normPostcode, osaDistance, pairs, parseUkDate, withinTolerance, type Pair } from './helpers.js'

/** Comparable form of a name: case, spacing, apostrophes and hyphens folded (formatting, not noise). */
function fold(s: string): string {
  return dropTitle(s)
    .toLowerCase()
    .replace(/['\u2019]/g, '')
    .replace(/-/g, ' ')
    .replace(/\s+/g, ' ')
    .trim()
}

const SEX: Record<string, string> = { m: 'M', male: 'M', '1': 'M', f: 'F', female: 'F', '2': 'F' }
const GIVEN_NOISE = ['nickname', 'typo_given', 'diacritics_dropped', 'diacritics_added']
const FAMILY_NOISE = ['typo_family', 'surname_partial', 'surname_change', 'diacritics_dropped', 'diacritics_added']
const has = (p: Pair, ...kinds: string[]): boolean => kinds.some((k) => p.truth.noise.includes(k))

function swapped(iso: string): string {
  return `${iso.slice(0, 4)}-${iso.slice(8, 10)}-${iso.slice(5, 7)}`
}

describe.each(['realistic', 'hard'] as const)('the %s tier', (tier) => {
  const rates: TierRates = TIER_RATES[tier]
  const pop = generatePopulation({ seed: 21, patients: 60000, candidates: 20000, tier })
  const all = pairs(pop)
  const plain = all.filter((p) => !has(p, 'combo', 'marker'))
  const rows = pop.candidates.filter((_, i) => !pop.truth[i]!.noise.includes('marker'))

  it('returns its rates in params', () => {
    expect(pop.params.rates).toEqual(rates)
  })

  it('gives about the stated share of council rows an NHS number', () => {
    const k = rows.filter((c) => c.nhs_number !== '').length
    expect(withinTolerance(k, rows.length, rates.nhsPresent)).toBe(true)
  })

  it('leaves about the stated share of postcodes blank, ZZ99 or NFA', () => {
    const k = rows.filter((c) => isMissingPostcode(c.postcode)).length
    expect(withinTolerance(k, rows.length, rates.postcodeMissing)).toBe(true)
  })

  it('leaves about the stated share of sexes missing', () => {
    const k = rows.filter((c) => c.sex === '' || c.sex === 'U').length
    if (rates.sexMissing === 0) expect(k).toBe(0)
    else expect(withinTolerance(k, rows.length, rates.sexMissing)).toBe(true)
  })

  it('moves about the stated share of indexed candidates to a different postcode', () => {
    const eligible = plain.filter((p) => !isMissingPostcode(p.cand.postcode))
    const k = eligible.filter((p) => normPostcode(p.cand.postcode) !== normPostcode(p.patient.postcode)).length
    expect(withinTolerance(k, eligible.length, rates.moved)).toBe(true)
  })

  it('swaps day and month for about the stated share of eligible dates', () => {
    const eligible = plain.filter((p) => {
      const d = Number(p.patient.date_of_birth.slice(8, 10))
      const m = Number(p.patient.date_of_birth.slice(5, 7))
      return d <= 12 && m <= 12 && d !== m
    })
    const k = eligible.filter((p) => parseUkDate(p.cand.date_of_birth) === swapped(p.patient.date_of_birth)).length
    expect(eligible.length).toBeGreaterThan(500)
    expect(withinTolerance(k, eligible.length, rates.dobSwap)).toBe(true)
  })

  it('uses a nickname for about the stated share of names that have one', () => {
    const eligible = plain.filter((p) => NICKNAMES[p.patient.given_name] !== undefined)
    const k = eligible.filter((p) => has(p, 'nickname')).length
    expect(eligible.length).toBeGreaterThan(300)
    expect(withinTolerance(k, eligible.length, rates.nickname)).toBe(true)
  })

  it('changes the surname of about the stated share of adult women', () => {
    const asOf = Date.UTC(2026, 10, 1)
    const eligible = plain.filter((p) => p.patient.sex === 'F' && asOf - Date.parse(p.patient.date_of_birth) > 18 * 365.25 * 864e5)
    const k = eligible.filter((p) => has(p, 'surname_change')).length
    expect(withinTolerance(k, eligible.length, rates.surnameChange)).toBe(true)
  })

  it('applies typos, titles and one-sided double-barrelled names at about the stated rates', () => {
    const labelled = (kind: string): number => pop.truth.filter((t) => t.noise.includes(kind) && !t.noise.includes('combo')).length
    const n = pop.truth.filter((t) => !t.noise.includes('combo')).length
    expect(withinTolerance(labelled('typo_given'), n, rates.typoGiven)).toBe(true)
    expect(withinTolerance(labelled('typo_family'), n, rates.typoFamily)).toBe(true)
    expect(withinTolerance(labelled('title'), n, rates.title)).toBe(true)
    expect(withinTolerance(labelled('surname_partial'), n, rates.surnamePartial)).toBe(true)
  })

  it('gives about the stated share of NHS numbers a wrong but valid value', () => {
    const withNhs = all.filter((p) => p.cand.nhs_number !== '' && !has(p, 'marker'))
    const wrong = withNhs.filter((p) => p.cand.nhs_number.replace(/\D/g, '') !== p.patient.nhs_number)
    expect(withinTolerance(wrong.length, withNhs.length, rates.nhsWrong)).toBe(true)
    for (const p of wrong) expect(isValidNhsNumber(p.cand.nhs_number.replace(/\D/g, ''))).toBe(true)
  })

  it('forces moved plus a given-name error on the stated share of combos', () => {
    const combos = all.filter((p) => has(p, 'combo'))
    if (rates.combo === 0) expect(combos).toHaveLength(0)
    else {
      expect(withinTolerance(combos.length, all.length, rates.combo)).toBe(true)
      for (const p of combos) {
        expect(has(p, 'moved')).toBe(true)
        expect(has(p, 'nickname', 'typo_given')).toBe(true)
      }
    }
  })

  it('labels every difference between a council row and its patient, and nothing else', () => {
    for (const p of all) {
      if (has(p, 'marker')) continue
      const { cand, patient } = p
      // Postcode
      if (!isMissingPostcode(cand.postcode)) {
        expect(normPostcode(cand.postcode) !== normPostcode(patient.postcode)).toBe(has(p, 'moved'))
      }
      // Given name
      const given = fold(cand.given_name)
      if (!has(p, ...GIVEN_NOISE)) expect(given).toBe(fold(patient.given_name))
      if (has(p, 'typo_given') && !has(p, 'nickname', 'diacritics_dropped', 'diacritics_added')) {
        expect(osaDistance(given, fold(patient.given_name))).toBe(1)
      }
      if (has(p, 'nickname') && !has(p, 'typo_given')) {
        expect(NICKNAMES[patient.given_name]!.map((n) => n.toLowerCase())).toContain(given)
      }
      if (has(p, 'title')) expect(cand.given_name.trim()).toMatch(/^(Mr|Mrs|Ms|Miss|Dr|Master)\.? /)
      if (has(p, 'diacritics_dropped') && !has(p, 'nickname', 'typo_given', 'typo_family', 'surname_partial', 'surname_change')) {
        expect(stripDiacritics(fold(cand.given_name + ' ' + cand.family_name))).toBe(fold(stripDiacritics(patient.given_name + ' ' + patient.family_name)))
      }
      // Family name
      const family = fold(cand.family_name)
      if (!has(p, ...FAMILY_NOISE)) expect(family).toBe(fold(patient.family_name))
      if (has(p, 'typo_family') && !has(p, 'surname_partial', 'surname_change', 'diacritics_dropped', 'diacritics_added')) {
        expect(osaDistance(family, fold(patient.family_name))).toBe(1)
      }
      if (has(p, 'surname_change') && !has(p, 'surname_partial', 'typo_family')) expect(family).not.toBe(fold(patient.family_name))
      // Date of birth
      const dob = parseUkDate(cand.date_of_birth)
      expect(dob).toBe(has(p, 'dob_swap') ? swapped(patient.date_of_birth) : patient.date_of_birth)
      // Sex
      if (has(p, 'sex_missing')) expect(['', 'U']).toContain(cand.sex)
      else expect(SEX[cand.sex.toLowerCase()] ?? cand.sex).toBe(patient.sex)
      // NHS number
      const nhs = cand.nhs_number.replace(/\D/g, '')
      expect(nhs !== '').toBe(has(p, 'nhs_present'))
      if (nhs !== '') expect(nhs !== patient.nhs_number).toBe(has(p, 'nhs_wrong'))
    }
  })
})

describe('the clean tier', () => {
  const pop = generatePopulation({ seed: 21, patients: 20000, candidates: 5000, tier: 'clean' })

  it('applies no value noise at all, only formatting', () => {
    const valueNoise = new Set([
      ...GIVEN_NOISE,
      ...FAMILY_NOISE,
      ...['moved', 'dob_swap', 'title', 'postcode_blank', 'postcode_zz99', 'postcode_nfa', 'nhs_wrong', 'sex_missing', 'combo'],
    ])
    const found = pop.truth.flatMap((t) => t.noise.filter((n) => valueNoise.has(n)))
    expect(found).toEqual([])
  })

  it('still varies formatting: dates, postcode spacing, NHS separators and case', () => {
    const c = pop.candidates
    expect(new Set(c.map((r) => r.date_of_birth.replace(/\d/g, '9'))).size).toBe(4)
    expect(c.some((r) => r.postcode !== '' && !r.postcode.includes(' '))).toBe(true)
    expect(c.some((r) => /^\d{3} \d{3} \d{4}$/.test(r.nhs_number))).toBe(true)
    expect(c.some((r) => /^\d{3}-\d{3}-\d{4}$/.test(r.nhs_number))).toBe(true)
    expect(c.some((r) => r.family_name.length > 2 && r.family_name === r.family_name.toUpperCase())).toBe(true)
    expect(withinTolerance(c.filter((r) => r.nhs_number !== '').length, c.length, 1 / 3)).toBe(true)
  })

  it('keeps the active and restricted flags as true/false', () => {
    expect(new Set(pop.patients.flatMap((p) => [p.active_service, p.restricted]))).toEqual(new Set(['true', 'false']))
  })
})

describe('noisy tiers', () => {
  it('vary the trust flag vocabulary across true/false, 1/0 and Y/N', () => {
    const pop = generatePopulation({ seed: 5, patients: 2000, candidates: 100, tier: 'realistic' })
    expect(new Set(pop.patients.map((p) => p.active_service))).toEqual(new Set(['true', 'false', '1', '0', 'Y', 'N']))
  })

  it('code sex as M/F, 1/2 and male/female', () => {
    const pop = generatePopulation({ seed: 5, patients: 2000, candidates: 2000, tier: 'realistic' })
    const codes = new Set(pop.candidates.map((c) => c.sex.toLowerCase()))
    for (const code of ['m', 'f', '1', '2', 'male', 'female']) expect(codes.has(code)).toBe(true)
  })
})
