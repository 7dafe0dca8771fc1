// UK postcode normalisation: upper case, one space before the inward code, format validated.
import type { FieldResult } from './nhs-number.js'

export type PostcodeProblem = 'invalid_format' | 'pseudo_postcode' | 'no_fixed_abode'

/**
 * Outward code (A9, A99, A9A, AA9, AA99, AA9A) then inward code (9AA), letters restricted as Royal Mail issues them
 * (the well-known UK Government Data Standards pattern), plus the special GIR 0AA.
 */
const POSTCODE = /^(?:([A-PR-UWYZ][0-9][0-9A-HJKPSTUW]?|[A-PR-UWYZ][A-HK-Y][0-9][0-9ABEHMNPRVWXY]?)([0-9][ABD-HJLNP-UW-Z]{2})|(GIR)(0AA))$/

/** Free-text ways of saying "no fixed abode", compared after upper-casing and dropping everything but letters. */
const NO_FIXED_ABODE: ReadonlySet<string> = new Set(['NFA', 'NOFIXEDABODE', 'NOFIXEDADDRESS', 'HOMELESS'])

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
  const compact = compactPostcode(raw.trim())
  if (compact === '') return { ok: true, value: null }
  if (NO_FIXED_ABODE.has(compact.replace(/[^A-Z]/g, ''))) return { ok: false, problem: 'no_fixed_abode' }
  if (compact.startsWith('ZZ99')) return { ok: false, problem: 'pseudo_postcode' }
  const m = POSTCODE.exec(compact)
  if (!m) return { ok: false, problem: 'invalid_format' }
  const outward = m[1] ?? m[3]
  const inward = m[2] ?? m[4]
  return { ok: true, value: `${outward} ${inward}` }
}
