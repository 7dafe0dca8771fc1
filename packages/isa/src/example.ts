/** Loading ISA files, and the run-time edits the demo and tests make to the BRFC–SSSFT example. */
import { readFileSync } from 'node:fs'
import { errors } from '@healthflag/protocol'
import { fileURLToPath } from 'node:url'
import { ukDate } from './checks.js'
import { isaVersion, nextVersion } from './registry.js'
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

/** `date` (YYYY-MM-DD) `years` calendar years on; 29 February becomes 28 February in a common year. */
function addYears(date: string, years: number): string {
  const y = Number(date.slice(0, 4)) + years
  const md = date.slice(5)
  const leap = (y % 4 === 0 && y % 100 !== 0) || y % 400 === 0
  return `${String(y).padStart(4, '0')}-${md === '02-29' && !leap ? '02-28' : md}`
}

/**
 * The renewing variations that carry an agreement past its review date, as its signatories would make them once a
 * year: variation k (version + k) moves the review date and the end k years on, and takes effect at midday UTC on the
 * review date it replaces. It returns as many as `now` needs for the last one's review date not to have passed in the
 * UK, so none at all up to the document's own review date. The same document and year give the same variations, so a
 * database that recorded some of them accepts them again (idempotent) and takes the next year's as new versions.
 *
 * For the demo and the end-to-end stacks, which run on the example agreement (review 2027-03-01, end 2027-03-31) and
 * must keep working as the calendar passes its dates: they register these variations through each service's ISA
 * registry, as the IG leads would. `npm run provision`, `npm start` and the services never make them: a deployment's
 * agreement lapses when its signatories let it. What a lapsed or overdue agreement does is tested with explicit
 * clocks, not the calendar.
 */
export function renewals(doc: IsaDocument, now: Date): IsaDocument[] {
  const today = ukDate(now)
  const out: IsaDocument[] = []
  let prev = isaVersion(doc)
  for (let k = 1; today > prev.doc.review_date || today > prev.doc.valid_to; k++) {
    prev = nextVersion(prev, {
      review_date: addYears(doc.review_date, k),
      valid_to: addYears(doc.valid_to, k),
      effective_from: `${prev.doc.review_date}T12:00:00.000Z`,
    })
    out.push(prev.doc)
  }
  return out
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
