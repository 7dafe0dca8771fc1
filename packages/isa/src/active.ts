/** What "active mental-health service" means, per the ISA clause, when the trust's extract has referrals. */
import type { Clause } from './schema.js'
import { ukDate } from './checks.js'

export interface Referral {
  /** Service code as the trust's system records it, e.g. `CMHT`. Compared case-insensitively, trimmed. */
  service: string
  /** ISO date `YYYY-MM-DD` (a timestamp is cut to its date). */
  referred_on: string
  discharged_on?: string | null
}

export type ActiveDefinition = Clause['active_definition']

const ISO_DATE = /^(\d{4}-\d{2}-\d{2})(?:$|T)/

function isRealDate(ymd: string): boolean {
  const t = Date.parse(`${ymd}T00:00:00Z`)
  return !Number.isNaN(t) && new Date(t).toISOString().slice(0, 10) === ymd
}

function datePart(value: string, field: string): string {
  const m = ISO_DATE.exec(value.trim())
  // Round-trip through Date so 2026-02-30 (which Date.parse rolls over to March) is refused.
  if (m === null || !isRealDate(m[1]!)) {
    throw new RangeError(`${field} must be an ISO date (YYYY-MM-DD)`)
  }
  return m[1]!
}

/**
 * The first problem with a referral row, naming the field and never the value; undefined when usable.
 * Importers call this per line to reject a bad row instead of failing the whole extract in deriveActive.
 */
export function referralProblem(r: Referral): { field: keyof Referral; reason: string } | undefined {
  if (typeof r.service !== 'string' || r.service.trim() === '') return { field: 'service', reason: 'is empty' }
  if (typeof r.referred_on !== 'string' || ISO_DATE.exec(r.referred_on.trim()) === null || !isRealDate(r.referred_on.trim().slice(0, 10))) {
    return { field: 'referred_on', reason: 'must be an ISO date (YYYY-MM-DD)' }
  }
  const d = r.discharged_on
  if (d != null && d.trim() !== '') {
    if (ISO_DATE.exec(d.trim()) === null || !isRealDate(d.trim().slice(0, 10))) {
      return { field: 'discharged_on', reason: 'must be an ISO date (YYYY-MM-DD)' }
    }
    if (d.trim().slice(0, 10) < r.referred_on.trim().slice(0, 10)) {
      return { field: 'discharged_on', reason: 'is before referred_on' }
    }
  }
  return undefined
}

/**
 * True when any referral to a service the clause lists is open on the as-of date: referred on or before
 * it, and not discharged (no discharge date, or discharged after it). Dates are English calendar dates;
 * `asOf` is read in Europe/London. A referral to an unlisted service never counts. Throws RangeError
 * (naming the field, not the value) for a malformed date, so a bad extract is fixed rather than misread.
 */
export function deriveActive(referrals: readonly Referral[], def: ActiveDefinition, asOf: Date): boolean {
  const listed = new Set(def.services.map((s) => s.trim().toUpperCase()))
  const day = ukDate(asOf)
  return referrals.some((r) => {
    if (!listed.has(r.service.trim().toUpperCase())) return false
    const referred = datePart(r.referred_on, 'referred_on')
    if (referred > day) return false
    const discharged = r.discharged_on == null || r.discharged_on.trim() === '' ? null : datePart(r.discharged_on, 'discharged_on')
    return discharged === null || discharged > day
  })
}
