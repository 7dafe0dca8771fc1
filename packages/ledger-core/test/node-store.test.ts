import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import {
  appendLeaves,
  compactRangeFrom,
  compactRangeRoot,
  consistencyPlan,
  consistencyProof,
  consistencyProofFrom,
  emptyCompactRange,
  emptyRoot,
  inclusionPlan,
  inclusionProof,
  inclusionProofFrom,
  memoryNodeReader,
  rootAt,
  rootFromLeaves,
  type NodeId,
  type NodeReader,
  type StoredNode,
  verifyConsistency,
  verifyInclusion,
} from '../src/index.js'
import { syntheticLeaves, toHexs } from './helpers.js'
import plans from './vectors/node-plans-transparency-dev.json' with { type: 'json' }

/** Our grouped plan in the Go package's flat form: a multi-node group is listed lowest level first. */
function toGoForm(groups: NodeId[][]): { ids: number[][]; rehash: number[] | null } {
  const ids: number[][] = []
  let rehash: number[] | null = null
  for (const g of groups) {
    if (g.length > 1) rehash = [ids.length, ids.length + g.length]
    for (const n of g.length > 1 ? [...g].reverse() : g) ids.push([n.level, n.index])
  }
  return { ids, rehash }
}

function storeOf(leafHashes: readonly Uint8Array[]): { reader: ReturnType<typeof memoryNodeReader>; created: StoredNode[] } {
  const { created } = appendLeaves(emptyCompactRange(), leafHashes)
  return { reader: memoryNodeReader(created), created }
}

describe('proof plans against the transparency-dev node vectors', () => {
  it('names the same stored nodes as the Go package for every inclusion vector', () => {
    for (const v of plans.inclusion) {
      expect(toGoForm(inclusionPlan(v.index, v.size)), `${v.index}/${v.size}`).toEqual({ ids: v.ids, rehash: v.rehash })
    }
  })

  it('names the same stored nodes as the Go package for every consistency vector', () => {
    for (const v of plans.consistency) {
      expect(toGoForm(consistencyPlan(v.oldSize, v.newSize)), `${v.oldSize}->${v.newSize}`).toEqual({ ids: v.ids, rehash: v.rehash })
    }
  })

  it('refuses the parameter sets the Go package refuses', () => {
    for (const v of plans.inclusionErrors) expect(() => inclusionPlan(v.index, v.size)).toThrow(RangeError)
    for (const v of plans.consistencyErrors) expect(() => consistencyPlan(v.oldSize, v.newSize)).toThrow(RangeError)
  })
})

describe('incremental appender', () => {
  it('stores every leaf and exactly the interior nodes that became complete', () => {
    const leaves = syntheticLeaves(7)
    const { created } = appendLeaves(emptyCompactRange(), leaves)
    const ids = created.map((n) => `${n.level}/${n.index}`).sort()
    // 7 leaves, 3 complete pairs (level 1), 1 complete quad (level 2); nothing at level 3 yet.
    expect(ids).toEqual(['0/0', '0/1', '0/2', '0/3', '0/4', '0/5', '0/6', '1/0', '1/1', '1/2', '2/0'].sort())
  })

  it('gives the same root and range whether leaves are appended one by one or in one batch', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 0, max: 20 }), { maxLength: 12 }), (chunks) => {
        const leaves = syntheticLeaves(chunks.reduce((a, b) => a + b, 0))
        let range = emptyCompactRange()
        let pos = 0
        const created: StoredNode[] = []
        for (const c of chunks) {
          const r = appendLeaves(range, leaves.slice(pos, pos + c))
          range = r.range
          created.push(...r.created)
          pos += c
        }
        const whole = appendLeaves(emptyCompactRange(), leaves)
        expect(range.size).toBe(leaves.length)
        expect(compactRangeRoot(range)).toEqual(rootFromLeaves(leaves))
        expect(toHexs(created.map((n) => n.hash))).toEqual(toHexs(whole.created.map((n) => n.hash)))
      }),
      { numRuns: 200 },
    )
  })

  it('does not modify the range it was given', () => {
    const first = appendLeaves(emptyCompactRange(), syntheticLeaves(3)).range
    const before = JSON.stringify({ size: first.size, nodes: first.nodes.map((n) => [n.level, n.index]) })
    appendLeaves(first, syntheticLeaves(5))
    expect(JSON.stringify({ size: first.size, nodes: first.nodes.map((n) => [n.level, n.index]) })).toBe(before)
  })

  it('resumes from a compact range read back from the store', async () => {
    const leaves = syntheticLeaves(45)
    const { reader } = storeOf(leaves.slice(0, 29))
    const resumed = await compactRangeFrom(reader, 29)
    const { range, created } = appendLeaves(resumed, leaves.slice(29))
    for (const n of created) reader.put(n)
    expect(compactRangeRoot(range)).toEqual(rootFromLeaves(leaves))
    expect(await rootAt(reader, 45)).toEqual(rootFromLeaves(leaves))
  })

  it('refuses a compact range whose nodes do not match its size, and leaf hashes of the wrong length', () => {
    const { range } = appendLeaves(emptyCompactRange(), syntheticLeaves(6))
    expect(() => appendLeaves({ size: 7, nodes: range.nodes }, [])).toThrow('compact range')
    expect(() => appendLeaves(range, [new Uint8Array(31)])).toThrow('32 bytes')
  })

  it('has the empty root for the empty range', () => {
    expect(compactRangeRoot(emptyCompactRange())).toEqual(emptyRoot())
  })
})

const N = 300
const leaves = syntheticLeaves(N)
const { reader } = storeOf(leaves)
// Exhaustive sweeps cover every pair up to SWEEP; random pairs go up to N.
const SWEEP = 200

describe('proofs from a node store equal the in-memory ones', () => {
  it(`gives the in-memory root for every size up to ${N}`, async () => {
    for (let size = 0; size <= N; size++) {
      expect(await rootAt(reader, size)).toEqual(rootFromLeaves(leaves.slice(0, size)))
    }
  })

  it('gives the in-memory inclusion proof for every index of every size up to 64, and random ones up to 300', async () => {
    for (let size = 1; size <= 64; size++) {
      const tree = leaves.slice(0, size)
      for (let i = 0; i < size; i++) {
        expect(toHexs(await inclusionProofFrom(reader, i, size))).toEqual(toHexs(inclusionProof(tree, i)))
      }
    }
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 1, max: N }).chain((size) => fc.tuple(fc.constant(size), fc.nat({ max: size - 1 }))),
        async ([size, i]) => {
          expect(toHexs(await inclusionProofFrom(reader, i, size))).toEqual(toHexs(inclusionProof(leaves.slice(0, size), i)))
        },
      ),
      { numRuns: 500 },
    )
  })

  it('gives the in-memory consistency proof for every (old, new) up to 64, and random pairs up to 300', async () => {
    for (let n = 1; n <= 64; n++) {
      const tree = leaves.slice(0, n)
      for (let m = 0; m <= n; m++) {
        expect(toHexs(await consistencyProofFrom(reader, m, n))).toEqual(toHexs(consistencyProof(tree, m)))
      }
    }
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 1, max: N }).chain((n) => fc.tuple(fc.nat({ max: n }), fc.constant(n))),
        async ([m, n]) => {
          expect(toHexs(await consistencyProofFrom(reader, m, n))).toEqual(toHexs(consistencyProof(leaves.slice(0, n), m)))
        },
      ),
      { numRuns: 500 },
    )
  })

  it(`serves an inclusion proof that verifies for every (index, size) up to ${SWEEP}`, async () => {
    for (let size = 1; size <= SWEEP; size++) {
      const root = await rootAt(reader, size)
      for (let i = 0; i < size; i++) {
        const proof = await inclusionProofFrom(reader, i, size)
        if (!verifyInclusion(leaves[i] as Uint8Array, i, size, proof, root)) throw new Error(`inclusion ${i}/${size} failed`)
        if (i > 0 && verifyInclusion(leaves[i] as Uint8Array, i - 1, size, proof, root)) throw new Error(`inclusion ${i}/${size} accepted at i-1`)
      }
    }
  })

  it(`serves a consistency proof that verifies for every (old, new) up to ${SWEEP}`, async () => {
    const roots = [emptyRoot()]
    for (let size = 1; size <= SWEEP; size++) roots.push(await rootAt(reader, size))
    for (let n = 1; n <= SWEEP; n++) {
      for (let m = 0; m <= n; m++) {
        const proof = await consistencyProofFrom(reader, m, n)
        if (!verifyConsistency(m, n, proof, roots[m] as Uint8Array, roots[n] as Uint8Array)) throw new Error(`consistency ${m}->${n} failed`)
        if (m > 0 && m < n && verifyConsistency(m, n, proof, roots[m - 1] as Uint8Array, roots[n] as Uint8Array)) {
          throw new Error(`consistency ${m}->${n} accepted a wrong old root`)
        }
      }
    }
  })

  it('uses a batch reader in one call per proof when the store offers one', async () => {
    const calls: number[] = []
    const batch: NodeReader = {
      node: () => {
        throw new Error('single-node reads should not be used')
      },
      nodes: async (ids) => {
        calls.push(ids.length)
        return ids.map((id) => reader.node(id.level, id.index) as Uint8Array)
      },
    }
    expect(toHexs(await inclusionProofFrom(batch, 81, 95))).toEqual(toHexs(inclusionProof(leaves.slice(0, 95), 81)))
    expect(calls).toEqual([8])
  })

  it('fails clearly when the store is missing a node or returns a malformed hash', async () => {
    await expect(rootAt(memoryNodeReader([]), 3)).rejects.toThrow('not stored')
    const broken: NodeReader = { node: () => new Uint8Array(5) }
    await expect(inclusionProofFrom(broken, 0, 4)).rejects.toThrow('malformed hash')
  })
})
