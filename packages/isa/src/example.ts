/** Loading ISA files, and the run-time edits the demo and tests make to the BRFC–SSSFT example. */
import { readFileSync } from 'node:fs'
import { errors } from '@healthflag/protocol'
import { fileURLToPath } from 'node:url'
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
