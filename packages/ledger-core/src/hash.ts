// RFC 6962 §2.1 / RFC 9162 §2.1.1 hashing with domain separation between leaves and interior nodes.
import { sha256 } from '@noble/hashes/sha2.js'

/** Size in bytes of every hash in the tree (SHA-256). */
export const HASH_SIZE = 32

const LEAF_PREFIX = 0x00
const NODE_PREFIX = 0x01

/** SHA-256(0x00 || entry): the hash of one leaf, from the leaf's bytes. */
export function leafHash(entry: Uint8Array): Uint8Array {
  const buf = new Uint8Array(1 + entry.length)
  buf[0] = LEAF_PREFIX
  buf.set(entry, 1)
  return sha256(buf)
}

/** SHA-256(0x01 || left || right): the hash of an interior node from its two children. */
export function nodeHash(left: Uint8Array, right: Uint8Array): Uint8Array {
  const buf = new Uint8Array(1 + left.length + right.length)
  buf[0] = NODE_PREFIX
  buf.set(left, 1)
  buf.set(right, 1 + left.length)
  return sha256(buf)
}

/** The root of the empty tree: SHA-256 of the empty string. */
export function emptyRoot(): Uint8Array {
  return sha256(new Uint8Array(0))
}
