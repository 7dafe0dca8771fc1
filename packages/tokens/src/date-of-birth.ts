// Date of birth parsing: ISO yyyy-mm-dd or UK day-first dd/mm/yyyy, dd-mm-yyyy, dd.mm.yyyy; never US order.
import type { FieldResult } from './nhs-number.js'

export type DobProblem =
  | 'missing'
  | 'unparseable'
  | 'two_digit_year'
  | 'impossible_date'
  | 'future_date'
  | 'implausible_date'

/** Earliest year accepted: older dates are keying errors, not people in services. */
export const EARLIEST_BIRTH_YEAR = 1880

const ISO = /^(\d{4})-(\d{2})-(\d{2})$/
const DAY_FIRST = /^(\d{1,2})([/.-])(\d{1,2})\2(\d{4})$/
const DAY_FIRST_TWO_DIGIT_YEAR = /^(\d{1,2})([/.-])(\d{1,2})\2(\d{2})$/

/** Days in a month of the proleptic Gregorian calendar. */
export function daysInMonth(year: number, month: number): number {
  if (month === 2) return (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0 ? 29 : 28
  return [4, 6, 9, 11].includes(month) ? 30 : 31
}

/** Formats a calendar date as ISO yyyy-mm-dd. */
export function isoDate(year: number, month: number, day: number): string {
  return `${String(year).padStart(4, '0')}-${String(month).padStart(2, '0')}-${String(day).padStart(2, '0')}`
}

/** Splits a date string in an accepted format into numbers, without judging whether the date exists. */
export function parseDateParts(s: string): { year: number; month: number; day: number } | 'two_digit_year' | null {
  const iso = ISO.exec(s)
  if (iso) return { year: Number(iso[1]), month: Number(iso[2]), day: Number(iso[3]) }
  const uk = DAY_FIRST.exec(s)
  if (uk) return { year: Number(uk[4]), month: Number(uk[3]), day: Number(uk[1]) }
  if (DAY_FIRST_TWO_DIGIT_YEAR.test(s)) return 'two_digit_year'
  return null
}

/**
 * Normalises a date of birth to ISO yyyy-mm-dd. `today` is compared as a UTC calendar date; a birth today is allowed.
 * Every problem is an error: a row without a usable date of birth cannot be matched safely.
 */
export function normaliseDateOfBirth(raw: string | null | undefined, today: Date): FieldResult<string, DobProblem> {
  if (raw == null || raw.trim() === '') return { ok: false, problem: 'missing' }
  const parts = parseDateParts(raw.trim())
  if (parts === null) return { ok: false, problem: 'unparseable' }
  if (parts === 'two_digit_year') return { ok: false, problem: 'two_digit_year' }
  const { year, month, day } = parts
  if (month < 1 || month > 12 || day < 1 || day > daysInMonth(year, month)) return { ok: false, problem: 'impossible_date' }
  const iso = isoDate(year, month, day)
  const todayIso = isoDate(today.getUTCFullYear(), today.getUTCMonth() + 1, today.getUTCDate())
  if (iso > todayIso) return { ok: false, problem: 'future_date' }
  if (year < EARLIEST_BIRTH_YEAR) return { ok: false, problem: 'implausible_date' }
  return { ok: true, value: iso }
}

/** The date with day and month in ascending order ("1990-03-07" and "1990-07-03" both give "1990-03-07"). */
export function dayMonthUnordered(isoDob: string): string {
  // Day not before month: the date itself, when it is written yyyy-mm-dd (no new strings; two-digit fields compare
  // as their character codes do).
  if (isoDob.length === 10 && isoDob.charCodeAt(4) === 45 && isoDob.charCodeAt(7) === 45) {
    const month = isoDob.charCodeAt(5) * 65536 + isoDob.charCodeAt(6)
    const day = isoDob.charCodeAt(8) * 65536 + isoDob.charCodeAt(9)
    if (month <= day) return isoDob
  }
  const y = isoDob.slice(0, 4)
  const m = isoDob.slice(5, 7)
  const d = isoDob.slice(8, 10)
  return m <= d ? `${y}-${m}-${d}` : `${y}-${d}-${m}`
}
