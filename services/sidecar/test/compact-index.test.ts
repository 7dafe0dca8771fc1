/**
 * The compact index hands matching the same patients as the memory index of the same people: ids, flags, and each
 * kind's tokens spelled as base64url in the order they were stored.
 */
import { describe, expect, it } from 'vitest'
import { generatePopulation } from '@healthflag/synth'
import { INDEX_TOKEN_KINDS, buildMemoryIndex, createFastTokeniser, normalisePerson, type IndexedPatient, type MatchKeyKind } from '@healthflag/tokens'
import { CompactIndexBuilder, FLAG_ACTIVE, FLAG_RESTRICTED, IdTable } from '../src/import/compact-index.js'

const epochKey = new Uint8Array(32).fill(3)

function people(n: number): IndexedPatient[] {
  const pop = generatePopulation({ seed: 21, patients: n, candidates: 1, tier: 'realistic' })
  // the side-car's kinds, frequency kinds included: their tokens are shared by many patients
  const tokeniser = createFastTokeniser(epochKey, { kinds: INDEX_TOKEN_KINDS })
  return pop.patients.map((p, i) => ({ id: `P${i}`, tokens: tokeniser.tokens(normalisePerson(p).person), active: i % 3 === 0, restricted: i % 7 === 0 }))
}

function builderOf(patients: IndexedPatient[]): CompactIndexBuilder {
  const kindNames = [...new Set(patients.flatMap((p) => Object.keys(p.tokens)))] as MatchKeyKind[]
  const kinds: number[] = []
  const tokens: Buffer[] = []
  const counts = patients.map((p) => {
    let n = 0
    for (const [kind, list] of Object.entries(p.tokens)) {
      for (const t of list) {
        kinds.push(kindNames.indexOf(kind as MatchKeyKind))
        tokens.push(Buffer.from(t, 'base64url'))
        n++
      }
    }
    return n
  })
  const builder = new CompactIndexBuilder(kindNames, { patients: patients.length, tokens: kinds.length }, { kinds: Uint8Array.from(kinds), tokens: new Uint8Array(Buffer.concat(tokens)) })
  const added = builder.addPatients({
    ids: patients.map((p) => p.id),
    flags: Uint8Array.from(patients, (p) => (p.active ? FLAG_ACTIVE : 0) | (p.restricted ? FLAG_RESTRICTED : 0)),
    counts: Uint16Array.from(counts),
  })
  expect(added).toBe(kinds.length)
  return builder
}

function compact(patients: IndexedPatient[]) {
  return builderOf(patients).buildAsync(Number.POSITIVE_INFINITY)
}

describe('CompactIndex', () => {
  it('gives each patient the memory index\'s tokens, flags and lookups', async () => {
    const patients = people(400)
    const index = await compact(patients)
    const memory = buildMemoryIndex(patients)
    for (const p of patients) {
      // Asked twice: the second answer comes from the recent-patients cache.
      for (let k = 0; k < 2; k++) expect(index.patient(p.id)).toEqual(memory.patient(p.id))
      for (const [kind, list] of Object.entries(p.tokens)) {
        for (const t of list) {
          expect(index.lookup(kind as MatchKeyKind, t)).toEqual(memory.lookup(kind as MatchKeyKind, t))
          expect(index.count(kind as MatchKeyKind, t)).toBe(memory.lookup(kind as MatchKeyKind, t).length)
        }
      }
    }
    expect(index.patient('nobody')).toBeUndefined()
    expect(index.count('nhs', 'AAAAAAAAAAAAAAAAAAAAAA')).toBe(0)
    // shared tokens (family names) count every holder
    expect(patients.some((p) => (p.tokens.family_freq ?? []).some((t) => index.count('family_freq', t) > 1))).toBe(true)
  })

  it('builds the same index in slices with buildAsync, giving the event loop back between them', async () => {
    const patients = people(8000)
    const whole = await compact(patients)
    let ticks = 0
    let ticking = true
    const tick = (): void => {
      ticks++
      if (ticking) setImmediate(tick)
    }
    setImmediate(tick)
    const sliced = await builderOf(patients).buildAsync(0)
    ticking = false
    // ~8,000 patients × ~20 tokens is ~160 k table entries, a pause point per 65,536: the loop ran between slices.
    expect(ticks).toBeGreaterThan(0)
    for (const p of patients) {
      expect(sliced.patient(p.id)).toEqual(whole.patient(p.id))
      for (const [kind, list] of Object.entries(p.tokens)) for (const t of list) expect(sliced.lookup(kind as MatchKeyKind, t)).toEqual(whole.lookup(kind as MatchKeyKind, t))
    }
    await expect(new CompactIndexBuilder([], { patients: 1, tokens: 0 }, { kinds: new Uint8Array(0), tokens: new Uint8Array(0) }).buildAsync()).rejects.toThrow(/fewer chunks/)
  })
})

describe('IdTable', () => {
  it('finds every id at its seq, nothing else, and refuses an id twice', () => {
    // 300 k ids: a few pairs of them share a 32-bit hash (~10 expected), so the table must tell them apart by the id.
    const ids = Array.from({ length: 300_000 }, (_, i) => (i % 3 === 0 ? `P${i}` : i % 3 === 1 ? `RJ${String(i).padStart(9, '0')}` : `é-${i.toString(36)}`))
    const table = new IdTable(ids)
    for (let i = 0; i < ids.length; i++) expect(table.add(i)).toBe(true)
    let wrong = 0
    for (let i = 0; i < ids.length; i++) if (table.get(ids[i]!) !== i) wrong++
    expect(wrong).toBe(0)
    for (const absent of ['P1x', 'RJ', '', 'é-', 'P300000', 'p3']) expect(table.get(absent)).toBeUndefined()
    const again = new IdTable([...ids.slice(0, 10), ids[3]!])
    for (let i = 0; i < 10; i++) again.add(i)
    expect(again.add(10)).toBe(false)
  })

  it('refuses an index whose patient ids repeat', async () => {
    const b = new CompactIndexBuilder([], { patients: 2, tokens: 0 }, { kinds: new Uint8Array(0), tokens: new Uint8Array(0) })
    b.addPatients({ ids: ['P1', 'P1'], flags: new Uint8Array(2), counts: new Uint16Array(2) })
    await expect(b.buildAsync()).rejects.toThrow(/unique/)
  })
})
