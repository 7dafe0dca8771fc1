// Sex / gender codes from the systems in scope mapped to one code set: M, F, or absent.
import type { FieldResult } from './nhs-number.js'

export type Sex = 'M' | 'F'
export type SexProblem = 'unrecognised'

const MALE: ReadonlySet<string> = new Set(['M', '1', 'MALE', 'MAN', 'BOY'])
const FEMALE: ReadonlySet<string> = new Set(['F', '2', 'FEMALE', 'WOMAN', 'GIRL'])
/**
 * Recognised codes that say nothing usable for matching: NHS Data Dictionary 0 (not known) and 9 (not specified /
 * indeterminate), U, X, I and their words. They are absent without a warning: the value is valid, just not a sex
 * both sides would record the same way.
 */
const NOT_USABLE: ReadonlySet<string> = new Set([
  '0', '9', 'U', 'X', 'I', 'O', 'UNKNOWN', 'NOTKNOWN', 'NOTSPECIFIED', 'NOTSTATED', 'INDETERMINATE', 'OTHER',
  'PREFERNOTTOSAY', 'UNSPECIFIED', 'NONBINARY',
])

/** Maps a sex or gender code to M or F; unknown/not specified is absent; anything unrecognised is a problem. */
export function normaliseSex(raw: string | null | undefined): FieldResult<Sex, SexProblem> {
  if (raw == null) return { ok: true, value: null }
  const key = raw.toUpperCase().replace(/[^A-Z0-9]/g, '')
  if (key === '') return { ok: true, value: null }
  if (MALE.has(key)) return { ok: true, value: 'M' }
  if (FEMALE.has(key)) return { ok: true, value: 'F' }
  if (NOT_USABLE.has(key)) return { ok: true, value: null }
  return { ok: false, problem: 'unrecognised' }
}
