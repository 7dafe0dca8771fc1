/**
 * A PatientIndex over typed arrays, for an index version of a million patients or more. Tokens stay 16 raw bytes in
 * one array, in patient order; an open-addressing hash table (Int32Array of entry numbers) finds them. At a million
 * patients × ~12 tokens that is ~400 MB, against several GB for Maps of base64 strings, and it builds in one pass.
 * Matching rules are untouched: matchCandidate sees the same lookup/patient/nameFrequency answers as from
 * buildMemoryIndex over the same patients.
 */
import { writeBase64Url16 } from '@healthflag/protocol/encoding'
import { TOKEN_BYTES, type IndexedPatient, type MatchKeyKind, type PatientIndex, type TokenSet } from '@healthflag/tokens'

export const FLAG_ACTIVE = 1
export const FLAG_RESTRICTED = 2

/** One packed chunk of consecutive patients, as the import writes it and the store reads it back. */
export interface PackedChunk {
  ids: string[]
  /** per patient: FLAG_ACTIVE | FLAG_RESTRICTED */
  flags: Uint8Array
  /** per patient: how many tokens follow (those of patient i come right after those of patient i - 1) */
  counts: Uint16Array
  /** per token: kind code into the index's kind list */
  kinds: Uint8Array
  /** per token: 16 bytes */
  tokens: Uint8Array
}

const EMPTY: readonly string[] = Object.freeze([])
/** a token's length in base64url (16 bytes, no padding) */
const TOKEN_CHARS = 22

/**
 * Builds a CompactIndex over tokens already in place (`placed`: kind codes and token bytes in patient order, from
 * the first, as the import kept them or a read-back put them), given the patients chunk by chunk in the same order
 * (addPatients); `totals` sizes the other arrays once. The index uses the placed arrays as they are, no copy.
 */
export class CompactIndexBuilder {
  private readonly ids: string[] = []
  private readonly flags: Uint8Array
  private readonly start: Uint32Array
  private readonly kinds: Uint8Array
  private readonly tokens: Uint8Array
  private patients = 0
  private entries = 0

  constructor(
    private readonly kindNames: readonly MatchKeyKind[],
    totals: { patients: number; tokens: number },
    placed: { kinds: Uint8Array; tokens: Uint8Array },
  ) {
    this.flags = new Uint8Array(totals.patients)
    this.start = new Uint32Array(totals.patients + 1)
    if (placed.kinds.length < totals.tokens || placed.tokens.length < totals.tokens * TOKEN_BYTES) throw new RangeError('placed tokens are fewer than the layout says')
    this.kinds = placed.kinds.subarray(0, totals.tokens)
    this.tokens = placed.tokens.subarray(0, totals.tokens * TOKEN_BYTES)
  }

  /** Adds a chunk's patients, their tokens counted as the next ones in the placed arrays; returns how many. */
  addPatients(chunk: Pick<PackedChunk, 'ids' | 'flags' | 'counts'>): number {
    const n = chunk.ids.length
    if (this.patients + n > this.flags.length) throw new RangeError('chunks hold more patients than the layout says')
    let tokenCount = 0
    for (let i = 0; i < n; i++) tokenCount += chunk.counts[i]!
    if (this.entries + tokenCount > this.kinds.length) throw new RangeError('chunk token counts disagree with its tokens or the layout')
    for (let i = 0; i < n; i++) {
      this.ids.push(chunk.ids[i]!)
      this.flags[this.patients] = chunk.flags[i]!
      this.start[this.patients + 1] = this.start[this.patients]! + chunk.counts[i]!
      this.patients++
    }
    this.entries += tokenCount
    return tokenCount
  }

  /**
   * The index, built in slices that give the event loop back between them (a million patients' table takes seconds:
   * the side-car keeps answering meanwhile, from the version it is replacing). With `parallel` (and the placed arrays
   * in SharedArrayBuffers), the hash table is filled by other threads, part of the table each, while this one builds
   * the id table.
   */
  async buildAsync(sliceMs = 20, parallel?: ParallelFill): Promise<CompactIndex> {
    if (this.patients !== this.flags.length || this.entries !== this.kinds.length) throw new RangeError('fewer chunks than the layout says')
    const { ids, kinds, tokens } = this
    const m = kinds.length
    let size = 1024
    while (size < m * 2) size *= 2
    const par = parallel && parallel.parts > 0 && m >= (parallel.minEntries ?? PARALLEL_MIN_ENTRIES) && isShared(kinds) && isShared(tokens) ? parallel : undefined
    const slots = new Int32Array(par ? new SharedArrayBuffer(size * 4) : new ArrayBuffer(size * 4))
    const next = new Int32Array(par ? new SharedArrayBuffer(m * 4) : new ArrayBuffer(m * 4))
    // Most entries head no chain: -1 first, in a sequential pass given back to the event loop every slice like the rest
    // of the build (~0.2 s at a million patients, most of it first touching the memory), then the workers start.
    if (par) await drive(fillInSteps(next, -1), sliceMs)
    const filling = par ? startParallelFill(kinds, tokens, slots, next, par) : undefined
    const seqOf = await drive(idTable(ids), sliceMs)
    const left = filling && (await filling)
    if (left) await drive(insertDeferred(kinds, tokens, slots, next, left), sliceMs)
    else {
      // No parallel fill, or a part of it failed (its worker stopped): the whole table on this thread.
      if (filling) slots.fill(0)
      await drive(fillSlots(kinds, tokens, slots, next), sliceMs)
    }
    return new CompactIndex(this.kindNames, ids, this.flags, this.start, kinds, tokens, { seqOf, next, slots, mask: size - 1 })
  }
}

/** Fills `a` with `value` a million elements at a time, each a step for drive. */
function* fillInSteps(a: Int32Array, value: number): Generator<void, void> {
  const STEP = 1 << 20
  for (let i = 0; i < a.length; i += STEP) {
    a.fill(value, i, Math.min(a.length, i + STEP))
    yield
  }
}

/**
 * Starts filling `slots` and `next` (views of SharedArrayBuffers; `slots` all 0, `next` all -1) on other threads: the
 * table's regions in `parallel.parts` runs, one job each. Resolves, once every part is done, to the entries the parts
 * left for insertDeferred, or to undefined when a part failed (the table is then partly filled, and must be filled
 * again).
 */
export async function startParallelFill(kinds: Uint8Array, tokens: Uint8Array, slots: Int32Array, next: Int32Array, par: ParallelFill): Promise<Int32Array[] | undefined> {
  const regionBits = Math.min(par.regionBits ?? REGION_BITS, Math.log2(slots.length))
  const regions = slots.length >>> regionBits
  const parts = Math.min(par.parts, regions)
  // Each part's round room: its share of the entries and some (hashes spread the entries evenly; a part with more
  // takes another round).
  const room = Math.max(1, Math.min(par.roundEntries ?? ROUND_ENTRIES, Math.ceil((kinds.length / parts) * 1.05) + 4096))
  const jobs: Promise<Int32Array>[] = []
  for (let i = 0; i < parts; i++) {
    const first = Math.floor((i * regions) / parts)
    const last = Math.floor(((i + 1) * regions) / parts)
    const scratch = { order: new Int32Array(new SharedArrayBuffer(room * 4)), hashes: new Int32Array(new SharedArrayBuffer(room * 4)) }
    // A part that cannot start (no worker) counts as failed, like one that fails on the way.
    jobs.push(Promise.resolve().then(() => par.run({ kinds, tokens, slots, next, first, last, regionBits, roundEntries: par.roundEntries, scratch })))
  }
  // Every part settled before answering: a part still writing must not meet the caller's second fill.
  const done = await Promise.allSettled(jobs)
  return done.every((d) => d.status === 'fulfilled') ? done.map((d) => (d as PromiseFulfilledResult<Int32Array>).value) : undefined
}

/** Runs a generator of work steps to its end, giving the event loop back every `sliceMs`. */
async function drive<T>(steps: Generator<void, T>, sliceMs: number): Promise<T> {
  let slice = performance.now()
  for (;;) {
    const step = steps.next()
    if (step.done) return step.value
    if (performance.now() - slice >= sliceMs) {
      await new Promise<void>((resolve) => setImmediate(resolve))
      slice = performance.now()
    }
  }
}

function isShared(a: Uint8Array): boolean {
  return typeof SharedArrayBuffer === 'function' && a.buffer instanceof SharedArrayBuffer
}

/**
 * Filling the hash table on other threads (CompactIndexBuilder.buildAsync): the table's regions are split into
 * `parts` runs, each filled by `run` (a worker thread running runFillJob) while the building thread makes the id table.
 */
export interface ParallelFill {
  parts: number
  /** fills one run of regions elsewhere; resolves to the entries it left to the caller (runFillJob) */
  run: (job: FillJob) => Promise<Int32Array>
  /** fewer entries than this are filled on the building thread (default PARALLEL_MIN_ENTRIES) */
  minEntries?: number
  /** for tests: smaller regions and rounds than a real index's */
  regionBits?: number
  roundEntries?: number
}

/** Below this many entries (~50 k patients) a table fills faster on one thread than a worker is sent the job. */
export const PARALLEL_MIN_ENTRIES = 1 << 20

/** One run of regions to fill: the arrays are views of SharedArrayBuffers, shared with the building thread. */
export interface FillJob {
  kinds: Uint8Array
  tokens: Uint8Array
  slots: Int32Array
  /** all -1 before any part starts */
  next: Int32Array
  /** regions [first, last) */
  first: number
  last: number
  regionBits: number
  roundEntries?: number
  /**
   * Room for a round's entry numbers and hashes, made by the building thread: the worker then keeps no large garbage
   * after the job (an idle worker may not collect it for a long time).
   */
  scratch?: { order: Int32Array; hashes: Int32Array }
}

/**
 * Fills a FillJob's regions (in the worker thread that runs it). An entry whose probe runs past the run's last slot
 * is left for the building thread, which places such entries once every part is done (insertDeferred): two threads
 * never write one slot. Returns the entries left, in the order met.
 */
export function runFillJob(job: FillJob): Int32Array {
  const left: number[] = []
  const steps = fillRegions(job.kinds, job.tokens, job.slots, job.next, job.first, job.last, left, { regionBits: job.regionBits, roundEntries: job.roundEntries, scratch: job.scratch })
  while (!steps.next().done);
  return Int32Array.from(left)
}

/**
 * Patient id → seq: open addressing over each id's 32-bit FNV-1a hash, kept beside its seq + 1 so that a probe
 * compares ids only when their hashes agree. 8 bytes a slot, two slots a patient (16 MB at a million) instead of a Map
 * of a million strings (~80 MB, and ~0.7 s of a 1 M version's build here).
 */
export class IdTable {
  private readonly seqs: Int32Array
  private readonly hashes: Int32Array
  private readonly mask: number

  constructor(private readonly ids: readonly string[]) {
    let size = 1024
    while (size < ids.length * 2) size *= 2
    this.seqs = new Int32Array(size)
    this.hashes = new Int32Array(size)
    this.mask = size - 1
  }

  /** Adds ids[seq]; false when the same id is there already. */
  add(seq: number): boolean {
    const id = this.ids[seq]!
    const h = hashId(id)
    for (let s = h & this.mask; ; s = (s + 1) & this.mask) {
      const at = this.seqs[s]! - 1
      if (at < 0) {
        this.seqs[s] = seq + 1
        this.hashes[s] = h
        return true
      }
      if (this.hashes[s] === h && this.ids[at] === id) return false
    }
  }

  get(id: string): number | undefined {
    const h = hashId(id)
    for (let s = h & this.mask; ; s = (s + 1) & this.mask) {
      const at = this.seqs[s]! - 1
      if (at < 0) return undefined
      if (this.hashes[s] === h && this.ids[at] === id) return at
    }
  }

  get byteLength(): number {
    return this.seqs.byteLength + this.hashes.byteLength
  }
}

/** FNV-1a over the UTF-16 code units, then a final avalanche so the low bits (the slot) depend on every character. */
function hashId(id: string): number {
  let h = 0x811c9dc5
  for (let i = 0; i < id.length; i++) h = Math.imul(h ^ id.charCodeAt(i), 0x01000193)
  h ^= h >>> 16
  h = Math.imul(h, 0x85ebca6b)
  h ^= h >>> 13
  return h | 0
}

/** The lookup structures of a CompactIndex (see its fields). */
interface LookupTables {
  seqOf: IdTable
  next: Int32Array
  slots: Int32Array
  mask: number
}

/** Work items between the points where lookupTables may be paused. */
const STEP = 1 << 16

/** Tokens are HMAC output: their first four bytes are already uniform. The kind is mixed in so kinds do not cluster. */
function hashOf(bytes: Uint8Array, at: number, kind: number): number {
  return (bytes[at]! | (bytes[at + 1]! << 8) | (bytes[at + 2]! << 16) | (bytes[at + 3]! << 24)) ^ Math.imul(kind + 1, 0x9e3779b1)
}

function slotOf(bytes: Uint8Array, at: number, kind: number, mask: number): number {
  return hashOf(bytes, at, kind) & mask
}

function sameToken(kinds: Uint8Array, tokens: Uint8Array, e: number, kind: number, t: Uint8Array, tAt: number): boolean {
  if (kinds[e] !== kind) return false
  const at = e * TOKEN_BYTES
  for (let i = 0; i < TOKEN_BYTES; i++) if (tokens[at + i] !== t[tAt + i]) return false
  return true
}

/** Entries a and b have the same 16 token bytes. */
function sameBytes(tokens: Uint8Array, a: number, b: number): boolean {
  const x = a * TOKEN_BYTES
  const y = b * TOKEN_BYTES
  for (let i = 0; i < TOKEN_BYTES; i++) if (tokens[x + i] !== tokens[y + i]) return false
  return true
}

/**
 * Slots per region of the hash table that the build fills at a time, as a power of two (64 k slots: 256 KB, and as
 * much again for their hashes and for which region filled them; near a core's L2). Inserting 20 M entries in entry
 * order touched the 256 MB table and the 350 MB of tokens at random, a cache and TLB miss or two per entry (~5 s at a
 * million patients here); region by region, probes stay in cache and a collision is told apart by the hash kept
 * beside the region, not by reading the other token.
 */
const REGION_BITS = 16
/**
 * Entries placed per round of the partitioned build (two Int32Arrays of this length: 128 MB; a million patients' ~20 M
 * entries take two rounds, each a sequential pass over the tokens).
 */
const ROUND_ENTRIES = 1 << 24

/** Builds the id map, yielding every STEP ids so that buildAsync can pause. */
function* idTable(ids: readonly string[]): Generator<void, IdTable> {
  const seqOf = new IdTable(ids)
  for (let i = 0; i < ids.length; i++) {
    if (!seqOf.add(i)) throw new RangeError('patient ids must be unique in an index')
    if ((i & (STEP - 1)) === STEP - 1) yield
  }
  return seqOf
}

/**
 * Inserts every entry into `slots` (linear probing; an entry whose (kind, token) is there already heads its chain, the
 * previous head in `next`), region by region of the table: the entries whose home slot lies in a run of regions are
 * gathered (in entry order) by a sequential pass over the tokens, then inserted. Entries of one (kind, token) share
 * a home slot, so each chain is built in entry order, as an insertion in entry order would build it; a probe that runs
 * past its region just goes on (the table is the same table), and there the other token is compared in full.
 */
export function* fillSlots(
  kinds: Uint8Array,
  tokens: Uint8Array,
  slots: Int32Array,
  next: Int32Array,
  /** for tests: smaller regions and rounds than a real index's, so that a small table has many of each */
  opts?: { regionBits?: number; roundEntries?: number },
): Generator<void, void> {
  // Most entries head no chain: -1 written in one sequential pass, not entry by entry in region order.
  yield* fillInSteps(next, -1)
  yield* fillRegions(kinds, tokens, slots, next, 0, Number.POSITIVE_INFINITY, undefined, opts)
}

/**
 * fillSlots for the entries whose home slot is in regions [first, last) (all of them when `left` is undefined: then a
 * probe runs on past the table's end to its start). With `left`, a probe that reaches the run's last slot stops there
 * and the entry is put in `left` for insertDeferred: the slots past the run are another thread's. Every later entry
 * of the same (kind, token) then meets the same full slots and is left too, so chains stay in entry order.
 */
function* fillRegions(
  kinds: Uint8Array,
  tokens: Uint8Array,
  slots: Int32Array,
  next: Int32Array,
  first: number,
  lastRegion: number,
  left: number[] | undefined,
  opts?: { regionBits?: number; roundEntries?: number; scratch?: { order: Int32Array; hashes: Int32Array } },
): Generator<void, void> {
  const m = kinds.length
  const size = slots.length
  const mask = size - 1
  const regionBits = Math.min(opts?.regionBits ?? REGION_BITS, Math.log2(size))
  const regionSize = 1 << regionBits
  const last = Math.min(lastRegion, size >>> regionBits)
  const regions = last - first
  // A probe that reaches this slot stops (-1: never; the table wraps around).
  const end = left ? last << regionBits : -1
  // How many entries have their home slot in each region of the run (region first + i at i + 1).
  const perRegion = new Int32Array(regions + 1)
  for (let e = 0; e < m; e++) {
    const r = (slotOf(tokens, e * TOKEN_BYTES, kinds[e]!, mask) >>> regionBits) - first
    if (r >= 0 && r < regions) perRegion[r + 1]!++
    if ((e & (STEP - 1)) === STEP - 1) yield
  }
  let inRun = 0
  for (let r = 1; r <= regions; r++) inRun += perRegion[r]!
  const scratch = opts?.scratch
  const cap = Math.min(inRun, opts?.roundEntries ?? ROUND_ENTRIES, scratch ? Math.min(scratch.order.length, scratch.hashes.length) : Number.POSITIVE_INFINITY)
  const order = scratch?.order ?? new Int32Array(Math.max(1, cap))
  const hashes = scratch?.hashes ?? new Int32Array(Math.max(1, cap))
  // The hash of each slot the current region filled, and which region filled it (a slot filled by another region's
  // overflow is compared in full).
  const regionHash = new Int32Array(regionSize)
  const regionOwner = new Int32Array(regionSize).fill(-1)
  const at = new Int32Array(regions + 1)
  for (let lo = 0; lo < regions; ) {
    // As many regions as fit a round (at least one: a region with more entries than `cap` gets a round of its own,
    // and bigger arrays). Region numbers below are relative to the run's first.
    let hi = lo
    let n = 0
    while (hi < regions && (n + perRegion[hi + 1]! <= cap || hi === lo)) n += perRegion[++hi]!
    const o = n <= order.length ? order : new Int32Array(n)
    const h = n <= hashes.length ? hashes : new Int32Array(n)
    at[lo] = 0
    for (let r = lo; r < hi; r++) at[r + 1] = at[r]! + perRegion[r + 1]!
    for (let e = 0; e < m; e++) {
      const w = hashOf(tokens, e * TOKEN_BYTES, kinds[e]!)
      const r = ((w & mask) >>> regionBits) - first
      if (r >= lo && r < hi) {
        const i = at[r]!++
        o[i] = e
        h[i] = w
      }
      if ((e & (STEP - 1)) === STEP - 1) yield
    }
    // at[r] is now where region r + 1's entries begin.
    for (let r = lo, i = 0; r < hi; r++) {
      const region = first + r
      const base = region << regionBits
      const stop = at[r]!
      for (; i < stop; i++) {
        const e = o[i]!
        const w = h[i]!
        for (let s = w & mask; ; ) {
          const head = slots[s]! - 1
          const local = s - base
          if (head < 0) {
            slots[s] = e + 1
            if (local >= 0 && local < regionSize) {
              regionHash[local] = w
              regionOwner[local] = region
            }
            break
          }
          // Told apart by the hash when this region put it there (equal hashes and equal bytes mean equal kinds too: the
          // kind's odd multiple is one-to-one); else (overflow from the region before) compared in full.
          const known = local >= 0 && local < regionSize && regionOwner[local] === region
          if (known ? regionHash[local] === w && sameBytes(tokens, head, e) : sameToken(kinds, tokens, head, kinds[e]!, tokens, e * TOKEN_BYTES)) {
            next[e] = head
            slots[s] = e + 1
            break
          }
          s++
          if (s === end) {
            left!.push(e)
            break
          }
          s &= mask
        }
        if ((i & (STEP - 1)) === STEP - 1) yield
      }
    }
    lo = hi
  }
}

/**
 * Places the entries the parts of a parallel fill left (runFillJob), once every part is done: each list in its order,
 * a probe wrapping past the table's end, the other token compared in full. All entries of one (kind, token) are in one
 * list, in entry order, so chains come out as fillSlots makes them.
 */
export function* insertDeferred(kinds: Uint8Array, tokens: Uint8Array, slots: Int32Array, next: Int32Array, lists: readonly Int32Array[]): Generator<void, void> {
  const mask = slots.length - 1
  let done = 0
  for (const list of lists) {
    for (const e of list) {
      const kind = kinds[e]!
      for (let s = slotOf(tokens, e * TOKEN_BYTES, kind, mask); ; s = (s + 1) & mask) {
        const head = slots[s]! - 1
        if (head < 0) {
          slots[s] = e + 1
          break
        }
        if (sameToken(kinds, tokens, head, kind, tokens, e * TOKEN_BYTES)) {
          next[e] = head
          slots[s] = e + 1
          break
        }
      }
      if ((++done & (STEP - 1)) === 0) yield
    }
  }
}

export class CompactIndex implements PatientIndex {
  readonly size: number
  private readonly kindCode = new Map<string, number>()
  private readonly seqOf: IdTable
  /** entry → the previous entry with the same kind and token, -1 for none: a token shared by many patients (a
   * frequency token of a common name: tens of thousands at a million patients) is one slot and a chain, never a
   * cluster of probes */
  private readonly next: Int32Array
  /** latest entry number + 1 of each distinct (kind, token), 0 for an empty slot; linear probing */
  private readonly slots: Int32Array
  private readonly mask: number
  /** id lists of widely shared tokens, built once: matching asks for the same common names again and again */
  private readonly shared = new Map<number, readonly string[]>()

  constructor(
    private readonly kindNames: readonly MatchKeyKind[],
    private readonly ids: readonly string[],
    private readonly flags: Uint8Array,
    private readonly start: Uint32Array,
    private readonly kinds: Uint8Array,
    private readonly tokens: Uint8Array,
    /** made by CompactIndexBuilder.buildAsync */
    t: LookupTables,
  ) {
    this.size = ids.length
    kindNames.forEach((k, i) => this.kindCode.set(k, i))
    this.seqOf = t.seqOf
    this.next = t.next
    this.slots = t.slots
    this.mask = t.mask
  }

  /** The latest entry holding `t` under kind code `kind`, or -1. */
  private head(kind: number, t: Uint8Array, tAt: number): number {
    for (let s = slotOf(t, tAt, kind, this.mask); ; s = (s + 1) & this.mask) {
      const e = this.slots[s]! - 1
      if (e < 0 || sameToken(this.kinds, this.tokens, e, kind, t, tAt)) return e
    }
  }

  /**
   * The patient whose tokens include entry `e`: the last p with start[p] <= e (a binary search over the patients'
   * token offsets; an array of each entry's patient would cost 4 bytes an entry, 80 MB at a million patients, for
   * the few chains a match walks, and the common names' lists are cached).
   */
  private ownerOf(e: number): number {
    const start = this.start
    let lo = 0
    let hi = this.size - 1
    while (lo < hi) {
      const mid = (lo + hi + 1) >>> 1
      if (start[mid]! <= e) lo = mid
      else hi = mid - 1
    }
    return lo
  }

  /** How many patients hold the token (a patient holds each distinct token of a kind once). */
  private holders(head: number): number {
    let n = 0
    for (let e = head; e >= 0; e = this.next[e]!) n++
    return n
  }

  /** Ids of the patients holding the token, in index order. */
  private idsOf(head: number): readonly string[] {
    if (head < 0) return EMPTY
    const cached = this.shared.get(head)
    if (cached) return cached
    const out: string[] = []
    for (let e = head; e >= 0; e = this.next[e]!) out.push(this.ids[this.ownerOf(e)]!)
    out.reverse()
    if (out.length > 8) this.shared.set(head, Object.freeze(out))
    return out
  }

  lookup(kind: MatchKeyKind, token: string): readonly string[] {
    const code = this.kindCode.get(kind)
    if (code === undefined || !decodeTokenInto(token, this.scratch)) return EMPTY
    return this.idsOf(this.head(code, this.scratch, 0))
  }

  /** How many patients hold the token: lookup(kind, token).length without making the list (the rare-name rule). */
  count(kind: MatchKeyKind, token: string): number {
    const code = this.kindCode.get(kind)
    if (code === undefined || !decodeTokenInto(token, this.scratch)) return 0
    const head = this.head(code, this.scratch, 0)
    if (head < 0) return 0
    // A common given or family name has tens of thousands of holders: walk its chain once.
    const listed = this.shared.get(head)
    if (listed) return listed.length
    let n = this.counted.get(head)
    if (n === undefined) {
      n = this.holders(head)
      if (n > 8) this.counted.set(head, n)
    }
    return n
  }

  /** Holder counts of long chains, by chain head (count). */
  private readonly counted = new Map<number, number>()

  /** Decoded lookup token (lookups are synchronous, so one buffer serves them all). */
  private readonly scratch = new Uint8Array(TOKEN_BYTES)
  /**
   * The patients last asked for: matching asks for the selected patient several times per row (veto, rare-name
   * rule, flag), and each answer spells out its ~19 tokens. Frozen, as they are shared.
   */
  private recent = new Map<string, IndexedPatient>()

  patient(id: string): IndexedPatient | undefined {
    const hit = this.recent.get(id)
    if (hit) return hit
    const built = this.buildPatient(id)
    if (!built) return undefined
    if (this.recent.size >= 64) this.recent = new Map()
    this.recent.set(id, built)
    return built
  }

  /** base64url text of one patient's tokens, written before it becomes one string */
  private text = Buffer.alloc(64 * TOKEN_CHARS)

  private buildPatient(id: string): IndexedPatient | undefined {
    const p = this.seqOf.get(id)
    if (p === undefined) return undefined
    const from = this.start[p]!
    const to = this.start[p + 1]!
    // One string of every token's 22 characters, cut into tokens (V8 slices it without copying): not a Buffer and a
    // string per token. Matching asks for a patient on every row that selects one.
    if (this.text.length < (to - from) * TOKEN_CHARS) this.text = Buffer.alloc((to - from) * TOKEN_CHARS)
    for (let e = from; e < to; e++) writeBase64Url16(this.tokens, e * TOKEN_BYTES, this.text, (e - from) * TOKEN_CHARS)
    const all = this.text.toString('latin1', 0, (to - from) * TOKEN_CHARS)
    const tokens: TokenSet = {}
    for (let e = from; e < to; e++) {
      const kind = this.kindNames[this.kinds[e]!]!
      const at = (e - from) * TOKEN_CHARS
      ;(tokens[kind] ??= []).push(all.slice(at, at + TOKEN_CHARS))
    }
    const f = this.flags[p]!
    for (const list of Object.values(tokens)) Object.freeze(list)
    return Object.freeze({ id, tokens: Object.freeze(tokens), active: (f & FLAG_ACTIVE) !== 0, restricted: (f & FLAG_RESTRICTED) !== 0 })
  }

  nameFrequency(id: string): number | undefined {
    const p = this.seqOf.get(id)
    const code = this.kindCode.get('name_freq')
    if (p === undefined || code === undefined) return undefined
    let max = 0
    let any = false
    for (let e = this.start[p]!; e < this.start[p + 1]!; e++) {
      if (this.kinds[e] !== code) continue
      any = true
      max = Math.max(max, this.holders(this.head(code, this.tokens, e * TOKEN_BYTES)))
    }
    return any ? max : undefined
  }

  /** Every patient id, in index order (audits and tests walk the index with patient()). */
  patientIds(): readonly string[] {
    return this.ids
  }

  /** Bytes held by the typed arrays (the id strings and the caches excluded), for the bench. */
  get typedBytes(): number {
    return this.flags.byteLength + this.start.byteLength + this.kinds.byteLength + this.tokens.byteLength + this.next.byteLength + this.slots.byteLength + this.seqOf.byteLength
  }
}

const B64URL = /^[A-Za-z0-9_-]{22}$/

/** A wire token (22 base64url characters) as its 16 bytes, or null when it is not one. */
export function decodeToken(token: string): Uint8Array | null {
  const out = new Uint8Array(TOKEN_BYTES)
  return decodeTokenInto(token, out) ? out : null
}

/** base64url character code -> 6-bit value, 255 for any other character. */
const SEXTET = new Uint8Array(128).fill(255)
'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_'.split('').forEach((c, i) => (SEXTET[c.charCodeAt(0)] = i))

/**
 * Decodes a wire token into `out` (16 bytes); false when it is not 22 base64url characters or is a non-canonical
 * spelling (stray low bits in the last character: not the same token). Same answers as the regex + Buffer round trip
 * it replaces (B64URL above; services/sidecar/test checks them against each other), without allocating.
 */
export function decodeTokenInto(token: string, out: Uint8Array): boolean {
  if (token.length !== 22) return false
  let o = 0
  let acc = 0
  let bits = 0
  for (let i = 0; i < 22; i++) {
    const c = token.charCodeAt(i)
    const v = c < 128 ? SEXTET[c]! : 255
    if (v === 255) return false
    acc = ((acc << 6) | v) & 0xffffff
    bits += 6
    if (bits >= 8) {
      bits -= 8
      out[o++] = (acc >> bits) & 0xff
    }
  }
  // 132 bits read, 128 used: the 4 left over must be zero.
  return (acc & ((1 << bits) - 1)) === 0
}

/** The reference decoding (regex and Buffer round trip), kept for the equivalence test. */
export function decodeTokenReference(token: string): Uint8Array | null {
  if (!B64URL.test(token)) return null
  const b = Buffer.from(token, 'base64url')
  return b.length === TOKEN_BYTES && b.toString('base64url') === token ? b : null
}
