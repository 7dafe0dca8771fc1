// UK postcode normalisation: upper case, one space before the inward code, format validated.
import type { FieldResult } from './nhs-number.js'

export type PostcodeProblem = 'invalid_format' | 'pseudo_postcode' | 'no_fixed_abode'

/** Outward code (A9, A99, A9A, AA9, AA99, AA9A) and inward code (9AA), letters restricted as Royal Mail issues them. */
const OUTWARD = '[A-PR-UWYZ][0-9][0-9A-HJKPSTUW]?|[A-PR-UWYZ][A-HK-Y][0-9][0-9ABEHMNPRVWXY]?'
const INWARD = '[0-9][ABD-HJLNP-UW-Z]{2}'

/** The well-known UK Government Data Standards pattern over a compacted postcode, plus the special GIR 0AA. */
const POSTCODE = new RegExp(`^(?:(${OUTWARD})(${INWARD})|(GIR)(0AA))$`)

/**
 * POSTCODE written as normalisePostcode writes it, "OUTWARD INWARD": a text it matches is its own normal form unless
 * its letters spell a no-fixed-abode phrase ("N1 0FA" spells NFA). Its outward code never starts ZZ99 (the pattern's
 * second letter is never Z), and its inward code is the last three characters either way, so the split is the same.
 */
const NORMAL_POSTCODE = new RegExp(`^(?:(?:${OUTWARD}) ${INWARD}|GIR 0AA)$`)

/** Free-text ways of saying "no fixed abode", compared on the capital letters alone (spellsNoFixedAbode). */
const NO_FIXED_ABODE_PHRASES: readonly string[] = ['NFA', 'NOFIXEDABODE', 'NOFIXEDADDRESS', 'HOMELESS']

/** Upper-cases and removes every space, so "st4 7ab", "ST47AB" and " ST4  7AB " compare equal. */
export function compactPostcode(raw: string): string {
  return raw.toUpperCase().replace(/\s+/g, '')
}

/**
 * Normalises a postcode to "OUTWARD INWARD". ZZ99 pseudo-postcodes (NHS codes for no fixed abode, abroad,
 * not known) and "no fixed abode" are absent, not addresses: two homeless people must not share a postcode key.
 */
export function normalisePostcode(raw: string | null | undefined): FieldResult<string, PostcodeProblem> {
  if (raw == null) return { ok: true, value: null }
  // Most extracts hold postcodes already in normal form: the same answer without the upper-casing, replacing and
  // second match below (test/normalise.test.ts compares both ways on generated postcodes).
  if (NORMAL_POSTCODE.test(raw) && !spellsNoFixedAbode(raw)) return { ok: true, value: raw }
  const compact = compactPostcode(raw.trim())
  if (compact === '') return { ok: true, value: null }
  if (spellsNoFixedAbode(compact)) return { ok: false, problem: 'no_fixed_abode' }
  if (compact.startsWith('ZZ99')) return { ok: false, problem: 'pseudo_postcode' }
  const m = POSTCODE.exec(compact)
  if (!m) return { ok: false, problem: 'invalid_format' }
  const outward = m[1] ?? m[3]
  const inward = m[2] ?? m[4]
  return { ok: true, value: `${outward} ${inward}` }
}

/** Whether the capital letters of `s`, and nothing else of it, spell a NO_FIXED_ABODE_PHRASES phrase (no new string). */
function spellsNoFixedAbode(s: string): boolean {
  for (const phrase of NO_FIXED_ABODE_PHRASES) {
    let n = 0
    for (let i = 0; i < s.length; i++) {
      const c = s.charCodeAt(i)
      if (c < 65 || c > 90) continue
      if (n === phrase.length || c !== phrase.charCodeAt(n)) {
        n = -1
        break
      }
      n++
    }
    if (n === phrase.length) return true
  }
  return false
}
