import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import {
  consistencyProof,
  emptyRoot,
  inclusionProof,
  leafHash,
  nodeHash,
  rootFromLeaves,
  verifyConsistency,
  verifyInclusion,
} from '../src/index.js'
import { flipBit, hex, syntheticLeaves, toHexs } from './helpers.js'
import vectors from './vectors/rfc6962-transparency-dev.json' with { type: 'json' }

const leaves = vectors.leaves.map((l) => leafHash(hex(l)))
const roots = vectors.roots.map(hex)

describe('RFC 6962 hashing against the transparency-dev vectors', () => {
  it('hashes the empty tree, an empty leaf, a leaf and a node to the published values', () => {
    expect(Buffer.from(emptyRoot()).toString('hex')).toBe(vectors.hasher.emptyRoot)
    expect(Buffer.from(rootFromLeaves([])).toString('hex')).toBe(vectors.hasher.emptyRoot)
    expect(Buffer.from(leafHash(new Uint8Array(0))).toString('hex')).toBe(vectors.hasher.emptyLeafHash)
    expect(Buffer.from(leafHash(hex(vectors.hasher.leaf.input))).toString('hex')).toBe(vectors.hasher.leaf.hash)
    const { left, right, hash } = vectors.hasher.node
    expect(Buffer.from(nodeHash(hex(left), hex(right))).toString('hex')).toBe(hash)
  })

  it('computes the published root for every prefix of the eight test leaves', () => {
    for (let n = 1; n <= 8; n++) {
      expect(Buffer.from(rootFromLeaves(leaves.slice(0, n))).toString('hex'), `size ${n}`).toBe(vectors.roots[n - 1])
    }
  })

  it('builds exactly the published inclusion proofs and verifies them', () => {
    for (const v of vectors.inclusion) {
      const tree = leaves.slice(0, v.size)
      expect(toHexs(inclusionProof(tree, v.index)), `${v.index}/${v.size}`).toEqual(v.proof)
      const root = roots[v.size - 1] as Uint8Array
      expect(verifyInclusion(leaves[v.index] as Uint8Array, v.index, v.size, v.proof.map(hex), root)).toBe(true)
    }
  })

  it('builds exactly the published consistency proofs and verifies them', () => {
    for (const v of vectors.consistency) {
      const tree = leaves.slice(0, v.newSize)
      expect(toHexs(consistencyProof(tree, v.oldSize)), `${v.oldSize}->${v.newSize}`).toEqual(v.proof)
      const ok = verifyConsistency(v.oldSize, v.newSize, v.proof.map(hex), roots[v.oldSize - 1] as Uint8Array, roots[v.newSize - 1] as Uint8Array)
      expect(ok).toBe(true)
    }
  })

  it('rejects every corruption of the published inclusion proofs that the Go suite probes', () => {
    const some = hex('abacaba000000000000000000000000000000000000000000060061e00123456')
    for (const v of vectors.inclusion.filter((x) => x.proof.length > 0)) {
      const proof = v.proof.map(hex)
      const root = roots[v.size - 1] as Uint8Array
      const leaf = leaves[v.index] as Uint8Array
      const bad: [string, Uint8Array, number, number, Uint8Array[], Uint8Array][] = [
        ['index - 1', leaf, v.index - 1, v.size, proof, root],
        ['index + 1', leaf, v.index + 1, v.size, proof, root],
        ['index ^ 2', leaf, v.index ^ 2, v.size, proof, root],
        ['size * 2', leaf, v.index, v.size * 2, proof, root],
        ['size / 2', leaf, v.index, Math.floor(v.size / 2), proof, root],
        ['wrong leaf', leafHash(new TextEncoder().encode('WrongLeaf')), v.index, v.size, proof, root],
        ['empty root', leaf, v.index, v.size, proof, emptyRoot()],
        ['random root', leaf, v.index, v.size, proof, some],
        ['trailing garbage', leaf, v.index, v.size, [...proof, new Uint8Array(0)], root],
        ['trailing root', leaf, v.index, v.size, [...proof, root], root],
        ['preceding garbage', leaf, v.index, v.size, [new Uint8Array(0), ...proof], root],
        ['preceding root', leaf, v.index, v.size, [root, ...proof], root],
        ['removed component', leaf, v.index, v.size, proof.slice(0, -1), root],
        ...proof.map((_, i): [string, Uint8Array, number, number, Uint8Array[], Uint8Array] => [
          `modified proof[${i}]`, leaf, v.index, v.size, proof.map((p, j) => (j === i ? flipBit(p) : p)), root,
        ]),
      ]
      if (proof.length > 1) bad.push(['inserted component', leaf, v.index, v.size, [proof[0] as Uint8Array, some, ...proof.slice(1)], root])
      for (const [desc, l, i, s, p, r] of bad) expect(verifyInclusion(l, i, s, p, r), `${v.index}/${v.size}: ${desc}`).toBe(false)
    }
  })

  it('rejects every corruption of the published consistency proofs that the Go suite probes', () => {
    for (const v of vectors.consistency.filter((x) => x.proof.length > 0)) {
      const proof = v.proof.map(hex)
      const r1 = roots[v.oldSize - 1] as Uint8Array
      const r2 = roots[v.newSize - 1] as Uint8Array
      const bad: [string, number, number, Uint8Array[], Uint8Array, Uint8Array][] = [
        ['old - 1', v.oldSize - 1, v.newSize, proof, r1, r2],
        ['old + 1', v.oldSize + 1, v.newSize, proof, r1, r2],
        ['old ^ 2', v.oldSize ^ 2, v.newSize, proof, r1, r2],
        ['new * 2', v.oldSize, v.newSize * 2, proof, r1, r2],
        ['new / 2', v.oldSize, Math.floor(v.newSize / 2), proof, r1, r2],
        ['wrong old root', v.oldSize, v.newSize, proof, flipBit(r1), r2],
        ['wrong new root', v.oldSize, v.newSize, proof, r1, flipBit(r2)],
        ['swapped roots', v.oldSize, v.newSize, proof, r2, r1],
        ['empty proof', v.oldSize, v.newSize, [], r1, r2],
        ['trailing garbage', v.oldSize, v.newSize, [...proof, new Uint8Array(0)], r1, r2],
        ['trailing root1', v.oldSize, v.newSize, [...proof, r1], r1, r2],
        ['trailing root2', v.oldSize, v.newSize, [...proof, r2], r1, r2],
        ['preceding garbage', v.oldSize, v.newSize, [new Uint8Array(0), ...proof], r1, r2],
        ['preceding root1', v.oldSize, v.newSize, [r1, ...proof], r1, r2],
        ['preceding root2', v.oldSize, v.newSize, [r2, ...proof], r1, r2],
        ['preceding proof[0]', v.oldSize, v.newSize, [proof[0] as Uint8Array, ...proof], r1, r2],
        ['truncated proof', v.oldSize, v.newSize, proof.slice(0, -1), r1, r2],
        ...proof.map((_, i): [string, number, number, Uint8Array[], Uint8Array, Uint8Array] => [
          `modified proof[${i}]`, v.oldSize, v.newSize, proof.map((p, j) => (j === i ? flipBit(p, 4) : p)), r1, r2,
        ]),
      ]
      for (const [desc, a, b, p, x, y] of bad) expect(verifyConsistency(a, b, p, x, y), `${v.oldSize}->${v.newSize}: ${desc}`).toBe(false)
    }
  })

  it('treats equal sizes and the empty old tree as the Go suite does, but also checks the empty root', () => {
    const r = roots[0] as Uint8Array
    expect(verifyConsistency(1, 1, [], r, r)).toBe(true)
    expect(verifyConsistency(1, 1, [], r, roots[1] as Uint8Array)).toBe(false)
    expect(verifyConsistency(1, 1, [emptyRoot()], r, r)).toBe(false)
    expect(verifyConsistency(0, 5, [], emptyRoot(), roots[4] as Uint8Array)).toBe(true)
    expect(verifyConsistency(0, 5, [], r, roots[4] as Uint8Array)).toBe(false)
    expect(verifyConsistency(0, 1, [emptyRoot()], emptyRoot(), r)).toBe(false)
    expect(verifyConsistency(2, 1, [], r, r)).toBe(false)
    expect(verifyConsistency(1, 2, [], r, roots[1] as Uint8Array)).toBe(false)
  })

  it('refuses to build proofs for indexes or sizes outside the tree', () => {
    expect(() => inclusionProof(leaves, 8)).toThrow(RangeError)
    expect(() => inclusionProof(leaves, -1)).toThrow(RangeError)
    expect(() => inclusionProof([], 0)).toThrow(RangeError)
    expect(() => consistencyProof(leaves, 9)).toThrow(RangeError)
    expect(() => consistencyProof(leaves, 1.5)).toThrow(RangeError)
  })
})

// Every (index, size) and every (old, new) up to MAX, exhaustively with the in-memory builders (which
// recompute subtrees, so this stays small); node-store.test.ts sweeps to 200 with store-served proofs.
const MAX = 64
const big = syntheticLeaves(400)
const rootsBySize = Array.from({ length: big.length + 1 }, (_, n) => rootFromLeaves(big.slice(0, n)))

describe('Merkle proofs for every small tree', () => {
  it(`verifies the inclusion proof of every leaf in every tree up to ${MAX} leaves, and rejects it at any other index or size`, () => {
    for (let size = 1; size <= MAX; size++) {
      const tree = big.slice(0, size)
      const root = rootsBySize[size] as Uint8Array
      for (let i = 0; i < size; i++) {
        const proof = inclusionProof(tree, i)
        const leaf = tree[i] as Uint8Array
        expect(verifyInclusion(leaf, i, size, proof, root)).toBe(true)
        if (i + 1 < size) expect(verifyInclusion(leaf, i + 1, size, proof, root)).toBe(false)
        expect(verifyInclusion(leaf, i, size + 1, proof, rootsBySize[size + 1] as Uint8Array)).toBe(false)
      }
    }
  })

  it(`verifies the consistency proof of every (old, new) pair up to ${MAX} leaves`, () => {
    for (let n = 1; n <= MAX; n++) {
      const tree = big.slice(0, n)
      for (let m = 0; m <= n; m++) {
        const proof = consistencyProof(tree, m)
        const ok = verifyConsistency(m, n, proof, rootsBySize[m] as Uint8Array, rootsBySize[n] as Uint8Array)
        if (!ok) throw new Error(`consistency ${m}->${n} failed`)
        if (m > 0 && m < n) {
          expect(verifyConsistency(m, n, proof, rootsBySize[m - 1] as Uint8Array, rootsBySize[n] as Uint8Array)).toBe(false)
        }
      }
    }
  })

  it('rejects inclusion proofs with any one bit flipped, a wrong root, or a wrong size (random trees up to 400)', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 400 }).chain((size) =>
          fc.record({ size: fc.constant(size), index: fc.nat({ max: size - 1 }), bit: fc.nat({ max: 255 }), other: fc.integer({ min: 1, max: 400 }) }),
        ),
        ({ size, index, bit, other }) => {
          const tree = big.slice(0, size)
          const root = rootsBySize[size] as Uint8Array
          const proof = inclusionProof(tree, index)
          const leaf = tree[index] as Uint8Array
          expect(verifyInclusion(leaf, index, size, proof, root)).toBe(true)
          if (proof.length > 0) {
            const k = bit % proof.length
            const tampered = proof.map((p, j) => (j === k ? flipBit(p, bit % 8) : p))
            expect(verifyInclusion(leaf, index, size, tampered, root)).toBe(false)
          }
          expect(verifyInclusion(flipBit(leaf, bit % 8), index, size, proof, root)).toBe(false)
          expect(verifyInclusion(leaf, index, size, proof, flipBit(root, bit % 8))).toBe(false)
          if (other !== size && index < other) {
            expect(verifyInclusion(leaf, index, other, proof, rootsBySize[other] as Uint8Array)).toBe(false)
          }
        },
      ),
      { numRuns: 500 },
    )
  })

  it('rejects consistency proofs with a bit flipped, or against a different tree (random pairs up to 400)', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 2, max: 400 }).chain((n) =>
          fc.record({ n: fc.constant(n), m: fc.integer({ min: 1, max: n - 1 }), bit: fc.nat({ max: 255 }) }),
        ),
        ({ n, m, bit }) => {
          const proof = consistencyProof(big.slice(0, n), m)
          const r1 = rootsBySize[m] as Uint8Array
          const r2 = rootsBySize[n] as Uint8Array
          expect(verifyConsistency(m, n, proof, r1, r2)).toBe(true)
          const k = bit % proof.length
          expect(verifyConsistency(m, n, proof.map((p, j) => (j === k ? flipBit(p, bit % 8) : p)), r1, r2)).toBe(false)
          // A forked history: same size, a different last leaf.
          const forked = [...big.slice(0, n - 1), leafHash(new TextEncoder().encode('forked'))]
          expect(verifyConsistency(m, n, proof, r1, rootFromLeaves(forked))).toBe(false)
        },
      ),
      { numRuns: 500 },
    )
  })
})
