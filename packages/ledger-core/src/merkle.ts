// In-memory RFC 6962 / RFC 9162 Merkle tree: roots, inclusion and consistency proofs, and their verifiers.
// The proof builders follow the RFC's recursive definitions literally so that the node-store variants
// (node-store.ts), written differently, can be checked against them.
import { bytesEqual } from './encoding.js'
import { emptyRoot, HASH_SIZE, nodeHash } from './hash.js'

/** Largest power of two strictly less than n (n ≥ 2). */
export function splitPoint(n: number): number {
  let k = 1
  while (k * 2 < n) k *= 2
  return k
}

function assertSize(name: string, n: number): void {
  if (!Number.isSafeInteger(n) || n < 0) throw new RangeError(`${name} must be a non-negative safe integer`)
}

function at(hashes: readonly Uint8Array[], i: number): Uint8Array {
  const h = hashes[i]
  if (h === undefined) throw new RangeError('leaf hash index out of range')
  return h
}

/** MTH(D[begin:end]) over leaf hashes (RFC 6962 §2.1), for end > begin. */
function subtreeRoot(leafHashes: readonly Uint8Array[], begin: number, end: number): Uint8Array {
  const n = end - begin
  if (n === 1) return at(leafHashes, begin)
  const k = splitPoint(n)
  return nodeHash(subtreeRoot(leafHashes, begin, begin + k), subtreeRoot(leafHashes, begin + k, end))
}

/**
 * Root hash (MTH) of a tree whose leaves have the given leaf hashes, in order.
 * The empty tree's root is SHA-256("").
 */
export function rootFromLeaves(leafHashes: readonly Uint8Array[]): Uint8Array {
  if (leafHashes.length === 0) return emptyRoot()
  return subtreeRoot(leafHashes, 0, leafHashes.length)
}

/**
 * Audit path PATH(index, D[0:n]) (RFC 6962 §2.1.1) for the leaf at 0-based `index` in the tree of
 * all given leaves, ordered from the leaf's sibling upwards. Throws when index is out of range.
 */
export function inclusionProof(leafHashes: readonly Uint8Array[], index: number): Uint8Array[] {
  assertSize('index', index)
  if (index >= leafHashes.length) throw new RangeError('index must be less than the tree size')
  const path: Uint8Array[] = []
  const walk = (m: number, begin: number, end: number): void => {
    const n = end - begin
    if (n === 1) return
    const k = splitPoint(n)
    if (m < k) {
      walk(m, begin, begin + k)
      path.push(subtreeRoot(leafHashes, begin + k, end))
    } else {
      walk(m - k, begin + k, end)
      path.push(subtreeRoot(leafHashes, begin, begin + k))
    }
  }
  walk(index, 0, leafHashes.length)
  return path
}

/**
 * Consistency proof PROOF(oldSize, D[0:n]) (RFC 6962 §2.1.2) between the tree of the first `oldSize`
 * leaves and the tree of all given leaves. Empty when oldSize is 0 or equals the tree size.
 */
export function consistencyProof(leafHashes: readonly Uint8Array[], oldSize: number): Uint8Array[] {
  assertSize('oldSize', oldSize)
  const n = leafHashes.length
  if (oldSize > n) throw new RangeError('oldSize must not exceed the tree size')
  if (oldSize === 0 || oldSize === n) return []
  const proof: Uint8Array[] = []
  const sub = (m: number, begin: number, end: number, whole: boolean): void => {
    const size = end - begin
    if (m === size) {
      if (!whole) proof.push(subtreeRoot(leafHashes, begin, end))
      return
    }
    const k = splitPoint(size)
    if (m <= k) {
      sub(m, begin, begin + k, whole)
      proof.push(subtreeRoot(leafHashes, begin + k, end))
    } else {
      sub(m - k, begin + k, end, false)
      proof.push(subtreeRoot(leafHashes, begin, begin + k))
    }
  }
  sub(oldSize, 0, n, true)
  return proof
}

const isHash = (h: Uint8Array): boolean => h instanceof Uint8Array && h.length === HASH_SIZE
const odd = (x: number): boolean => x % 2 === 1
const half = (x: number): number => Math.floor(x / 2)

/**
 * Root implied by an inclusion proof (RFC 9162 §2.1.3.2), or null when the proof has the wrong shape
 * for (index, treeSize). Arithmetic avoids 32-bit bitwise operators so sizes up to 2^53 work.
 */
export function rootFromInclusionProof(
  leafHashValue: Uint8Array,
  index: number,
  treeSize: number,
  proof: readonly Uint8Array[],
): Uint8Array | null {
  if (!Number.isSafeInteger(index) || !Number.isSafeInteger(treeSize) || index < 0 || index >= treeSize) return null
  if (!isHash(leafHashValue) || !proof.every(isHash)) return null
  let fn = index
  let sn = treeSize - 1
  let r = leafHashValue
  for (const p of proof) {
    if (sn === 0) return null
    if (odd(fn) || fn === sn) {
      r = nodeHash(p, r)
      if (!odd(fn)) {
        while (!odd(fn) && fn !== 0) {
          fn = half(fn)
          sn = half(sn)
        }
      }
    } else {
      r = nodeHash(r, p)
    }
    fn = half(fn)
    sn = half(sn)
  }
  return sn === 0 ? r : null
}

/** True when `proof` shows the leaf with hash `leafHash` at `index` in the tree of `treeSize` with `root`. */
export function verifyInclusion(
  leafHash: Uint8Array,
  index: number,
  treeSize: number,
  proof: readonly Uint8Array[],
  root: Uint8Array,
): boolean {
  if (!isHash(root)) return false
  const r = rootFromInclusionProof(leafHash, index, treeSize, proof)
  return r !== null && bytesEqual(r, root)
}

/**
 * True when `proof` shows the tree of `oldSize` with `oldRoot` is a prefix of the tree of `newSize`
 * with `newRoot` (RFC 9162 §2.1.4.2). Equal sizes need an empty proof and equal roots; oldSize 0 needs
 * an empty proof and oldRoot = SHA-256("") (stricter than some implementations, which ignore oldRoot).
 */
export function verifyConsistency(
  oldSize: number,
  newSize: number,
  proof: readonly Uint8Array[],
  oldRoot: Uint8Array,
  newRoot: Uint8Array,
): boolean {
  if (!Number.isSafeInteger(oldSize) || !Number.isSafeInteger(newSize) || oldSize < 0 || oldSize > newSize) return false
  if (!isHash(oldRoot) || !isHash(newRoot) || !proof.every(isHash)) return false
  if (oldSize === newSize) return proof.length === 0 && bytesEqual(oldRoot, newRoot)
  if (oldSize === 0) return proof.length === 0 && bytesEqual(oldRoot, emptyRoot())
  if (proof.length === 0) return false
  // When the old tree is a perfect subtree, its root is the first node and is not sent.
  const path = isPowerOfTwo(oldSize) ? [oldRoot, ...proof] : [...proof]
  let fn = oldSize - 1
  let sn = newSize - 1
  while (odd(fn)) {
    fn = half(fn)
    sn = half(sn)
  }
  let fr = path[0] as Uint8Array
  let sr = fr
  for (const c of path.slice(1)) {
    if (sn === 0) return false
    if (odd(fn) || fn === sn) {
      fr = nodeHash(c, fr)
      sr = nodeHash(c, sr)
      if (!odd(fn)) {
        while (!odd(fn) && fn !== 0) {
          fn = half(fn)
          sn = half(sn)
        }
      }
    } else {
      sr = nodeHash(sr, c)
    }
    fn = half(fn)
    sn = half(sn)
  }
  return sn === 0 && bytesEqual(fr, oldRoot) && bytesEqual(sr, newRoot)
}

function isPowerOfTwo(n: number): boolean {
  let k = 1
  while (k < n) k *= 2
  return k === n
}
