import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { commonGivenNames, isKnownGivenName } from '../src/known-names.js'
import { isLikelyTypo } from '../src/match-keys.js'
import {
  canonicalGivenNames,
  dayMonthUnordered,
  nhsCheckDigit,
  normaliseDateOfBirth,
  normaliseFamilyName,
  normaliseGivenName,
  normaliseNhsNumber,
  normalisePerson,
  normalisePostcode,
  normaliseSex,
} from '../src/index.js'

const TODAY = new Date('2026-11-25T12:00:00Z')

describe('NHS number', () => {
  it('accepts a valid number written with spaces or dashes', () => {
    expect(normaliseNhsNumber('943 476 5919')).toEqual({ ok: true, value: '9434765919' })
    expect(normaliseNhsNumber('943-476-5919')).toEqual({ ok: true, value: '9434765919' })
    expect(normaliseNhsNumber(' 9434765919 ')).toEqual({ ok: true, value: '9434765919' })
  })
  it('computes the modulus-11 check digit, 0 for a remainder of 0', () => {
    // 9*10+4*9+3*8+4*7+7*6+6*5+5*4+9*3+1*2 = 299; 299 mod 11 = 2; 11 - 2 = 9
    expect(nhsCheckDigit('943476591')).toBe(9)
    // 330 mod 11 = 0 -> 11 -> 0
    expect(nhsCheckDigit('987654321')).toBe(0)
  })
  it('rejects a number whose check digit would be 10, since none is ever issued', () => {
    // 1*10 + 0... + 0*2 + ... : find digits with sum mod 11 = 1: 000000010 -> 1*2 = 2; 000000100 -> 3; 100000001 -> 12 -> 1
    expect(nhsCheckDigit('100000001')).toBeNull()
    expect(normaliseNhsNumber('1000000010')).toEqual({ ok: false, problem: 'invalid_check_digit' })
  })
  it('reports a wrong check digit, a wrong length, letters and repeated digits', () => {
    expect(normaliseNhsNumber('9434765918')).toEqual({ ok: false, problem: 'invalid_check_digit' })
    expect(normaliseNhsNumber('943476591')).toEqual({ ok: false, problem: 'wrong_length' })
    expect(normaliseNhsNumber('94347659190')).toEqual({ ok: false, problem: 'wrong_length' })
    expect(normaliseNhsNumber('943476591A')).toEqual({ ok: false, problem: 'invalid_characters' })
    expect(normaliseNhsNumber('0000000000')).toEqual({ ok: false, problem: 'repeated_digit' })
    expect(normaliseNhsNumber('1111111111')).toEqual({ ok: false, problem: 'repeated_digit' })
  })
  it('treats an empty or missing number as absent without a problem', () => {
    expect(normaliseNhsNumber('')).toEqual({ ok: true, value: null })
    expect(normaliseNhsNumber('   ')).toEqual({ ok: true, value: null })
    expect(normaliseNhsNumber(null)).toEqual({ ok: true, value: null })
    expect(normaliseNhsNumber(undefined)).toEqual({ ok: true, value: null })
  })
})

describe('names', () => {
  it('strips diacritics and upper-cases', () => {
    expect(normaliseGivenName('Zoë')).toBe('ZOE')
    expect(normaliseGivenName('José')).toBe('JOSE')
    expect(normaliseFamilyName('Müller')).toEqual({ full: 'MULLER', parts: [] })
    expect(normaliseFamilyName('Brontë')).toEqual({ full: 'BRONTE', parts: [] })
  })
  it('drops apostrophes and dots', () => {
    expect(normaliseFamilyName("O'Brien")).toEqual({ full: 'OBRIEN', parts: [] })
    expect(normaliseFamilyName('O’Brien')).toEqual({ full: 'OBRIEN', parts: [] })
    expect(normaliseFamilyName('O´Brien')).toEqual({ full: 'OBRIEN', parts: [] })
    expect(normaliseGivenName("D'Arcy")).toBe('DARCY')
    expect(normaliseFamilyName('St. John')).toEqual({ full: 'STJOHN', parts: ['JOHN'] })
  })
  it('drops leading titles and trailing suffixes but never the only word', () => {
    expect(normaliseGivenName('Mr John')).toBe('JOHN')
    expect(normaliseGivenName('Dr. Jane Anne')).toBe('JANE')
    expect(normaliseFamilyName('Smith Jr')).toEqual({ full: 'SMITH', parts: [] })
    expect(normaliseFamilyName('Smith Jnr.')).toEqual({ full: 'SMITH', parts: [] })
    expect(normaliseFamilyName('Lord')).toEqual({ full: 'LORD', parts: [] })
    expect(normaliseGivenName('Mr')).toBe('MR')
  })
  it('keeps a hyphenated given name whole so twins Mary-Anne and Mary-Jane stay distinct', () => {
    expect(normaliseGivenName('Mary-Anne')).toBe('MARYANNE')
    expect(normaliseGivenName('Mary-Jane Louise')).toBe('MARYJANE')
    expect(normaliseGivenName('  mary   anne ')).toBe('MARY')
  })
  it('gives hyphenated and multi-part surnames their full form and their parts', () => {
    expect(normaliseFamilyName('Smith-Jones')).toEqual({ full: 'SMITHJONES', parts: ['SMITH', 'JONES'] })
    expect(normaliseFamilyName('smith jones')).toEqual({ full: 'SMITHJONES', parts: ['SMITH', 'JONES'] })
    expect(normaliseFamilyName('SmithJones')).toEqual({ full: 'SMITHJONES', parts: [] })
    expect(normaliseFamilyName('van der Berg')).toEqual({ full: 'VANDERBERG', parts: ['BERG'] })
    expect(normaliseFamilyName('Lloyd–Webber')).toEqual({ full: 'LLOYDWEBBER', parts: ['LLOYD', 'WEBBER'] })
  })
  it('treats a name with no letters as absent', () => {
    expect(normaliseGivenName('')).toBeNull()
    expect(normaliseGivenName(' - ')).toBeNull()
    expect(normaliseFamilyName('123')).toBeNull()
    expect(normaliseFamilyName(null)).toBeNull()
  })
  it('maps diminutives to their formal given names, several where the diminutive is shared', () => {
    for (const n of ['BILL', 'WILL', 'BILLY']) expect(canonicalGivenNames(n)).toEqual(['WILLIAM'])
    for (const n of ['BOB', 'ROB']) expect(canonicalGivenNames(n)).toEqual(['ROBERT'])
    for (const n of ['LIZ', 'BETTY']) expect(canonicalGivenNames(n)).toEqual(['ELIZABETH'])
    expect(canonicalGivenNames('BETH')).toEqual(['BETHANY', 'ELIZABETH'])
    expect(canonicalGivenNames('KATE')).toEqual(['CATHERINE', 'KATHERINE'])
    expect(canonicalGivenNames('KATIE')).toEqual(['CATHERINE', 'KATHERINE'])
  })
  it('leaves out diminutives that are popular names in their own right beside a popular formal name', () => {
    // Twins John and Jack, or Amelia and Millie, must never be related by the nickname key.
    for (const n of ['JACK', 'HARRY', 'LIAM', 'ELLIE', 'MILLIE', 'AMY', 'MOLLY', 'JAMIE', 'CHARLIE']) expect(canonicalGivenNames(n)).toEqual([])
  })
  it('keeps only the formal names of the person sex when sex is known', () => {
    expect(canonicalGivenNames('ALEX', 'M')).toEqual(['ALEXANDER'])
    expect(canonicalGivenNames('ALEX', 'F')).toEqual(['ALEXANDRA'])
    expect(canonicalGivenNames('ALEX', null)).toEqual(['ALEXANDER', 'ALEXANDRA'])
    expect(canonicalGivenNames('STEVE', 'M')).toEqual(['STEPHEN', 'STEVEN'])
    expect(canonicalGivenNames('BILL', 'F')).toEqual([])
  })
  it('maps formal and unlisted names to nothing', () => {
    expect(canonicalGivenNames('WILLIAM')).toEqual([])
    expect(canonicalGivenNames('CATHERINE')).toEqual([])
    expect(canonicalGivenNames('ZEBEDEE')).toEqual([])
  })
})

describe('date of birth', () => {
  it('reads ISO and the three UK day-first formats as the same date', () => {
    for (const s of ['1990-03-05', '05/03/1990', '05-03-1990', '05.03.1990', '5/3/1990']) {
      expect(normaliseDateOfBirth(s, TODAY)).toEqual({ ok: true, value: '1990-03-05' })
    }
  })
  it('never reads a date in US month-first order', () => {
    expect(normaliseDateOfBirth('03/25/1990', TODAY)).toEqual({ ok: false, problem: 'impossible_date' })
    expect(normaliseDateOfBirth('12/01/1990', TODAY)).toEqual({ ok: true, value: '1990-01-12' })
  })
  it('refuses two-digit years', () => {
    expect(normaliseDateOfBirth('05/03/90', TODAY)).toEqual({ ok: false, problem: 'two_digit_year' })
    expect(normaliseDateOfBirth('5.3.07', TODAY)).toEqual({ ok: false, problem: 'two_digit_year' })
  })
  it('refuses impossible dates, including 29 February outside leap years', () => {
    expect(normaliseDateOfBirth('2001-02-29', TODAY)).toEqual({ ok: false, problem: 'impossible_date' })
    expect(normaliseDateOfBirth('31/04/2001', TODAY)).toEqual({ ok: false, problem: 'impossible_date' })
    expect(normaliseDateOfBirth('2001-13-01', TODAY)).toEqual({ ok: false, problem: 'impossible_date' })
    expect(normaliseDateOfBirth('00/01/2001', TODAY)).toEqual({ ok: false, problem: 'impossible_date' })
    expect(normaliseDateOfBirth('1900-02-29', TODAY)).toEqual({ ok: false, problem: 'impossible_date' })
    expect(normaliseDateOfBirth('2000-02-29', TODAY)).toEqual({ ok: true, value: '2000-02-29' })
  })
  it('refuses future dates but accepts a birth today', () => {
    expect(normaliseDateOfBirth('2026-11-26', TODAY)).toEqual({ ok: false, problem: 'future_date' })
    expect(normaliseDateOfBirth('25/11/2026', TODAY)).toEqual({ ok: true, value: '2026-11-25' })
  })
  it('refuses missing, unparseable and implausibly old dates', () => {
    expect(normaliseDateOfBirth('', TODAY)).toEqual({ ok: false, problem: 'missing' })
    expect(normaliseDateOfBirth(null, TODAY)).toEqual({ ok: false, problem: 'missing' })
    expect(normaliseDateOfBirth('5th March 1990', TODAY)).toEqual({ ok: false, problem: 'unparseable' })
    expect(normaliseDateOfBirth('19900305', TODAY)).toEqual({ ok: false, problem: 'unparseable' })
    expect(normaliseDateOfBirth('05/03-1990', TODAY)).toEqual({ ok: false, problem: 'unparseable' })
    expect(normaliseDateOfBirth('1850-01-01', TODAY)).toEqual({ ok: false, problem: 'implausible_date' })
  })
  it('orders day and month so a swapped date gives the same value', () => {
    expect(dayMonthUnordered('1990-03-07')).toBe('1990-03-07')
    expect(dayMonthUnordered('1990-07-03')).toBe('1990-03-07')
    expect(dayMonthUnordered('1990-12-25')).toBe('1990-12-25')
    expect(dayMonthUnordered('1990-07-07')).toBe('1990-07-07')
  })
  it('orders day and month as a comparison of their texts would, for any text of ten characters', () => {
    const reference = (s: string): string => {
      const [y, m, d] = [s.slice(0, 4), s.slice(5, 7), s.slice(8, 10)]
      return m <= d ? `${y}-${m}-${d}` : `${y}-${d}-${m}`
    }
    const date = fc.date({ min: new Date('1880-01-01'), max: new Date('2030-12-31'), noInvalidDate: true }).map((d) => d.toISOString().slice(0, 10))
    const odd = fc.tuple(fc.string({ minLength: 4, maxLength: 4 }), fc.string({ minLength: 2, maxLength: 2 }), fc.string({ minLength: 2, maxLength: 2 })).map(([y, m, d]) => `${y}-${m}-${d}`)
    fc.assert(
      fc.property(fc.oneof(date, odd), (s) => {
        expect(dayMonthUnordered(s)).toBe(reference(s))
      }),
      { numRuns: 3000 },
    )
  })
})

describe('postcode', () => {
  it('upper-cases and puts one space before the inward code', () => {
    for (const s of ['st4 7ab', 'ST47AB', ' ST4   7AB ', 'St4 7aB']) expect(normalisePostcode(s)).toEqual({ ok: true, value: 'ST4 7AB' })
    expect(normalisePostcode('ec1a1bb')).toEqual({ ok: true, value: 'EC1A 1BB' })
    expect(normalisePostcode('W1A 0AX')).toEqual({ ok: true, value: 'W1A 0AX' })
    expect(normalisePostcode('m11ae')).toEqual({ ok: true, value: 'M1 1AE' })
    expect(normalisePostcode('B33 8TH')).toEqual({ ok: true, value: 'B33 8TH' })
    expect(normalisePostcode('CR2 6XH')).toEqual({ ok: true, value: 'CR2 6XH' })
    expect(normalisePostcode('DN55 1PT')).toEqual({ ok: true, value: 'DN55 1PT' })
    expect(normalisePostcode('GIR 0AA')).toEqual({ ok: true, value: 'GIR 0AA' })
  })
  it('treats ZZ99 pseudo-postcodes and no fixed abode as absent', () => {
    expect(normalisePostcode('ZZ99 3VZ')).toEqual({ ok: false, problem: 'pseudo_postcode' })
    expect(normalisePostcode('zz993cz')).toEqual({ ok: false, problem: 'pseudo_postcode' })
    expect(normalisePostcode('NFA')).toEqual({ ok: false, problem: 'no_fixed_abode' })
    expect(normalisePostcode('N.F.A.')).toEqual({ ok: false, problem: 'no_fixed_abode' })
    expect(normalisePostcode('No Fixed Abode')).toEqual({ ok: false, problem: 'no_fixed_abode' })
  })
  it('gives a postcode in normal form the answer it gives the same text padded and in lower case', () => {
    // The padded lower-case text always takes the full path (trim, upper-case, compact, match); the text itself may
    // be answered directly. Valid-shaped postcodes (with the single space) and any text of their characters.
    const normal = fc.stringMatching(/^(?:[A-PR-UWYZ][0-9][0-9A-HJKPSTUW]?|[A-PR-UWYZ][A-HK-Y][0-9][0-9ABEHMNPRVWXY]?) [0-9][ABD-HJLNP-UW-Z]{2}$/)
    const loose = fc.string({ unit: fc.constantFrom(...'ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789 '), maxLength: 10 })
    fc.assert(
      fc.property(fc.oneof(normal, loose), (s) => {
        expect(normalisePostcode(s)).toEqual(normalisePostcode(` ${s.toLowerCase()} `))
      }),
      { numRuns: 3000 },
    )
    for (const s of ['N1 0FA', 'GIR 0AA', 'ZZ99 3VZ', 'ZZ9 9AB']) expect(normalisePostcode(s)).toEqual(normalisePostcode(` ${s.toLowerCase()} `))
    expect(normalisePostcode('N1 0FA')).toEqual({ ok: false, problem: 'no_fixed_abode' })
  })
  it('rejects strings that are not UK postcodes', () => {
    for (const s of ['ST4', '7AB', 'ST4 7A', 'QT4 7AB', 'ST4 7AC', '12345', 'ST4-7AB']) {
      expect(normalisePostcode(s)).toEqual({ ok: false, problem: 'invalid_format' })
    }
  })
})

describe('sex', () => {
  it('maps letters, NHS digit codes and words to M and F', () => {
    for (const s of ['M', 'm', '1', 'Male', 'MALE']) expect(normaliseSex(s)).toEqual({ ok: true, value: 'M' })
    for (const s of ['F', 'f', '2', 'Female', 'female ']) expect(normaliseSex(s)).toEqual({ ok: true, value: 'F' })
  })
  it('treats unknown and not-specified codes as absent without a problem', () => {
    for (const s of ['U', 'X', '0', '9', 'Unknown', 'not known', 'Not specified', '']) expect(normaliseSex(s)).toEqual({ ok: true, value: null })
  })
  it('reports an unrecognised code', () => {
    expect(normaliseSex('Q')).toEqual({ ok: false, problem: 'unrecognised' })
    expect(normaliseSex('3')).toEqual({ ok: false, problem: 'unrecognised' })
  })
})

describe('normalisePerson', () => {
  it('normalises every field of a complete record', () => {
    const { person, issues } = normalisePerson(
      { nhs_number: '943 476 5919', given_name: 'Mrs Kate', family_name: "O'Neill-Smith", date_of_birth: '07.08.1985', sex: 'F', postcode: 'st17 9qa' },
      { today: TODAY },
    )
    expect(issues).toEqual([])
    expect(person).toEqual({
      nhs_number: '9434765919',
      given_name: 'KATE',
      given_canonical: ['CATHERINE', 'KATHERINE'],
      family_name: 'ONEILLSMITH',
      family_parts: ['ONEILL', 'SMITH'],
      date_of_birth: '1985-08-07',
      sex: 'F',
      postcode: 'ST17 9QA',
    })
  })
  it('turns a bad date of birth into an error and bad optional fields into warnings without their values', () => {
    const raw = { nhs_number: '9434765918', given_name: 'Ann', family_name: 'Lee', date_of_birth: '07/08/85', sex: 'Q', postcode: 'ZZ99 3VZ' }
    const { person, issues } = normalisePerson(raw, { today: TODAY })
    expect(issues.map((i) => [i.field, i.severity, i.code])).toEqual([
      ['nhs_number', 'warning', 'invalid_check_digit'],
      ['date_of_birth', 'error', 'two_digit_year'],
      ['sex', 'warning', 'unrecognised'],
      ['postcode', 'warning', 'pseudo_postcode'],
    ])
    for (const issue of issues) {
      for (const value of Object.values(raw)) expect(issue.message).not.toContain(value)
    }
    expect(person.nhs_number).toBeNull()
    expect(person.date_of_birth).toBeNull()
    expect(person.sex).toBeNull()
    expect(person.postcode).toBeNull()
    expect(person.given_name).toBe('ANN')
  })
  it('reports a missing date of birth as an error and absent optional fields as nothing', () => {
    const { person, issues } = normalisePerson({ given_name: 'Ann' }, { today: TODAY })
    expect(issues).toEqual([expect.objectContaining({ field: 'date_of_birth', severity: 'error', code: 'missing' })])
    expect(person.family_name).toBeNull()
    expect(person.family_parts).toEqual([])
    expect(person.given_canonical).toEqual([])
  })
  it('produces a plain JSON-serialisable object', () => {
    const { person } = normalisePerson({ given_name: 'Ann', family_name: 'Lee', date_of_birth: '1990-01-01' }, { today: TODAY })
    expect(JSON.parse(JSON.stringify(person))).toEqual(person)
  })
})

describe('known and common given names (§3.1)', () => {
  it('counts every common name as a known name, so none of them is ever taken for a typo of another', () => {
    const common = [...commonGivenNames()]
    expect(common.length).toBeGreaterThan(400)
    expect(common.filter((n) => !isKnownGivenName(n))).toEqual([])
    expect(common.filter((n) => isLikelyTypo(n))).toEqual([])
  })
})
