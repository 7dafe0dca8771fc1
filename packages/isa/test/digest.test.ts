import { readFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import fc from 'fast-check'
import { sha256 } from '@noble/hashes/sha2.js'
import { bytesToHex } from '@noble/hashes/utils.js'
import { activeDefinitionDigest, isaCanonicalBytes, isaDigest, loadExampleIsa, parseIsaDocument, type IsaDocument } from '../src/index.js'

/** Rebuilds every object with its keys in a shuffled order given by `seed`. */
function reorder(value: unknown, seed: number): unknown {
  if (Array.isArray(value)) return value.map((v) => reorder(v, seed))
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value)
    const shuffled = entries
      .map((e, i) => [e, (i * 7919 + seed) % 104729] as const)
      .sort((a, b) => a[1] - b[1])
      .map(([e]) => e)
    return Object.fromEntries(shuffled.map(([k, v]) => [k, reorder(v, seed)]))
  }
  return value
}

describe('isaDigest', () => {
  it('is the hex SHA-256 of the RFC 8785 canonical form', () => {
    const doc = loadExampleIsa()
    const canonical = new TextDecoder().decode(isaCanonicalBytes(doc))
    expect(canonical.startsWith('{"clauses":[{"active_definition":')).toBe(true)
    expect(canonical).not.toMatch(/\n|": /)
    expect(isaDigest(doc)).toBe(bytesToHex(sha256(new TextEncoder().encode(canonical))))
    expect(isaDigest(doc)).toMatch(/^[0-9a-f]{64}$/)
  })

  it('does not change when object keys are reordered', () => {
    const doc = loadExampleIsa()
    const d0 = isaDigest(doc)
    fc.assert(
      fc.property(fc.nat(), (seed) => {
        const shuffled = reorder(doc, seed) as IsaDocument
        expect(isaDigest(shuffled)).toBe(d0)
      }),
      { numRuns: 50 },
    )
  })

  it('changes when any content changes', () => {
    const doc = loadExampleIsa()
    const d0 = isaDigest(doc)
    const edits: ((d: IsaDocument) => void)[] = [
      (d) => (d.version = 2),
      (d) => (d.clauses[0]!.batch.max = 59999),
      (d) => (d.clauses[0]!.active_definition.services = [...d.clauses[0]!.active_definition.services].reverse()),
      (d) => (d.parties[0]!.signing_key = 'B'.repeat(43)),
      (d) => (d.status = 'suspended'),
    ]
    const digests = edits.map((edit) => {
      const copy = structuredClone(doc)
      edit(copy)
      return isaDigest(copy)
    })
    for (const d of digests) expect(d).not.toBe(d0)
    expect(new Set(digests).size).toBe(edits.length)
  })
})

describe('isaDigest test vectors', () => {
  const file = JSON.parse(readFileSync(new URL('./vectors/isa-digest.json', import.meta.url), 'utf8')) as {
    vectors: { name: string; document: unknown; canonical: string; digest: string }[]
  }

  it('has vectors to check', () => {
    expect(file.vectors.length).toBeGreaterThanOrEqual(2)
  })

  for (const v of file.vectors) {
    it(`reproduces the canonical form and digest of: ${v.name}`, () => {
      const doc = parseIsaDocument(v.document)
      expect(new TextDecoder().decode(isaCanonicalBytes(doc))).toBe(v.canonical)
      expect(isaDigest(doc)).toBe(v.digest)
    })
  }
})

describe('activeDefinitionDigest', () => {
  const clause = loadExampleIsa().clauses[0]!

  it('is the hex SHA-256 of the canonical {clause_id, services}, services trimmed, upper-case, once each and sorted', () => {
    // {"clause_id":"brfc-mh-1","services":["CAMHS","CMHT","CRISIS","EIP","IAPT"]}, hashed independently.
    expect(activeDefinitionDigest(clause)).toBe('884ef35cd21a87928b9a7125f113e5991b1287a011e3b89a2a835b5fade86a2e')
    const same = { ...clause, active_definition: { services: [' crisis', 'IAPT', 'eip', 'CMHT', 'CAMHS', 'Cmht'], max_index_age_days: 1 } }
    expect(activeDefinitionDigest(same)).toBe(activeDefinitionDigest(clause))
  })

  it('differs for another clause id or another list of services', () => {
    expect(activeDefinitionDigest({ ...clause, id: 'brfc-mh-2' })).not.toBe(activeDefinitionDigest(clause))
    expect(activeDefinitionDigest({ ...clause, active_definition: { ...clause.active_definition, services: ['CAMHS'] } })).not.toBe(activeDefinitionDigest(clause))
  })
})
