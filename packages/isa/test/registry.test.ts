import { describe, expect, it } from 'vitest'
import fc from 'fast-check'
import { ErrorCode } from '@healthflag/protocol'
import {
  checkIsaStatus,
  checkVersionChain,
  expire,
  isaDigest,
  isaVersion,
  loadExampleIsa,
  nextVersion,
  resolveVersion,
  suspend,
  type IsaChanges,
} from '../src/index.js'
import { refusal } from './helpers.js'

const v1 = isaVersion(loadExampleIsa())
const variation = (): ReturnType<typeof nextVersion> =>
  nextVersion(v1, {
    effective_from: '2026-12-01T00:00:00Z',
    clauses: [{ ...v1.doc.clauses[0]!, batch: { min: 20, max: 40000 } }],
  })

describe('ISA versions', () => {
  it('builds a variation as version 2 superseding version 1 with the changes applied', () => {
    const v2 = variation()
    expect(v2.doc.version).toBe(2)
    expect(v2.doc.supersedes).toBe(v1.digest)
    expect(v2.doc.clauses[0]!.batch).toEqual({ min: 20, max: 40000 })
    expect(v2.digest).toBe(isaDigest(v2.doc))
  })

  it('leaves the earlier version and its digest untouched', () => {
    const before = structuredClone(v1.doc)
    const v2 = variation()
    expect(v1.doc).toEqual(before)
    expect(isaDigest(v1.doc)).toBe(v1.digest)
    expect(v2.digest).not.toBe(v1.digest)
  })

  it('resolves the version in effect by effective time', () => {
    const v2 = variation()
    const versions = [v2, v1]
    expect(resolveVersion(versions, new Date('2015-12-31T00:00:00Z'))).toBeUndefined()
    expect(resolveVersion(versions, new Date('2026-11-30T23:59:59Z'))).toBe(v1)
    expect(resolveVersion(versions, new Date('2026-12-01T00:00:00Z'))).toBe(v2)
    expect(resolveVersion(versions, new Date('2027-01-15T00:00:00Z'))).toBe(v2)
  })

  it('prefers the higher version when two take effect at the same instant', () => {
    const v2 = nextVersion(v1, { effective_from: '2026-12-01T00:00:00Z' })
    const v3 = nextVersion(v2, { effective_from: '2026-12-01T00:00:00Z', review_date: '2027-02-01' })
    expect(resolveVersion([v3, v2, v1], new Date('2026-12-02T00:00:00Z'))).toBe(v3)
    expect(resolveVersion([v2, v3, v1], new Date('2026-12-02T00:00:00Z'))).toBe(v3)
  })

  it('refuses a retroactive variation and one that tries to change identity fields', () => {
    expect(refusal(() => nextVersion(v1, { effective_from: '2015-01-01T00:00:00Z' })).code).toBe(ErrorCode.ISA_INVALID)
    const sneaky = { effective_from: '2026-12-01T00:00:00Z', version: 9 } as unknown as IsaChanges
    expect(refusal(() => nextVersion(v1, sneaky)).code).toBe(ErrorCode.ISA_INVALID)
  })

  it('refuses a variation that makes the document invalid', () => {
    const bad = { effective_from: '2026-12-01T00:00:00Z', valid_to: '2010-01-01' }
    expect(refusal(() => nextVersion(v1, bad)).code).toBe(ErrorCode.ISA_INVALID)
  })

  it('suspends by a new version that the status check then refuses', () => {
    const at = new Date('2026-11-26T09:00:00Z')
    const s = suspend(v1, at, 'Data breach under investigation.')
    expect(s.doc).toMatchObject({ version: 2, status: 'suspended', status_reason: 'Data breach under investigation.' })
    expect(s.doc.effective_from).toBe(at.toISOString())
    const inEffect = resolveVersion([v1, s], new Date('2026-11-26T10:00:00Z'))!
    expect(refusal(() => checkIsaStatus(inEffect.doc, new Date('2026-11-26T10:00:00Z'))).code).toBe(ErrorCode.ISA_SUSPENDED)
    expect(refusal(() => suspend(s, at, 'again')).code).toBe(ErrorCode.CONFLICT)
  })

  it('reinstates a suspended agreement by a further variation without carrying the old reason', () => {
    const s = suspend(v1, new Date('2026-11-26T09:00:00Z'), 'Paused.')
    const back = nextVersion(s, { status: 'active', effective_from: '2026-11-28T09:00:00Z' })
    expect(back.doc.status).toBe('active')
    expect(back.doc.status_reason).toBeUndefined()
    expect(back.doc.version).toBe(3)
  })

  it('expires by a new version and refuses to expire twice', () => {
    const e = expire(v1, new Date('2026-12-31T12:00:00Z'))
    expect(e.doc.status).toBe('expired')
    expect(refusal(() => expire(e, new Date('2027-01-01T00:00:00Z'))).code).toBe(ErrorCode.CONFLICT)
  })

  it('accepts an intact chain and catches an edited version or a broken link', () => {
    const v2 = variation()
    const v3 = suspend(v2, new Date('2026-12-05T00:00:00Z'), 'Paused.')
    expect(() => checkVersionChain([v3, v1, v2])).not.toThrow()
    const edited = { ...v2, doc: { ...v2.doc, title: 'edited in place' } }
    expect(refusal(() => checkVersionChain([v1, edited, v3])).code).toBe(ErrorCode.ISA_DIGEST_MISMATCH)
    const relinked = isaVersion({ ...v3.doc, supersedes: v1.digest })
    expect(refusal(() => checkVersionChain([v1, v2, relinked])).code).toBe(ErrorCode.ISA_DIGEST_MISMATCH)
    expect(refusal(() => checkVersionChain([v1, v3])).code).toBe(ErrorCode.ISA_INVALID)
  })
})

describe('resolveVersion properties', () => {
  const HOUR = 3_600_000
  const base = Date.parse('2026-01-01T00:00:00Z')
  // A chain whose effective_from never goes backwards, as nextVersion guarantees.
  const chain = fc
    .array(fc.integer({ min: 0, max: 48 }), { minLength: 1, maxLength: 8 })
    .map((gaps) => {
      let t = base
      return gaps.map((g, i) => {
        t += g * HOUR
        const doc = { ...v1.doc, version: i + 1, effective_from: new Date(t).toISOString() }
        return { doc, digest: String(i + 1) }
      })
    })

  it('does not depend on the order the versions are given in', () => {
    fc.assert(
      fc.property(chain, fc.integer({ min: -10, max: 500 }), fc.nat(), (versions, h, seed) => {
        const at = new Date(base + h * HOUR)
        const shuffled = [...versions].sort((a, b) => ((a.doc.version * 7919 + seed) % 97) - ((b.doc.version * 7919 + seed) % 97))
        expect(resolveVersion(shuffled, at)?.doc.version).toBe(resolveVersion(versions, at)?.doc.version)
      }),
    )
  })

  it('never moves back to an older version as time goes on, and never picks one not yet in effect', () => {
    fc.assert(
      fc.property(chain, (versions) => {
        let last = 0
        for (let h = -1; h <= 8 * 48 + 1; h++) {
          const at = new Date(base + h * HOUR)
          const v = resolveVersion(versions, at)
          if (v === undefined) {
            expect(last).toBe(0)
            continue
          }
          expect(Date.parse(v.doc.effective_from)).toBeLessThanOrEqual(at.getTime())
          expect(v.doc.version).toBeGreaterThanOrEqual(last)
          last = v.doc.version
        }
        expect(last).toBe(versions.length)
      }),
      { numRuns: 50 },
    )
  })
})
