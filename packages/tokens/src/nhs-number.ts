// NHS number normalisation: digits only, 10 long, modulus-11 check digit (NHS Data Dictionary).

export type NhsNumberProblem = 'invalid_characters' | 'wrong_length' | 'invalid_check_digit' | 'repeated_digit'

export type FieldResult<T, P extends string> =
  | { ok: true; value: T | null }
  | { ok: false; problem: P }

/** Strips spaces and dashes; anything else that is not a digit makes the number invalid. */
export function stripNhsNumberFormatting(raw: string): string {
  return raw.replace(/[\s\-\u2010-\u2015]/g, '')
}

/** Modulus-11 check digit of the first nine digits, or null when the check digit would be 10 (never issued). */
export function nhsCheckDigit(nineDigits: string): number | null {
  let sum = 0
  for (let i = 0; i < 9; i++) sum += (nineDigits.charCodeAt(i) - 48) * (10 - i)
  const check = 11 - (sum % 11)
  if (check === 11) return 0
  if (check === 10) return null
  return check
}

/**
 * Normalises an NHS number to its 10 digits. Empty input is absent (value null, ok);
 * a malformed one is reported so the caller can treat it as absent — never as a mismatch.
 */
export function normaliseNhsNumber(raw: string | null | undefined): FieldResult<string, NhsNumberProblem> {
  if (raw == null) return { ok: true, value: null }
  const s = stripNhsNumberFormatting(raw.trim())
  if (s === '') return { ok: true, value: null }
  if (!/^[0-9]+$/.test(s)) return { ok: false, problem: 'invalid_characters' }
  if (s.length !== 10) return { ok: false, problem: 'wrong_length' }
  // All-same-digit numbers such as 0000000000 pass modulus 11 but are placeholders, never issued.
  if (/^(\d)\1{9}$/.test(s)) return { ok: false, problem: 'repeated_digit' }
  const check = nhsCheckDigit(s.slice(0, 9))
  if (check === null || check !== s.charCodeAt(9) - 48) return { ok: false, problem: 'invalid_check_digit' }
  return { ok: true, value: s }
}
