/** The ISA's identity on the wire and in the ledger: a hash of its canonical form. */
import { canonicalize } from 'json-canonicalize'
import { sha256 } from '@noble/hashes/sha2.js'
import { bytesToHex, utf8ToBytes } from '@noble/hashes/utils.js'
import type { Clause, IsaDocument } from './schema.js'

/** UTF-8 bytes of the RFC 8785 (JCS) canonical form of the document: key order and spacing never matter. */
export function isaCanonicalBytes(doc: IsaDocument): Uint8Array {
  return utf8ToBytes(canonicalize(doc))
}

/**
 * Lower-case hex SHA-256 of the document's RFC 8785 canonical UTF-8 bytes (64 characters). Every request,
 * response and ledger entry carries this; two documents with the same digest are the same agreement.
 */
export function isaDigest(doc: IsaDocument): string {
  return bytesToHex(sha256(isaCanonicalBytes(doc)))
}

/**
 * What an index built for a clause takes "active" to mean: lower-case hex SHA-256 of the RFC 8785 canonical UTF-8
 * bytes of `{ clause_id, services }`, the services as `deriveActive` compares them (trimmed, upper-case, each once,
 * sorted). The side-car records it with each index version and answers an exchange only from an index whose digest is
 * its clause's, so a flag is never derived from another clause's (or an earlier version's) list of services.
 * `max_index_age_days` is left out on purpose: it does not change a flag, and is checked against the index's as-of date
 * on every exchange; nor does anything else a variation may change (batch limits, retention, wording).
 */
export function activeDefinitionDigest(clause: Pick<Clause, 'id' | 'active_definition'>): string {
  const services = [...new Set(clause.active_definition.services.map((s) => s.trim().toUpperCase()))].sort()
  return bytesToHex(sha256(utf8ToBytes(canonicalize({ clause_id: clause.id, services }))))
}
