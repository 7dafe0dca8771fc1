/**
 * The fast token path for bulk tokenising (the side-car's index import, the council's candidates). Same tokens as
 * createTokeniser, bit for bit: HMAC-SHA256(k_kind, canonical_bytes) truncated to 16 bytes. What makes it fast is
 * per-call overhead, not SHA-256: the HMAC key's inner and outer pad blocks are compressed once per kind, so a token is
 * the compression of its message block(s) from the inner state plus one compression from the outer state, run by
 * @noble/hashes' own SHA-256 engine. Canonical bytes are copied straight into the engine's block buffer from values
 * already encoded, each key prefix once for all the combinations that share it: the values derived from a name
 * (phonetic codes, one-deletion variants, the known-name check) are memoised per tokeniser in a compact byte table
 * (NameMemo), since names repeat heavily in a population, and a person's other values are encoded once per person.
 * No allocation per token. Measured against node:crypto createHmac and the plain noble `hmac` in bench/tokens.ts; the
 * reference (`createTokeniser(..., { impl: 'noble' })`) is what the vectors check, and test/fast.test.ts checks this
 * path equals it on the vectors and on random people.
 */
import { createHmac } from 'node:crypto'
import { hmac } from '@noble/hashes/hmac.js'
import { _SHA256, sha256 } from '@noble/hashes/sha2.js'
import { deriveKindKey } from './keys.js'
import { CANDIDATE_TOKEN_KINDS, KEY_FIELDS, fieldValues, isMatchKeyKind, keyMaterialKind, type KeyField, type MatchKeyKind } from './match-keys.js'
import type { NormalisedPerson } from './person.js'
import { TOKEN_BYTES, type TokenSet, type Tokeniser } from './tokeniser.js'

/** Writes HMAC-SHA256(key, msg) truncated to `outLen` bytes (≤ 32) into `out` at `offset`. */
export type MacInto = (msg: Uint8Array, out: Uint8Array, offset: number, outLen: number) => void

/** The eight 32-bit state words of noble's SHA-256 engine (protected fields in its types; public at run time). */
interface Sha256Engine {
  A: number
  B: number
  C: number
  D: number
  E: number
  F: number
  G: number
  H: number
  process(view: DataView, offset: number): void
}

const BLOCK = 64

function padState(key: Uint8Array, pad: number): Int32Array {
  const block = new Uint8Array(BLOCK).fill(pad)
  for (let i = 0; i < key.length; i++) block[i] = block[i]! ^ key[i]!
  const e = new _SHA256() as unknown as Sha256Engine
  e.process(new DataView(block.buffer), 0)
  return Int32Array.of(e.A, e.B, e.C, e.D, e.E, e.F, e.G, e.H)
}

/**
 * HMAC-SHA256 under several keys, each key's pad blocks compressed once, over a message the caller writes into `msg`
 * (from byte 0; `reserve` first): each MAC costs ceil((len + 9) / 64) + 1 compressions and no allocation (messages up
 * to 55 bytes, i.e. nearly every token, take two). Keys longer than 64 bytes are hashed first, as RFC 2104 says. Not
 * re-entrant across threads (each worker makes its own).
 */
class PrekeyedMacs {
  msg = new Uint8Array(4 * BLOCK)
  /** `msg` as a DataView (messages are copied into it a word at a time) */
  view = new DataView(this.msg.buffer)
  private readonly inner: Int32Array
  private readonly outer: Int32Array
  private readonly engine = new _SHA256() as unknown as Sha256Engine
  private readonly ob = new Uint8Array(BLOCK)
  private readonly ov = new DataView(this.ob.buffer)
  private readonly res = new Uint8Array(32)
  /** The previous message's length and padded end: the bytes up to it (and its 0x80) are what a shorter one clears. */
  private lastLen = 0
  private lastEnd = 0

  constructor(readonly keys: readonly Uint8Array[]) {
    this.inner = new Int32Array(keys.length * 8)
    this.outer = new Int32Array(keys.length * 8)
    keys.forEach((key, i) => {
      const k = key.length > BLOCK ? sha256(key) : key
      this.inner.set(padState(k, 0x36), i * 8)
      this.outer.set(padState(k, 0x5c), i * 8)
    })
    this.ob[32] = 0x80
    this.ov.setUint32(60, (BLOCK + 32) * 8)
  }

  /** Room for a message of `len` bytes (plus padding) in `msg`, keeping the bytes already written. */
  reserve(len: number): void {
    if (len + 9 <= this.msg.length) return
    const grown = new Uint8Array(Math.ceil((len + 9) / BLOCK) * BLOCK * 2)
    grown.set(this.msg)
    this.msg = grown
    this.view = new DataView(grown.buffer)
  }

  /** HMAC under key `k` of msg[0, len), truncated to `outLen` bytes (≤ 32), written into `out` at `offset`. */
  mac(k: number, len: number, out: Uint8Array, offset: number, outLen: number): void {
    const buf = this.msg
    const view = this.view
    const end = (((len + 8) >>> 6) + 1) * BLOCK
    // Padding: zeros up to the length word. Past the previous message (and its 0x80) the block is still zero from the
    // previous call when it ended at the same place, so only that message's leftover bytes are cleared.
    const dirty = end === this.lastEnd ? Math.min(this.lastLen + 1, end - 4) : end - 4
    for (let i = len + 1; i < dirty; i++) buf[i] = 0
    buf[len] = 0x80
    this.lastLen = len
    this.lastEnd = end
    // Message length in bits, inner pad block included; messages here are far below 2^29 bytes.
    view.setUint32(end - 4, (BLOCK + len) * 8)
    const e = this.engine
    const s = k * 8
    const inner = this.inner
    const outer = this.outer
    const ov = this.ov
    e.A = inner[s]!; e.B = inner[s + 1]!; e.C = inner[s + 2]!; e.D = inner[s + 3]!; e.E = inner[s + 4]!; e.F = inner[s + 5]!; e.G = inner[s + 6]!; e.H = inner[s + 7]! // prettier-ignore
    for (let b = 0; b < end; b += BLOCK) e.process(view, b)
    ov.setInt32(0, e.A); ov.setInt32(4, e.B); ov.setInt32(8, e.C); ov.setInt32(12, e.D); ov.setInt32(16, e.E); ov.setInt32(20, e.F); ov.setInt32(24, e.G); ov.setInt32(28, e.H) // prettier-ignore
    e.A = outer[s]!; e.B = outer[s + 1]!; e.C = outer[s + 2]!; e.D = outer[s + 3]!; e.E = outer[s + 4]!; e.F = outer[s + 5]!; e.G = outer[s + 6]!; e.H = outer[s + 7]! // prettier-ignore
    e.process(ov, 0)
    if (outLen === TOKEN_BYTES) {
      writeWord(out, offset, e.A)
      writeWord(out, offset + 4, e.B)
      writeWord(out, offset + 8, e.C)
      writeWord(out, offset + 12, e.D)
      return
    }
    const res = this.res
    writeWord(res, 0, e.A); writeWord(res, 4, e.B); writeWord(res, 8, e.C); writeWord(res, 12, e.D); writeWord(res, 16, e.E); writeWord(res, 20, e.F); writeWord(res, 24, e.G); writeWord(res, 28, e.H) // prettier-ignore
    for (let i = 0; i < outLen; i++) out[offset + i] = res[i]!
  }
}

function writeWord(out: Uint8Array, at: number, w: number): void {
  out[at] = w >>> 24
  out[at + 1] = w >>> 16
  out[at + 2] = w >>> 8
  out[at + 3] = w
}

/** Every key's MAC equals the @noble/hashes reference on messages of one, two and more blocks. */
function selfCheck(macs: PrekeyedMacs): boolean {
  const out = new Uint8Array(32)
  for (let k = 0; k < macs.keys.length; k++) {
    for (const len of [0, 1, 40, 55, 56, 64, 119, 200]) {
      const msg = new Uint8Array(len).map((_, i) => (i * 31 + len + k) & 0xff)
      macs.reserve(len)
      macs.msg.set(msg)
      macs.mac(k, len, out, 0, 32)
      const key = macs.keys[k]!
      const ref = hmac(sha256, key, msg)
      for (let i = 0; i < 32; i++) if (out[i] !== ref[i]) return false
    }
  }
  return true
}

/**
 * HMAC-SHA256 with the key's pad blocks compressed once (see PrekeyedMacs). The engine's field names are internal to
 * @noble/hashes; if an upgrade changes them the self-check fails and the node:crypto path is used instead, so a token is
 * never wrong, only slower.
 */
export function prekeyedHmacSha256(key: Uint8Array): MacInto {
  const macs = new PrekeyedMacs([key])
  if (!selfCheck(macs)) return nodeMacInto(key)
  return (msg, out, offset, outLen) => {
    macs.reserve(msg.length)
    macs.msg.set(msg)
    macs.mac(0, msg.length, out, offset, outLen)
  }
}

/** node:crypto createHmac as a MacInto (the fallback, and a bench candidate). */
export function nodeMacInto(key: Uint8Array): MacInto {
  const k = Buffer.from(key)
  return (msg, out, offset, outLen) => {
    const d = createHmac('sha256', k).update(msg).digest()
    for (let i = 0; i < outLen; i++) out[offset + i] = d[i]!
  }
}

/** Growable columns of binary tokens: kind code (index into the tokeniser's kinds) and the 16 token bytes. */
export class TokenColumns {
  kinds: Uint8Array
  tokens: Uint8Array
  length = 0
  constructor(capacity = 1024) {
    this.kinds = new Uint8Array(capacity)
    this.tokens = new Uint8Array(capacity * TOKEN_BYTES)
  }
  /** Room for `n` more tokens; returns the offset (in tokens) of the first. */
  reserve(n: number): number {
    if (this.length + n > this.kinds.length) {
      const cap = Math.max(this.kinds.length * 2, this.length + n)
      const kinds = new Uint8Array(cap)
      kinds.set(this.kinds.subarray(0, this.length))
      const tokens = new Uint8Array(cap * TOKEN_BYTES)
      tokens.set(this.tokens.subarray(0, this.length * TOKEN_BYTES))
      this.kinds = kinds
      this.tokens = tokens
    }
    return this.length
  }
}

export interface BinaryTokeniser {
  readonly kinds: readonly MatchKeyKind[]
  /**
   * Appends the person's tokens to `cols` in kind order, each distinct token of a kind once (the order
   * createTokeniser gives); returns how many were appended.
   */
  tokenise(person: NormalisedPerson, cols: TokenColumns): number
}

/**
 * Which person field a key field's values are derived from, for the fields worth memoising (derived from a name, which
 * repeat across a population, and costly: phonetic codes, deletion variants). fieldValues stays the one definition of
 * every value: a memo record holds fieldValues of a person holding only that field. A field not listed here (or added
 * later) is computed per person. Dates are not memoised: their values are cheap to make, and a lookup among ~35 k dates
 * cost more than making them (single-thread import chunks, paired runs: ~5 % of a patient's CPU).
 */
const MEMO_SOURCES = ['given', 'family'] as const
type MemoSource = (typeof MEMO_SOURCES)[number]
/** index into MEMO_SOURCES */
const MEMO_SOURCE: Partial<Record<KeyField, number>> = {
  given: 0,
  given_initial: 0,
  given_phonetic: 0,
  given_edits: 0,
  given_typo: 0,
  family: 1,
  family_full: 1,
  family_phonetic: 1,
}

/** The tag of a person's own field values (a memo's are its source's index). */
const OWN = 3

/** Distinct names remembered per source before a memo starts again (bounds a worker's memory). */
const MEMO_LIMIT = 1 << 16

const NOBODY: NormalisedPerson = {
  nhs_number: null,
  given_name: null,
  given_canonical: [],
  family_name: null,
  family_parts: [],
  date_of_birth: null,
  sex: null,
  postcode: null,
}

/**
 * The memo key of the person field a MemoSource names, or undefined when the field is absent or cannot be keyed. The
 * values a memo record holds are fieldValues of a person holding that field alone, so none may depend on another field
 * (the likely-typo test of token spec v2 §3.1 depends on the given name only; fast.test checks a name met with each sex).
 */
function memoKey(p: NormalisedPerson, source: MemoSource): string | undefined {
  if (source === 'given') return p.given_name ?? undefined
  const full = p.family_name
  if (full === null) return undefined
  if (p.family_parts.length === 0) return full
  // NUL never survives normalisation (letters only); a person built otherwise is simply not memoised.
  if (full.includes('\0') || p.family_parts.some((x) => x.includes('\0'))) return undefined
  return `${full}\0${p.family_parts.join('\0')}`
}

function sourcePerson(p: NormalisedPerson, source: MemoSource): NormalisedPerson {
  if (source === 'given') return { ...NOBODY, given_name: p.given_name }
  return { ...NOBODY, family_name: p.family_name, family_parts: p.family_parts }
}

const encoder = new TextEncoder()

/**
 * Writes u16be(len(UTF-8(s))) || UTF-8(s) into `buf` at `pos`, which has room for 2 + 3 × s.length bytes; returns the
 * position after it.
 */
function encodeValue(s: string, buf: Uint8Array, pos: number): number {
  const l = s.length
  let ascii = true
  for (let j = 0; j < l; j++) {
    const c = s.charCodeAt(j)
    if (c > 0x7f) {
      ascii = false
      break
    }
    buf[pos + 2 + j] = c
  }
  let n = l
  if (!ascii) n = encoder.encodeInto(s, buf.subarray(pos + 2)).written
  if (n > 0xffff) throw new RangeError('a key field is at most 65535 bytes')
  buf[pos] = n >>> 8
  buf[pos + 1] = n & 0xff
  return pos + 2 + n
}

/**
 * One name source's memo, laid out for the cache. A name's memo key maps to a record number; a record is a row of
 * `head` saying where in `bytes` each field derived from the name has its values (start, end, count) and where the
 * tokens of each kind made from that source alone are (start, end; -1 until first made). `bytes` holds the values as
 * they go into canonical bytes (u16be length, UTF-8), so a message takes a name's value by a copy, and a person's name
 * data is a few adjacent cache lines, not a tree of arrays and strings: as objects, the entries of ~10k names did not
 * stay in a core's cache, and waiting on them cost ~1.5 µs of a patient's non-MAC time (paired runs, the same patients
 * with 40 names against all their names).
 */
class NameMemo {
  readonly records = new Map<string, number>()
  bytes = new Uint8Array(1 << 16)
  view = new DataView(this.bytes.buffer)
  used = 0
  head: Int32Array
  private count = 0

  /** `stride`: head entries per record (3 per field, 2 per kind) */
  constructor(readonly stride: number) {
    this.head = new Int32Array(Math.max(1, stride) * 256)
  }

  clear(): void {
    this.records.clear()
    this.used = 0
    this.count = 0
  }

  /** A new record's number (not yet findable by key), its head row all -1. */
  add(): number {
    const stride = this.stride
    if ((this.count + 1) * stride > this.head.length) {
      const grown = new Int32Array(this.head.length * 2)
      grown.set(this.head.subarray(0, this.count * stride))
      this.head = grown
    }
    const r = this.count++
    this.head.fill(-1, r * stride, (r + 1) * stride)
    return r
  }

  /** Appends the encodings of `values` to `bytes`. */
  appendValues(values: readonly string[]): void {
    for (let i = 0; i < values.length; i++) {
      const s = values[i]!
      this.reserve(2 + 3 * s.length)
      this.used = encodeValue(s, this.bytes, this.used)
    }
  }

  /** Appends src[from, to) to `bytes`. */
  appendBytes(src: Uint8Array, from: number, to: number): void {
    this.reserve(to - from)
    const b = this.bytes
    let at = this.used
    for (let i = from; i < to; i++) b[at++] = src[i]!
    this.used = at
  }

  private reserve(n: number): void {
    if (this.used + n <= this.bytes.length) return
    const grown = new Uint8Array(Math.max(this.bytes.length * 2, this.used + n))
    grown.set(this.bytes.subarray(0, this.used))
    this.bytes = grown
    this.view = new DataView(grown.buffer)
  }
}

/** A tokeniser writing raw 16-byte tokens with kind codes: the import's path (no base64 strings, no allocation per token). */
export function createBinaryTokeniser(epochKey: Uint8Array, opts?: { kinds?: readonly MatchKeyKind[]; memoLimit?: number }): BinaryTokeniser {
  const kinds = opts?.kinds ?? CANDIDATE_TOKEN_KINDS
  for (const kind of kinds) if (!isMatchKeyKind(kind)) throw new RangeError('kinds contains an unknown key kind')
  const memoLimit = opts?.memoLimit ?? MEMO_LIMIT
  const keys = kinds.map((kind) => deriveKindKey(epochKey, keyMaterialKind(kind)))
  const engine = new PrekeyedMacs(keys)
  const fallback = selfCheck(engine) ? undefined : keys.map((k) => nodeMacInto(k))

  // Field codes: each key field used by these kinds gets a slot in the per-person value table.
  const fieldNames: KeyField[] = []
  const kindFields = kinds.map((kind) =>
    KEY_FIELDS[kind].map((f) => {
      let code = fieldNames.indexOf(f)
      if (code < 0) code = fieldNames.push(f) - 1
      return code
    }),
  )
  for (const fs of kindFields) if (fs.length > 255) throw new RangeError('a key has at most 255 fields')
  const fieldCount = fieldNames.length
  // One memo per source: a name maps to the values of every field derived from it (made when the name is first met);
  // a person costs one lookup per source.
  const sourceOf = fieldNames.map((f) => MEMO_SOURCE[f])
  // A kind made of fields of one source only (given_freq, family_freq: one name each, and names recur) keeps its tokens
  // in that source's memo: a population pays its HMACs once per distinct name, not once per person.
  const kindSource = kindFields.map((fs) => {
    const first = sourceOf[fs[0]!]
    return fs.length > 0 && fs.every((c) => sourceOf[c] === first) ? first : undefined
  })
  // Each source's memoised fields and kinds, and their columns in its memo's head rows.
  const memoFields = MEMO_SOURCES.map((_, si) => fieldNames.map((_, code) => code).filter((code) => sourceOf[code] === si))
  const memoKinds = MEMO_SOURCES.map((_, si) => kinds.map((_, k) => k).filter((k) => kindSource[k] === si))
  const fieldCol = new Int32Array(fieldCount).fill(-1)
  const kindCol = new Int32Array(kinds.length).fill(-1)
  memoFields.forEach((codes) => codes.forEach((code, i) => (fieldCol[code] = 3 * i)))
  memoKinds.forEach((ks, si) => ks.forEach((k, i) => (kindCol[k] = 3 * memoFields[si]!.length + 2 * i)))
  const memos = MEMO_SOURCES.map((_, si) => new NameMemo(3 * memoFields[si]!.length + 2 * memoKinds[si]!.length))

  // Per person, made as the person starts: each source's memo record (-1 when the person's field cannot be keyed), and
  // each field's values, encoded, at [fStart, fEnd) of fView[code]: a memo's bytes (fTag the source's index), or the
  // person's own (`own`, for the fields not memoised; fTag OWN).
  const rec = new Int32Array(MEMO_SOURCES.length)
  /** the person's own field values (not from a memo), encoded as in a memo, from 0 to ownUsed */
  let own = new Uint8Array(256)
  let ownView = new DataView(own.buffer)
  let ownUsed = 0
  const fView: DataView[] = fieldNames.map(() => new DataView(new ArrayBuffer(0)))
  const fTag = new Int32Array(fieldCount)
  const fStart = new Int32Array(fieldCount)
  const fEnd = new Int32Array(fieldCount)
  const fCount = new Int32Array(fieldCount)

  // The kind being tokenised, per field: the bytes its values are in and their tag, where the current value starts,
  // and where the values start and end.
  const maxFields = Math.max(1, ...kindFields.map((fs) => fs.length))
  const curView: DataView[] = new Array<DataView>(maxFields).fill(new DataView(new ArrayBuffer(0)))
  const curTag = new Int32Array(maxFields)
  const at = new Int32Array(maxFields)
  const first = new Int32Array(maxFields)
  const limit = new Int32Array(maxFields)
  // What the message buffer holds from byte 1: field slot j holds a value at [slotAt[j], slotEnd[j]) for every
  // j < validSlots (the previous message's field count: its padding overwrote what lay past it; 0 at each person and
  // whenever a memo starts again): the value slotId[j], its offset × 4 + its tag (a memo's bytes keep their offsets
  // as they grow; the person's own are the person's). A message whose field j is the same value at the same place is
  // not written again: the kinds sharing given, family, DOB and sex, and a kind's combinations, write each value once.
  const slotId = new Float64Array(maxFields)
  const slotAt = new Int32Array(maxFields)
  const slotEnd = new Int32Array(maxFields)
  let validSlots = 0

  /** The person's record in source si's memo (made, with all the source's fields, when the name is first met), or -1. */
  const recordOf = (p: NormalisedPerson, si: number): number => {
    const source = MEMO_SOURCES[si]!
    const key = memoKey(p, source)
    let r = -1
    if (key !== undefined) {
      const memo = memos[si]!
      const found = memo.records.get(key)
      if (found !== undefined) r = found
      else {
        if (memo.records.size >= memoLimit) {
          memo.clear()
          validSlots = 0
        }
        r = memo.add()
        const sp = sourcePerson(p, source)
        for (const code of memoFields[si]!) {
          const v = fieldValues(sp, fieldNames[code]!)
          const h = r * memo.stride + fieldCol[code]!
          memo.head[h] = memo.used
          memo.appendValues(v)
          memo.head[h + 1] = memo.used
          memo.head[h + 2] = v.length
        }
        memo.records.set(key, r)
      }
    }
    return r
  }

  /** Makes field `code`'s values for the person ready in fView, fTag, fStart, fEnd, fCount. */
  const prepare = (p: NormalisedPerson, code: number): void => {
    const si = sourceOf[code]
    const r = si === undefined ? -1 : rec[si]!
    if (r < 0) {
      // Not from a memo: encoded once into the person's own bytes, then copied into each message like a memo's value.
      const v = fieldValues(p, fieldNames[code]!)
      let room = ownUsed
      for (let i = 0; i < v.length; i++) room += 2 + 3 * v[i]!.length
      if (room > own.length) {
        const grown = new Uint8Array(Math.max(own.length * 2, room))
        grown.set(own.subarray(0, ownUsed))
        own = grown
        ownView = new DataView(grown.buffer)
      }
      fView[code] = ownView
      fTag[code] = OWN
      fStart[code] = ownUsed
      for (let i = 0; i < v.length; i++) ownUsed = encodeValue(v[i]!, own, ownUsed)
      fEnd[code] = ownUsed
      fCount[code] = v.length
      return
    }
    const memo = memos[si!]!
    const h = r * memo.stride + fieldCol[code]!
    fView[code] = memo.view
    fTag[code] = si!
    fStart[code] = memo.head[h]!
    fEnd[code] = memo.head[h + 1]!
    fCount[code] = memo.head[h + 2]!
  }

  /** Copies the encoded value at `off` of `src` into the message at `pos`, a word at a time; returns the end. */
  const copyValue = (src: DataView, off: number, pos: number): number => {
    const n = 2 + src.getUint16(off)
    engine.reserve(pos + n)
    const dst = engine.view
    let i = 0
    for (; i + 4 <= n; i += 4) dst.setUint32(pos + i, src.getUint32(off + i))
    for (; i < n; i++) dst.setUint8(pos + i, src.getUint8(off + i))
    return pos + n
  }

  /**
   * Appends kind k's tokens: every combination of its fields' values (each field has at least one), the first field
   * varying slowest (keyCombinations' order), each distinct token once.
   */
  const tokeniseKind = (k: number, fs: readonly number[], total: number, cols: TokenColumns): void => {
    const m = fs.length
    const kindStart = cols.reserve(total)
    for (let j = 0; j < m; j++) {
      const code = fs[j]!
      curView[j] = fView[code]!
      curTag[j] = fTag[code]!
      first[j] = at[j] = fStart[code]!
      limit[j] = fEnd[code]!
    }
    for (let made = 1; ; made++) {
      engine.msg[0] = m
      let pos = 1
      for (let j = 0; j < m; j++) {
        const a = at[j]!
        const id = a * 4 + curTag[j]!
        if (j < validSlots && slotAt[j] === pos && slotId[j] === id) {
          pos = slotEnd[j]!
          continue
        }
        slotId[j] = id
        slotAt[j] = pos
        pos = copyValue(curView[j]!, a, pos)
        slotEnd[j] = pos
      }
      validSlots = m
      const t = cols.length
      if (fallback) fallback[k]!(engine.msg.subarray(0, pos), cols.tokens, t * TOKEN_BYTES, TOKEN_BYTES)
      else engine.mac(k, pos, cols.tokens, t * TOKEN_BYTES, TOKEN_BYTES)
      if (!seenBefore(cols.tokens, kindStart, t)) {
        cols.kinds[t] = k
        cols.length++
      }
      if (made === total) break
      // Next combination: the last field steps to its next value, or back to its first, carrying to the one before.
      let j = m - 1
      for (; j >= 0; j--) {
        const a = at[j]!
        const next = a + 2 + curView[j]!.getUint16(a)
        if (next < limit[j]!) {
          at[j] = next
          break
        }
        at[j] = first[j]!
      }
    }
  }

  return {
    kinds,
    tokenise(p, cols) {
      validSlots = 0
      ownUsed = 0
      // The person's records and every field's values first (all but a rare field are used by some kind): one pass,
      // nothing checked per kind.
      for (let si = 0; si < rec.length; si++) rec[si] = recordOf(p, si)
      for (let code = 0; code < fieldCount; code++) prepare(p, code)
      const start = cols.length
      for (let k = 0; k < kinds.length; k++) {
        const si = kindSource[k]
        const r = si === undefined ? -1 : rec[si]!
        if (r >= 0) {
          // Tokens of a kind made from this name alone, when made before.
          const memo = memos[si!]!
          const h = r * memo.stride + kindCol[k]!
          const from = memo.head[h]!
          if (from >= 0) {
            const to = memo.head[h + 1]!
            const n = (to - from) / TOKEN_BYTES
            const t = cols.reserve(n)
            const tokens = cols.tokens
            const b = memo.bytes
            for (let i = 0, o = t * TOKEN_BYTES; i < to - from; i++) tokens[o + i] = b[from + i]!
            for (let i = 0; i < n; i++) cols.kinds[t + i] = k
            cols.length += n
            continue
          }
        }
        const fs = kindFields[k]!
        let total = 1
        for (let j = 0; j < fs.length && total > 0; j++) total *= fCount[fs[j]!]!
        const from = cols.length
        if (total > 0) tokeniseKind(k, fs, total, cols)
        if (r >= 0) {
          const memo = memos[si!]!
          const h = r * memo.stride + kindCol[k]!
          memo.head[h] = memo.used
          memo.appendBytes(cols.tokens, from * TOKEN_BYTES, cols.length * TOKEN_BYTES)
          memo.head[h + 1] = memo.used
        }
      }
      return cols.length - start
    },
  }
}

function seenBefore(tokens: Uint8Array, from: number, at: number): boolean {
  const a = at * TOKEN_BYTES
  outer: for (let j = from; j < at; j++) {
    const b = j * TOKEN_BYTES
    for (let i = 0; i < TOKEN_BYTES; i++) if (tokens[a + i] !== tokens[b + i]) continue outer
    return true
  }
  return false
}

/** The fast path with createTokeniser's interface: same TokenSet (base64url strings) for the same person and key. */
export function createFastTokeniser(epochKey: Uint8Array, opts?: { kinds?: readonly MatchKeyKind[] }): Tokeniser {
  const bin = createBinaryTokeniser(epochKey, opts)
  const cols = new TokenColumns(64)
  return {
    tokens(person) {
      cols.length = 0
      bin.tokenise(person, cols)
      const out: TokenSet = {}
      for (let i = 0; i < cols.length; i++) {
        const kind = bin.kinds[cols.kinds[i]!]!
        const t = Buffer.from(cols.tokens.buffer, cols.tokens.byteOffset + i * TOKEN_BYTES, TOKEN_BYTES).toString('base64url')
        ;(out[kind] ??= []).push(t)
      }
      return out
    },
  }
}
