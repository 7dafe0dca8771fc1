/** Loading ISA files, and the run-time edits the demo and tests make to the BRFC–SSSFT example. */
import { readFileSync } from 'node:fs'
import { errors } from '@healthflag/protocol'
import { fileURLToPath } from 'node:url'
import { ukDate } from './checks.js'
import { parseIsaDocument, type IsaDocument, type PartyId } from './schema.js'

/** The key placeholder in example documents: 32 zero bytes, which no real key pair produces. */
export const PLACEHOLDER_KEY = 'A'.repeat(43)

/** Path of the example agreement shipped in the repository's `isa/` folder. */
export const EXAMPLE_ISA_PATH = fileURLToPath(new URL('../../../isa/brfc-sssft.json', import.meta.url))

/** Reads, parses and validates an ISA JSON file; throws ISA_INVALID naming every problem. */
export function loadIsaFile(path: string): IsaDocument {
  let parsed: unknown
  try {
    parsed = JSON.parse(readFileSync(path, 'utf8'))
  } catch {
    throw errors.isaInvalid('The ISA file could not be read as JSON; check the path and its syntax, then load it again.')
  }
  return parseIsaDocument(parsed)
}

/** The BRFC–SSSFT example agreement, with placeholder keys. */
export function loadExampleIsa(): IsaDocument {
  return loadIsaFile(EXAMPLE_ISA_PATH)
}

const DAY_MS = 86_400_000

/** `date` (YYYY-MM-DD) plus `days` calendar days. */
function addDays(date: string, days: number): string {
  return new Date(Date.parse(`${date}T00:00:00Z`) + days * DAY_MS).toISOString().slice(0, 10)
}

/**
 * The example agreement as its signatories would carry it forward once its review date has passed on `now`: the
 * renewing variation's review falls a year from that (UK) day, and it stays valid for as long after the review as the
 * example does (30 days). Before the review date the document is returned unchanged, so nothing differs while the
 * example's own dates hold. The demo and the end-to-end stacks run on it, so that they keep working as the calendar
 * passes the example's dates (2027-03-01 review, 2027-03-31 end); what a lapsed or overdue agreement does is tested
 * with explicit clocks, not the calendar. `npm run provision` and `npm start` do not use it: a deployment's agreement
 * lapses when its signatories let it.
 */
export function renewedFor(doc: IsaDocument, now: Date): IsaDocument {
  const today = ukDate(now)
  if (today <= doc.review_date && today <= doc.valid_to) return doc
  const reviewToEnd = Math.max(0, Math.round((Date.parse(doc.valid_to) - Date.parse(doc.review_date)) / DAY_MS))
  const next: IsaDocument = structuredClone(doc)
  next.review_date = addDays(today, 365)
  next.valid_to = addDays(next.review_date, reviewToEnd)
  return parseIsaDocument(next)
}

export interface PartyKeys {
  /** Ed25519 public key, base64url (43 characters). */
  signing: string
  /** X25519 public key, base64url (43 characters). */
  agreement: string
}

/**
 * A new document whose parties carry the given public keys (the demo generates key pairs at start-up and
 * registers them this way). The input is not modified; the result is re-validated. The digest changes,
 * as it must: the keys are part of what both parties agreed.
 */
export function withPartyKeys(doc: IsaDocument, keys: Record<PartyId, PartyKeys>): IsaDocument {
  const next: IsaDocument = structuredClone(doc)
  next.parties = next.parties.map((p) => ({
    ...p,
    signing_key: keys[p.id].signing,
    agreement_key: keys[p.id].agreement,
  }))
  return parseIsaDocument(next)
}

/** True when any party still carries the placeholder key; services refuse to start with such a document. */
export function hasPlaceholderKeys(doc: IsaDocument): boolean {
  return doc.parties.some((p) => p.signing_key === PLACEHOLDER_KEY || p.agreement_key === PLACEHOLDER_KEY)
}

/**
 * A new document in which the named clause requires (or no longer requires) IG approval on the trust side,
 * optionally with a different approval window. For tests and the demo's approval path.
 */
export function withApproval(
  doc: IsaDocument,
  clauseId: string,
  required: boolean,
  windowHours?: number,
): IsaDocument {
  const next: IsaDocument = structuredClone(doc)
  const clause = next.clauses.find((c) => c.id === clauseId)
  if (clause === undefined) throw errors.clauseUnknown(`The ISA has no clause ${clauseId}; name an existing clause.`)
  clause.approval = { required, window_hours: windowHours ?? clause.approval.window_hours }
  return parseIsaDocument(next)
}
