/**
 * The compact index hands matching the same patients as the memory index of the same people: ids, flags, and each
 * kind's tokens spelled as base64url in the order they were stored.
 */
import { describe, expect, it } from 'vitest'
import { generatePopulation } from '@healthflag/synth'
import { INDEX_TOKEN_KINDS, buildMemoryIndex, createFastTokeniser, normalisePerson, type IndexedPatient, type MatchKeyKind } from '@healthflag/tokens'
import { CompactIndexBuilder, FLAG_ACTIVE, FLAG_RESTRICTED, IdTable, fillSlots, insertDeferred, runFillJob, startParallelFill, type ParallelFill } from '../src/import/compact-index.js'
import { ChunkPool } from '../src/import/pool.js'

const epochKey = new Uint8Array(32).fill(3)

function people(n: number): IndexedPatient[] {
  const pop = generatePopulation({ seed: 21, patients: n, candidates: 1, tier: 'realistic' })
  // the side-car's kinds, frequency kinds included: their tokens are shared by many patients
  const tokeniser = createFastTokeniser(epochKey, { kinds: INDEX_TOKEN_KINDS })
  return pop.patients.map((p, i) => ({ id: `P${i}`, tokens: tokeniser.tokens(normalisePerson(p).person), active: i % 3 === 0, restricted: i % 7 === 0 }))
}

/** `shared`: the placed arrays in SharedArrayBuffers, as the side-car keeps them (a parallel fill needs them). */
function builderOf(patients: IndexedPatient[], shared = false): CompactIndexBuilder {
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
  const bytes = Buffer.concat(tokens)
  const placed: { kinds: Uint8Array; tokens: Uint8Array } = shared
    ? { kinds: new Uint8Array(new SharedArrayBuffer(kinds.length)), tokens: new Uint8Array(new SharedArrayBuffer(bytes.length)) }
    : { kinds: new Uint8Array(kinds.length), tokens: new Uint8Array(bytes.length) }
  placed.kinds.set(kinds)
  placed.tokens.set(bytes)
  const builder = new CompactIndexBuilder(kindNames, { patients: patients.length, tokens: kinds.length }, placed)
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

  it('names a token\'s holders right when patients without tokens lie before, between and after them', async () => {
    // A holder is found from its entry's place among the patients' token offsets: patients holding no tokens share an
    // offset with the next patient, and must never be taken for the holder.
    const empty = (id: string): IndexedPatient => ({ id, tokens: {}, active: true, restricted: false })
    const patients = people(300).flatMap((p, i) => (i % 50 === 0 ? [empty(`E${i}a`), empty(`E${i}b`), p] : [p]))
    patients.push(empty('Elast'))
    const index = await compact(patients)
    const memory = buildMemoryIndex(patients)
    let shared = 0
    for (const p of patients) {
      for (const [kind, list] of Object.entries(p.tokens)) {
        for (const t of list) {
          const ids = index.lookup(kind as MatchKeyKind, t)
          if (ids.length > 1) shared++
          expect(ids).toEqual(memory.lookup(kind as MatchKeyKind, t))
        }
      }
    }
    expect(shared).toBeGreaterThan(0)
    expect(index.patient('E0a')).toEqual(memory.patient('E0a'))
  })

  /** Every token of every patient looks up as in the memory index of the same patients (holders in index order). */
  function expectSameLookups(index: Awaited<ReturnType<typeof compact>>, patients: IndexedPatient[]): void {
    const memory = buildMemoryIndex(patients)
    for (const p of patients) {
      expect(index.patient(p.id)).toEqual(memory.patient(p.id))
      for (const [kind, list] of Object.entries(p.tokens)) for (const t of list) expect(index.lookup(kind as MatchKeyKind, t)).toEqual(memory.lookup(kind as MatchKeyKind, t))
    }
  }

  it('builds the same index with its hash table filled in parts by a parallel fill', async () => {
    const patients = people(1500)
    const parts: number[] = []
    const parallel: ParallelFill = {
      parts: 3,
      minEntries: 0,
      regionBits: 6,
      run: async (job) => {
        parts.push(job.first)
        return runFillJob(job)
      },
    }
    expectSameLookups(await builderOf(patients, true).buildAsync(Number.POSITIVE_INFINITY, parallel), patients)
    expect(parts).toHaveLength(3)
    // In slices: the chains' -1 is written a step at a time, giving the event loop back (the import's answer goes out
    // meanwhile), and the parts start only once it is written, not in the call that starts the build.
    const builder = builderOf(patients, true)
    let turned = false
    const afterATurn: boolean[] = []
    setImmediate(() => (turned = true))
    const building = builder.buildAsync(0, { ...parallel, run: async (job) => (afterATurn.push(turned), runFillJob(job)) })
    expectSameLookups(await building, patients)
    expect(afterATurn).toEqual([true, true, true])
    // Not shared memory, or fewer entries than the threshold: the table is filled on the building thread.
    parts.length = 0
    expectSameLookups(await builderOf(patients).buildAsync(Number.POSITIVE_INFINITY, parallel), patients)
    expectSameLookups(await builderOf(patients, true).buildAsync(Number.POSITIVE_INFINITY, { ...parallel, minEntries: 1 << 30 }), patients)
    expect(parts).toHaveLength(0)
  })

  it('fills the whole table on the building thread when a part of a parallel fill fails', async () => {
    const patients = people(1500)
    let calls = 0
    const parallel: ParallelFill = {
      parts: 2,
      minEntries: 0,
      regionBits: 6,
      // The first part writes its slots and then fails, as a worker that stops half-way would leave them.
      run: async (job) => {
        const left = runFillJob(job)
        if (calls++ === 0) throw new Error('import worker exited (1)')
        return left
      },
    }
    expectSameLookups(await builderOf(patients, true).buildAsync(Number.POSITIVE_INFINITY, parallel), patients)
    expect(calls).toBe(2)
  })

  it('builds the same index with the import workers filling the table (worker threads)', async () => {
    const patients = people(3000)
    const pool = new ChunkPool(2)
    const fill = pool.parallelFill()
    expectSameLookups(await builderOf(patients, true).buildAsync(undefined, { ...fill, minEntries: 0, regionBits: 8 }), patients)
  }, 60_000)

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

describe('fillSlots (the hash table built region by region)', () => {
  /** The plain build: every entry inserted in entry order, its (kind, token) compared in full at each probe. */
  function reference(kinds: Uint8Array, tokens: Uint8Array, size: number): { slots: Int32Array; next: Int32Array } {
    const slots = new Int32Array(size)
    const next = new Int32Array(kinds.length)
    const mask = size - 1
    const same = (a: number, b: number): boolean => kinds[a] === kinds[b] && tokens.subarray(a * 16, a * 16 + 16).every((x, i) => x === tokens[b * 16 + i])
    for (let e = 0; e < kinds.length; e++) {
      for (let s = homeSlot(tokens, kinds, e, mask); ; s = (s + 1) & mask) {
        const head = slots[s]! - 1
        if (head < 0 || same(head, e)) {
          next[e] = head
          slots[s] = e + 1
          break
        }
      }
    }
    return { slots, next }
  }
  function homeSlot(tokens: Uint8Array, kinds: Uint8Array, e: number, mask: number): number {
    const at = e * 16
    return ((tokens[at]! | (tokens[at + 1]! << 8) | (tokens[at + 2]! << 16) | (tokens[at + 3]! << 24)) ^ Math.imul(kinds[e]! + 1, 0x9e3779b1)) & mask
  }
  /** The (kind, token) heads a table holds: each occupied slot's entry, with the chain behind it. */
  function chains(slots: Int32Array, next: Int32Array): string[] {
    const out: string[] = []
    for (const v of slots) {
      if (v === 0) continue
      const chain: number[] = []
      for (let e = v - 1; e >= 0; e = next[e]!) chain.push(e)
      out.push(chain.join(','))
    }
    return out.sort()
  }

  /**
   * Entries whose probes cross regions and the table's end: a third repeat an earlier entry's bytes (shared tokens),
   * some under another kind; most of the rest are steered to the last slots of a 16-slot region or of the table.
   * In SharedArrayBuffers, as a parallel fill needs them.
   */
  function steered(m: number, size: number): { kinds: Uint8Array; tokens: Uint8Array } {
    const mask = size - 1
    const kinds = new Uint8Array(new SharedArrayBuffer(m))
    const tokens = new Uint8Array(new SharedArrayBuffer(m * 16))
    let seed = 7
    const rand = (): number => ((seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) >>> 8)
    for (let e = 0; e < m; e++) {
      kinds[e] = rand() % 3
      for (let i = 0; i < 16; i++) tokens[e * 16 + i] = rand() & 0xff
      if (e > 10 && rand() % 3 === 0) {
        const src = rand() % e
        tokens.copyWithin(e * 16, src * 16, src * 16 + 16)
        if (rand() % 4 !== 0) kinds[e] = kinds[src]!
      } else if (rand() % 4 !== 0) {
        const want = rand() % 5 === 0 ? mask - (rand() % 3) : ((rand() % (size >> 4)) << 4) | (13 + (rand() % 3))
        const low = (want ^ Math.imul(kinds[e]! + 1, 0x9e3779b1)) & mask
        tokens[e * 16] = low & 0xff
        tokens[e * 16 + 1] = (tokens[e * 16 + 1]! & ~3) | (low >>> 8)
      }
    }
    return { kinds, tokens }
  }

  /** The table holds the reference's chains, and the lookup's probe finds every entry from its home slot. */
  function expectSameTable(kinds: Uint8Array, tokens: Uint8Array, slots: Int32Array, next: Int32Array, ref: { slots: Int32Array; next: Int32Array }): void {
    const mask = slots.length - 1
    expect(Array.from(next)).toEqual(Array.from(ref.next))
    expect(chains(slots, next)).toEqual(chains(ref.slots, ref.next))
    for (let e = 0; e < kinds.length; e++) {
      let s = homeSlot(tokens, kinds, e, mask)
      for (;;) {
        const head = slots[s]! - 1
        expect(head).toBeGreaterThanOrEqual(0)
        if (kinds[head] === kinds[e] && tokens.subarray(head * 16, head * 16 + 16).every((x, i) => x === tokens[e * 16 + i])) break
        s = (s + 1) & mask
      }
      let found = false
      for (let h = slots[s]! - 1; h >= 0; h = next[h]!) if (h === e) found = true
      expect(found).toBe(true)
    }
  }

  it('makes the chains a plain insertion in entry order makes, with probes crossing regions and the table end', () => {
    const size = 1024
    const mask = size - 1
    const m = 400
    const { kinds, tokens } = steered(m, size)
    const ref = reference(kinds, tokens, size)
    let crossed = 0
    for (let s = 0; s < size; s++) {
      const e = ref.slots[s]! - 1
      if (e >= 0 && s >> 4 !== homeSlot(tokens, kinds, e, mask) >> 4) crossed++
    }
    expect(crossed).toBeGreaterThan(20) // the data does exercise overflow past a region
    for (const opts of [{ regionBits: 4, roundEntries: 7 }, { regionBits: 4, roundEntries: 1 }, { regionBits: 6, roundEntries: 100 }, {}]) {
      const slots = new Int32Array(size)
      const next = new Int32Array(m)
      for (const _ of fillSlots(kinds, tokens, slots, next, opts));
      expectSameTable(kinds, tokens, slots, next, ref)
    }
  })

  it('makes the same chains when runs of regions are filled apart (a parallel fill) and the entries they leave placed after', async () => {
    const size = 1024
    const m = 400
    const { kinds, tokens } = steered(m, size)
    const ref = reference(kinds, tokens, size)
    let leftInAll = 0
    for (const [parts, regionBits, roundEntries] of [[2, 4, 7], [3, 4, 1], [5, 4, 100], [2, 6, 50], [1, 4, 9]] as const) {
      const slots = new Int32Array(new SharedArrayBuffer(size * 4))
      const next = new Int32Array(new SharedArrayBuffer(m * 4)).fill(-1)
      const runs: [number, number][] = []
      // Run inline, one part after another: the parts share no slot, so any order is a possible interleaving.
      const left = await startParallelFill(kinds, tokens, slots, next, {
        parts,
        regionBits,
        roundEntries,
        run: async (job) => {
          runs.push([job.first, job.last])
          // A part writes only its own run of slots: in a real parallel fill another thread owns the rest.
          const before = Int32Array.from(slots)
          const left = runFillJob(job)
          for (let s = 0; s < size; s++) if (s < job.first << regionBits || s >= job.last << regionBits) expect(slots[s]).toBe(before[s])
          return left
        },
      })
      expect(left).toBeDefined()
      // the runs cover every region once, in order
      expect(runs[0]![0]).toBe(0)
      for (let i = 1; i < runs.length; i++) expect(runs[i]![0]).toBe(runs[i - 1]![1])
      expect(runs.at(-1)![1]).toBe(size >> regionBits)
      leftInAll += left!.reduce((n, l) => n + l.length, 0)
      for (const _ of insertDeferred(kinds, tokens, slots, next, left!));
      expectSameTable(kinds, tokens, slots, next, ref)
    }
    expect(leftInAll).toBeGreaterThan(0) // probes did run past a run's end (and past the table's)
  })

  it('keeps apart one token\'s bytes under two kinds met in one probe run', () => {
    // Bytes B under kind 0 (home h0) and kind 1 (home h1 > h0, in the same region); entries homed at h0 fill the slots
    // past h1 first, so kind 0's entry lands on kind 1's probe path: same bytes, another kind, not its chain.
    const size = 64
    const mask = size - 1
    const c = (k: number): number => Math.imul(k + 1, 0x9e3779b1)
    // Two kinds and B's low bits that put the two homes close together in one region.
    let pick: { ka: number; kb: number; low: number; h0: number; h1: number } | undefined
    for (let ka = 0; ka < 40 && !pick; ka++) {
      for (let kb = 0; kb < 40 && !pick; kb++) {
        for (let low = 0; low < size && !pick; low++) {
          const h0 = (low ^ c(ka)) & mask
          const h1 = (low ^ c(kb)) & mask
          if (ka !== kb && h0 >> 4 === h1 >> 4 && h1 > h0 && h1 - h0 <= 8) pick = { ka, kb, low, h0, h1 }
        }
      }
    }
    if (!pick) throw new Error('no two kinds put one token\'s homes in one region')
    const { ka, kb, low, h0, h1 } = pick
    const filler = ka === 0 || kb === 0 ? (ka === 1 || kb === 1 ? 2 : 1) : 0
    const fillers = h1 - h0 + 2
    const m = fillers + 2
    const kinds = new Uint8Array(m)
    const tokens = new Uint8Array(m * 16)
    for (let e = 0; e < fillers; e++) {
      kinds[e] = filler
      tokens.fill(e + 1, e * 16, e * 16 + 16)
      tokens[e * 16] = (h0 ^ c(filler)) & mask // home h0 under the filler's kind
    }
    for (const [e, k] of [[fillers, ka], [fillers + 1, kb]] as const) {
      kinds[e] = k
      tokens.fill(0xaa, e * 16, e * 16 + 16)
      tokens[e * 16] = low
    }
    const ref = reference(kinds, tokens, size)
    expect(ref.next[fillers + 1]).toBe(-1)
    const slots = new Int32Array(size)
    const next = new Int32Array(m)
    for (const _ of fillSlots(kinds, tokens, slots, next, { regionBits: 4, roundEntries: 3 }));
    expect(Array.from(next)).toEqual(Array.from(ref.next))
    expect(chains(slots, next)).toEqual(chains(ref.slots, ref.next))
  })
})
