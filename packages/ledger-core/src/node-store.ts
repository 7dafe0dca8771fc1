// Roots and proofs served from stored perfect-subtree nodes, so a database never loads every leaf, and
// an incremental appender that says which nodes to store for each new leaf.
//
// Node (level, index) is the root of the perfect subtree over leaves [index·2^level, (index+1)·2^level).
// Only complete subtrees are ever stored; a ragged right edge is recomputed from the perfect subtrees
// that cover it (a "compact range"), folded right to left.
import { emptyRoot, HASH_SIZE, nodeHash } from './hash.js'
import { splitPoint } from './merkle.js'

/** Address of a perfect subtree: `level` 0 is the leaves, `index` counts from the left at that level. */
export interface NodeId {
  level: number
  index: number
}

/** A perfect subtree node with its hash, as a store persists it. */
export interface StoredNode extends NodeId {
  hash: Uint8Array
}

/** Read access to stored nodes. `nodes` is optional: a database can answer a whole proof in one query. */
export interface NodeReader {
  /** hash of the perfect subtree at `level` (0 = leaves) and position `index` */
  node(level: number, index: number): Uint8Array | Promise<Uint8Array>
  /** hashes of many nodes, in the order asked */
  nodes?(ids: readonly NodeId[]): readonly Uint8Array[] | Promise<readonly Uint8Array[]>
}

/** Perfect subtrees covering [0, size): one per set bit of size, largest (leftmost) first. */
export interface CompactRange {
  size: number
  nodes: StoredNode[]
}

function assertSize(name: string, n: number): void {
  if (!Number.isSafeInteger(n) || n < 0) throw new RangeError(`${name} must be a non-negative safe integer`)
}

/**
 * The perfect subtrees that cover leaves [begin, end), left to right, taking at each step the largest
 * aligned subtree that fits. For the ranges that occur in RFC 6962 proofs (begin aligned to the range's
 * size rounded up to a power of two) folding them right to left gives MTH(D[begin:end]).
 */
export function rangeNodes(begin: number, end: number): NodeId[] {
  assertSize('begin', begin)
  assertSize('end', end)
  if (end < begin) throw new RangeError('end must not be less than begin')
  const ids: NodeId[] = []
  let pos = begin
  while (pos < end) {
    let level = 0
    while (pos % 2 ** (level + 1) === 0 && pos + 2 ** (level + 1) <= end) level++
    ids.push({ level, index: pos / 2 ** level })
    pos += 2 ** level
  }
  return ids
}

/** Nodes whose right fold is the root of the tree of `size` leaves (empty for size 0). */
export function rootPlan(size: number): NodeId[] {
  return rangeNodes(0, size)
}

/**
 * Nodes needed for the inclusion proof of leaf `index` in the tree of `size`: one group per proof
 * element, each group folded right to left into that element.
 */
export function inclusionPlan(index: number, size: number): NodeId[][] {
  assertSize('index', index)
  assertSize('size', size)
  if (index >= size) throw new RangeError('index must be less than the tree size')
  const groups: NodeId[][] = []
  const walk = (m: number, begin: number, end: number): void => {
    const n = end - begin
    if (n === 1) return
    const k = splitPoint(n)
    if (m < k) {
      walk(m, begin, begin + k)
      groups.push(rangeNodes(begin + k, end))
    } else {
      walk(m - k, begin + k, end)
      groups.push(rangeNodes(begin, begin + k))
    }
  }
  walk(index, 0, size)
  return groups
}

/** Nodes needed for the consistency proof from `oldSize` to `newSize`, grouped as in inclusionPlan. */
export function consistencyPlan(oldSize: number, newSize: number): NodeId[][] {
  assertSize('oldSize', oldSize)
  assertSize('newSize', newSize)
  if (oldSize > newSize) throw new RangeError('oldSize must not exceed newSize')
  if (oldSize === 0 || oldSize === newSize) return []
  const groups: NodeId[][] = []
  const sub = (m: number, begin: number, end: number, whole: boolean): void => {
    const size = end - begin
    if (m === size) {
      if (!whole) groups.push(rangeNodes(begin, end))
      return
    }
    const k = splitPoint(size)
    if (m <= k) {
      sub(m, begin, begin + k, whole)
      groups.push(rangeNodes(begin + k, end))
    } else {
      sub(m - k, begin + k, end, false)
      groups.push(rangeNodes(begin, begin + k))
    }
  }
  sub(oldSize, 0, newSize, true)
  return groups
}

/** Right fold of perfect-subtree hashes: h0 ⊕ (h1 ⊕ (… ⊕ hn)). */
export function foldRight(hashes: readonly Uint8Array[]): Uint8Array {
  const last = hashes[hashes.length - 1]
  if (last === undefined) throw new RangeError('cannot fold an empty list of hashes')
  let acc = last
  for (let i = hashes.length - 2; i >= 0; i--) acc = nodeHash(hashes[i] as Uint8Array, acc)
  return acc
}

async function fetchNodes(reader: NodeReader, ids: readonly NodeId[]): Promise<Uint8Array[]> {
  const hashes = reader.nodes
    ? [...(await reader.nodes(ids))]
    : await Promise.all(ids.map((id) => reader.node(id.level, id.index)))
  if (hashes.length !== ids.length) throw new Error('node store returned the wrong number of nodes')
  hashes.forEach((h, i) => {
    if (!(h instanceof Uint8Array) || h.length !== HASH_SIZE) {
      const id = ids[i] as NodeId
      throw new Error(`node store returned a malformed hash for node level ${id.level} index ${id.index}`)
    }
  })
  return hashes
}

async function evaluate(reader: NodeReader, groups: readonly NodeId[][]): Promise<Uint8Array[]> {
  const hashes = await fetchNodes(reader, groups.flat())
  let pos = 0
  return groups.map((g) => {
    const part = hashes.slice(pos, pos + g.length)
    pos += g.length
    return foldRight(part)
  })
}

/** Root hash of the tree of `size` leaves, from stored nodes. */
export async function rootAt(reader: NodeReader, size: number): Promise<Uint8Array> {
  const plan = rootPlan(size)
  if (plan.length === 0) return emptyRoot()
  return foldRight(await fetchNodes(reader, plan))
}

/** Inclusion proof for leaf `index` in the tree of `size`, from stored nodes. */
export async function inclusionProofFrom(reader: NodeReader, index: number, size: number): Promise<Uint8Array[]> {
  return evaluate(reader, inclusionPlan(index, size))
}

/** Consistency proof between tree sizes `oldSize` and `newSize`, from stored nodes. */
export async function consistencyProofFrom(reader: NodeReader, oldSize: number, newSize: number): Promise<Uint8Array[]> {
  return evaluate(reader, consistencyPlan(oldSize, newSize))
}

/** The compact range of the empty tree. */
export function emptyCompactRange(): CompactRange {
  return { size: 0, nodes: [] }
}

/** Reads the compact range (right frontier) of the tree of `size` from stored nodes, to resume appending. */
export async function compactRangeFrom(reader: NodeReader, size: number): Promise<CompactRange> {
  const ids = rootPlan(size)
  const hashes = await fetchNodes(reader, ids)
  return { size, nodes: ids.map((id, i) => ({ ...id, hash: hashes[i] as Uint8Array })) }
}

/** Root hash of the tree a compact range covers. */
export function compactRangeRoot(range: CompactRange): Uint8Array {
  return range.nodes.length === 0 ? emptyRoot() : foldRight(range.nodes.map((n) => n.hash))
}

function assertCompactRange(range: CompactRange): void {
  assertSize('range.size', range.size)
  const want = rootPlan(range.size)
  const ok =
    want.length === range.nodes.length &&
    want.every((id, i) => {
      const n = range.nodes[i] as StoredNode
      return n.level === id.level && n.index === id.index && n.hash instanceof Uint8Array && n.hash.length === HASH_SIZE
    })
  if (!ok) throw new Error('compact range does not match its size')
}

/**
 * Appends leaves to a compact range. Returns the new range and every node that became complete —
 * each new leaf (level 0) and each interior node it closed — for the store to persist. The input range
 * is not modified.
 */
export function appendLeaves(
  range: CompactRange,
  leafHashes: readonly Uint8Array[],
): { range: CompactRange; created: StoredNode[] } {
  assertCompactRange(range)
  const nodes = [...range.nodes]
  const created: StoredNode[] = []
  let size = range.size
  for (const h of leafHashes) {
    if (!(h instanceof Uint8Array) || h.length !== HASH_SIZE) throw new Error('leaf hash must be 32 bytes')
    let node: StoredNode = { level: 0, index: size, hash: h }
    created.push(node)
    size++
    for (let top = nodes[nodes.length - 1]; top !== undefined && top.level === node.level; top = nodes[nodes.length - 1]) {
      nodes.pop()
      node = { level: node.level + 1, index: top.index / 2, hash: nodeHash(top.hash, node.hash) }
      created.push(node)
    }
    nodes.push(node)
  }
  return { range: { size, nodes }, created }
}

/** A NodeReader over nodes held in memory (tests, offline audit of an export). Throws on a missing node. */
export function memoryNodeReader(nodes: Iterable<StoredNode>): NodeReader & { put(node: StoredNode): void } {
  const map = new Map<string, Uint8Array>()
  const key = (level: number, index: number): string => `${level}/${index}`
  for (const n of nodes) map.set(key(n.level, n.index), n.hash)
  return {
    node(level: number, index: number): Uint8Array {
      const h = map.get(key(level, index))
      if (h === undefined) throw new Error(`node level ${level} index ${index} is not stored`)
      return h
    },
    put(node: StoredNode): void {
      map.set(key(node.level, node.index), node.hash)
    },
  }
}
