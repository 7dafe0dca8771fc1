// normalisePerson: every field rule applied to one raw record, with issues that name the field and never the value.
import { EARLIEST_BIRTH_YEAR, daysInMonth, isoDate, normaliseDateOfBirth, type DobProblem } from './date-of-birth.js'
import { canonicalGivenNames, normaliseFamilyName, normaliseGivenName } from './names.js'
import { nhsCheckDigit, normaliseNhsNumber, type FieldResult, type NhsNumberProblem } from './nhs-number.js'
import { normalisePostcode, type PostcodeProblem } from './postcode.js'
import { normaliseSex, type Sex, type SexProblem } from './sex.js'

export interface RawPerson {
  nhs_number?: string | null
  given_name?: string | null
  family_name?: string | null
  date_of_birth?: string | null
  sex?: string | null
  postcode?: string | null
}
export type PersonField = keyof RawPerson

export interface FieldIssue {
  field: PersonField
  severity: 'warning' | 'error'
  code: string
  /** says what is wrong with the field, never its value */
  message: string
}

/** A person after normalisation: plain JSON, every field null/[] when absent. See docs/token-spec.md §2. */
export interface NormalisedPerson {
  /** 10 digits, modulus-11 valid */
  nhs_number: string | null
  /** first given name, letters only, hyphenated parts joined: "MARYANNE" */
  given_name: string | null
  /** formal names given_name is a listed diminutive of (nickname table), of the person's sex when known, sorted */
  given_canonical: string[]
  /** full family name, all parts joined: "SMITHJONES" */
  family_name: string | null
  /** parts of a multi-part family name, particles left out; [] for a one-part name */
  family_parts: string[]
  /** ISO yyyy-mm-dd */
  date_of_birth: string | null
  sex: Sex | null
  /** "OUTWARD INWARD" */
  postcode: string | null
}

const NHS_MESSAGES: Record<NhsNumberProblem, string> = {
  invalid_characters: 'NHS number contains characters other than digits, spaces and dashes; treated as absent',
  wrong_length: 'NHS number does not have 10 digits; treated as absent',
  invalid_check_digit: 'NHS number fails the modulus-11 check; treated as absent',
  repeated_digit: 'NHS number is one digit repeated, a placeholder; treated as absent',
}
const DOB_MESSAGES: Record<DobProblem, string> = {
  missing: 'date of birth is missing; the row cannot be matched',
  unparseable: 'date of birth is not in an accepted format (yyyy-mm-dd, dd/mm/yyyy, dd-mm-yyyy, dd.mm.yyyy)',
  two_digit_year: 'date of birth has a two-digit year; give the year in full',
  impossible_date: 'date of birth is not a calendar date',
  future_date: 'date of birth is in the future',
  implausible_date: 'date of birth is before 1880',
}
const POSTCODE_MESSAGES: Record<PostcodeProblem, string> = {
  invalid_format: 'postcode is not a valid UK postcode; treated as absent',
  pseudo_postcode: 'postcode is a ZZ99 pseudo-postcode; treated as absent',
  no_fixed_abode: 'postcode says no fixed abode; treated as absent',
}
const SEX_MESSAGES: Record<SexProblem, string> = {
  unrecognised: 'sex is not a recognised code (M/F/U/X, 1/2/9/0, male/female); treated as absent',
}

/**
 * Normalises one record. A date-of-birth problem is an 'error' (the caller excludes the row); an invalid NHS number,
 * postcode or sex is a 'warning' and the field is treated as absent; a name that normalises to nothing is a warning.
 */
export function normalisePerson(raw: RawPerson, opts?: { today?: Date }): { person: NormalisedPerson; issues: FieldIssue[] } {
  const issues: FieldIssue[] = []

  const nhs = nhsNumber(raw.nhs_number)
  if (!nhs.ok) warn(issues, 'nhs_number', nhs.problem, NHS_MESSAGES[nhs.problem])

  const given = raw.given_name == null ? null : memoised(givenMemo, raw.given_name, givenEntry)
  if (given === null && hasText(raw.given_name)) warn(issues, 'given_name', 'no_letters', 'given name has no letters after titles are removed; treated as absent')

  const family = raw.family_name == null ? null : memoised(familyMemo, raw.family_name, familyEntry)
  if (family === null && hasText(raw.family_name)) warn(issues, 'family_name', 'no_letters', 'family name has no letters; treated as absent')

  const dob = dateOfBirth(raw.date_of_birth, opts?.today ?? new Date())
  if (!dob.ok) issues.push({ field: 'date_of_birth', severity: 'error', code: dob.problem, message: DOB_MESSAGES[dob.problem] })

  const sex = raw.sex == null ? normaliseSex(raw.sex) : memoised(sexMemo, raw.sex, normaliseSex)
  if (!sex.ok) warn(issues, 'sex', sex.problem, SEX_MESSAGES[sex.problem])

  const postcode = normalisePostcode(raw.postcode)
  if (!postcode.ok) warn(issues, 'postcode', postcode.problem, POSTCODE_MESSAGES[postcode.problem])

  const person: NormalisedPerson = {
    nhs_number: nhs.ok ? nhs.value : null,
    given_name: given === null ? null : given.name,
    given_canonical: given === null ? [] : copyOf(formalNames(given, sex.ok ? sex.value : null)),
    family_name: family?.full ?? null,
    family_parts: family === null ? [] : copyOf(family.parts),
    date_of_birth: dob.ok ? dob.value : null,
    sex: sex.ok ? sex.value : null,
    postcode: postcode.ok ? postcode.value : null,
  }
  return { person, issues }
}

function warn(issues: FieldIssue[], field: PersonField, code: string, message: string): void {
  issues.push({ field, severity: 'warning', code, message })
}

/*
 * Names and dates repeat heavily in a population (a few thousand given names, tens of thousands of family names and
 * dates), so a bulk import normalises each distinct text once; sex codes are a handful of texts. The memos are bounded
 * (cleared when full) and hold only what the pure functions return for a text (for a given name, also its formal
 * names for each sex, which saves a person a second lookup among thousands: ~50 ns in an import); a memoised family name
 * or list is never handed out itself (it is copied).
 */
const MEMO_LIMIT = 1 << 15
/** a given name normalised, with its formal names (canonicalGivenNames) for each sex, so a person needs no second lookup */
interface GivenEntry {
  name: string
  either: readonly string[]
  male: readonly string[]
  female: readonly string[]
}
const givenMemo = new Map<string, GivenEntry | null>()
/** a family name normalised (its parts NONE when it has one) */
interface FamilyEntry {
  full: string
  parts: readonly string[]
}
const familyMemo = new Map<string, FamilyEntry | null>()
const sexMemo = new Map<string, FieldResult<Sex, SexProblem>>()
const dobMemo = new Map<string, FieldResult<string, DobProblem>>()
/** the UTC day (days since 1970) the date memo holds answers for, and that day as yyyy-mm-dd */
let dobMemoDay = Number.NaN
let dobMemoToday = ''

function givenEntry(raw: string): GivenEntry | null {
  const name = normaliseGivenName(raw)
  if (name === null) return null
  return { name, either: listed(canonicalGivenNames(name, null)), male: listed(canonicalGivenNames(name, 'M')), female: listed(canonicalGivenNames(name, 'F')) }
}

function familyEntry(raw: string): FamilyEntry | null {
  const family = normaliseFamilyName(raw)
  return family === null ? null : { full: family.full, parts: listed(family.parts) }
}

/**
 * An empty list memoised as NONE, so copyOf tells it without reading the list (most names have no formal names and
 * one part; a memo's lists lie all over the heap, and reading one cost a cache miss per person).
 */
const NONE: readonly string[] = Object.freeze([])
function listed(xs: readonly string[]): readonly string[] {
  return xs.length === 0 ? NONE : xs
}

/** canonicalGivenNames(entry.name, sex), memoised with the entry */
function formalNames(entry: GivenEntry, sex: Sex | null): readonly string[] {
  if (sex === 'M') return entry.male
  if (sex === 'F') return entry.female
  return entry.either
}

/** A person's own copy of a memoised list (a person is plain data its holder may change). */
function copyOf(xs: readonly string[]): string[] {
  return xs === NONE ? [] : [...xs]
}

function memoised<T>(memo: Map<string, T>, raw: string, f: (raw: string) => T): T {
  let v = memo.get(raw)
  if (v === undefined && !memo.has(raw)) {
    v = f(raw)
    if (memo.size >= MEMO_LIMIT) memo.clear()
    memo.set(raw, v)
  }
  return v as T
}

/**
 * normaliseNhsNumber, answered directly for what nearly every extract holds, ten digits and nothing else, when they
 * pass its checks (not one digit repeated, modulus 11); anything else goes to normaliseNhsNumber, which names the
 * problem. Same answers (test/fast.test.ts compares them).
 */
function nhsNumber(raw: string | null | undefined): FieldResult<string, NhsNumberProblem> {
  if (raw != null && raw.length === 10) {
    const first = raw.charCodeAt(0)
    let repeated = true
    let digits = true
    for (let i = 0; i < 10; i++) {
      const c = raw.charCodeAt(i)
      if (c < 48 || c > 57) {
        digits = false
        break
      }
      if (c !== first) repeated = false
    }
    if (digits && !repeated) {
      const check = nhsCheckDigit(raw.slice(0, 9))
      if (check !== null && check === raw.charCodeAt(9) - 48) return { ok: true, value: raw }
    }
  }
  return normaliseNhsNumber(raw)
}

/**
 * normaliseDateOfBirth for one UTC day: the answer depends on `today` only through the future-date check, which
 * compares UTC calendar dates. A date already written yyyy-mm-dd (digits only) is judged directly by the same rules
 * (a calendar date, not after today, not before EARLIEST_BIRTH_YEAR; test/fast.test.ts compares the answers);
 * other texts are memoised per text.
 */
function dateOfBirth(raw: string | null | undefined, today: Date): FieldResult<string, DobProblem> {
  const day = Math.floor(today.getTime() / 86_400_000)
  if (raw == null || Number.isNaN(day)) return normaliseDateOfBirth(raw, today)
  if (day !== dobMemoDay) {
    dobMemo.clear()
    dobMemoDay = day
    dobMemoToday = isoDate(today.getUTCFullYear(), today.getUTCMonth() + 1, today.getUTCDate())
  }
  if (raw.length === 10 && raw.charCodeAt(4) === 45 && raw.charCodeAt(7) === 45) {
    const year = digits(raw, 0, 4)
    const month = digits(raw, 5, 7)
    const d = digits(raw, 8, 10)
    if (year >= 0 && month >= 0 && d >= 0) {
      if (month < 1 || month > 12 || d < 1 || d > daysInMonth(year, month)) return { ok: false, problem: 'impossible_date' }
      if (raw > dobMemoToday) return { ok: false, problem: 'future_date' }
      if (year < EARLIEST_BIRTH_YEAR) return { ok: false, problem: 'implausible_date' }
      return { ok: true, value: raw }
    }
  }
  let v = dobMemo.get(raw)
  if (v === undefined) {
    v = normaliseDateOfBirth(raw, today)
    if (dobMemo.size >= MEMO_LIMIT) dobMemo.clear()
    dobMemo.set(raw, v)
  }
  return v
}

/** The number written by s[from, to) when it is ASCII digits only, else -1. */
function digits(s: string, from: number, to: number): number {
  let n = 0
  for (let i = from; i < to; i++) {
    const c = s.charCodeAt(i) - 48
    if (c < 0 || c > 9) return -1
    n = n * 10 + c
  }
  return n
}

function hasText(s: string | null | undefined): boolean {
  return s != null && s.trim() !== ''
}
