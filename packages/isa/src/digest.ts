/** The ISA's identity on the wire and in the ledger: a hash of its canonical form. */
import { canonicalize } from 'json-canonicalize'
import { sha256 } from '@noble/hashes/sha2.js'
import { bytesToHex, utf8ToBytes } from '@noble/hashes/utils.js'
import type { IsaDocument } from './schema.js'

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
