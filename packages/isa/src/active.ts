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
