import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { FingerprintSet } from '../src/import/fingerprints.js'

describe('FingerprintSet', () => {
  it('says whether an id was added before, through every growth of its table', () => {
    // Ids drawn from a small alphabet repeat often; a table of 4 slots grows many times over a run.
    const ids = fc.array(fc.string({ unit: fc.constantFrom('P', '0', '1', '2', '7', '-', 'é'), maxLength: 5 }), { maxLength: 400 })
    fc.assert(
      fc.property(ids, (run) => {
        const set = new FingerprintSet(4)
        const seen = new Set<string>()
        for (const id of run) {
          expect(set.add(id), id).toBe(!seen.has(id))
          seen.add(id)
        }
      }),
      { numRuns: 300 },
    )
  })

  it('tells a million distinct ids apart and knows each again afterwards', () => {
    const set = new FingerprintSet()
    const id = (i: number): string => `P${String(i).padStart(7, '0')}`
    let added = 0
    for (let i = 0; i < 1_000_000; i++) if (set.add(id(i))) added++
    expect(added).toBe(1_000_000)
    let again = 0
    for (let i = 0; i < 1_000_000; i += 997) if (!set.add(id(i))) again++
    expect(again).toBe(Math.ceil(1_000_000 / 997))
  })
})
