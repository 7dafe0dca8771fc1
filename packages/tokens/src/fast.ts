/**
 * The fast token path for bulk tokenising (the side-car's index import). Same tokens as createTokeniser, bit for bit:
 * HMAC-SHA256(k_kind, canonical_bytes) truncated to 16 bytes. What makes it fast is per-call overhead, not SHA-256:
 * the HMAC key's inner and outer pad blocks are compressed once per kind, so a token is the compression of its
 * message block(s) from the inner state plus one compression from the outer state, run by @noble/hashes' own SHA-256
 * engine with no allocation per token. Measured against node:crypto createHmac and the plain noble `hmac` in
 * bench/tokens.ts; the reference (`createTokeniser(..., { impl: 'noble' })`) is what the vectors check, and
 * test/fast.test.ts checks this path equals it on the vectors and on random people.
 */
import { createHmac } from 'node:crypto'
import { hmac } from '@noble/hashes/hmac.js'
import { _SHA256, sha256 } from '@noble/hashes/sha2.js'
import { canonicalBytes } from './canonical.js'
import { deriveKindKey } from './keys.js'
import { CANDIDATE_TOKEN_KINDS, PersonFields, isMatchKeyKind, keyCombinations, keyMaterialKind, type MatchKeyKind } from './match-keys.js'
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
 * HMAC-SHA256 with the key's pad blocks compressed once: each call costs ceil((len + 9) / 64) + 1 compressions and
 * no allocation (messages up to 55 bytes, i.e. nearly every token, take two). Keys longer than 64 bytes are hashed
 * first, as RFC 2104 says. Not re-entrant across threads (each worker makes its own).
 */
export function prekeyedHmacSha256(key: Uint8Array): MacInto {
  const k = key.length > BLOCK ? sha256(key) : key
  const inner = padState(k, 0x36)
  const outer = padState(k, 0x5c)
  const engine = new _SHA256() as unknown as Sha256Engine
  let buf = new Uint8Array(2 * BLOCK)
  let view = new DataView(buf.buffer)
  const ob = new Uint8Array(BLOCK)
  const ov = new DataView(ob.buffer)
  ob[32] = 0x80
  ov.setUint32(60, (BLOCK + 32) * 8)
  const res = new Uint8Array(32)
  const rv = new DataView(res.buffer)
  const mac: MacInto = (msg, out, offset, outLen) => {
    const len = msg.length
    const blocks = Math.ceil((len + 9) / BLOCK)
    if (blocks * BLOCK > buf.length) {
      buf = new Uint8Array(blocks * BLOCK)
      view = new DataView(buf.buffer)
    }
    buf.set(msg)
    buf.fill(0, len, blocks * BLOCK)
    buf[len] = 0x80
    // Message length in bits, inner pad block included; messages here are far below 2^29 bytes.
    view.setUint32(blocks * BLOCK - 4, (BLOCK + len) * 8)
    const e = engine
    e.A = inner[0]!; e.B = inner[1]!; e.C = inner[2]!; e.D = inner[3]!; e.E = inner[4]!; e.F = inner[5]!; e.G = inner[6]!; e.H = inner[7]! // prettier-ignore
    for (let b = 0; b < blocks; b++) e.process(view, b * BLOCK)
    ov.setInt32(0, e.A); ov.setInt32(4, e.B); ov.setInt32(8, e.C); ov.setInt32(12, e.D); ov.setInt32(16, e.E); ov.setInt32(20, e.F); ov.setInt32(24, e.G); ov.setInt32(28, e.H) // prettier-ignore
    e.A = outer[0]!; e.B = outer[1]!; e.C = outer[2]!; e.D = outer[3]!; e.E = outer[4]!; e.F = outer[5]!; e.G = outer[6]!; e.H = outer[7]! // prettier-ignore
    e.process(ov, 0)
    rv.setInt32(0, e.A); rv.setInt32(4, e.B); rv.setInt32(8, e.C); rv.setInt32(12, e.D); rv.setInt32(16, e.E); rv.setInt32(20, e.F); rv.setInt32(24, e.G); rv.setInt32(28, e.H) // prettier-ignore
    out.set(outLen === 32 ? res : res.subarray(0, outLen), offset)
  }
  // The engine's field names are internal to @noble/hashes; if an upgrade changes them this check fails and the
  // node:crypto path is used instead, so a token is never wrong, only slower.
  return selfCheck(k, mac) ? mac : nodeMacInto(k)
}

function selfCheck(key: Uint8Array, mac: MacInto): boolean {
  const out = new Uint8Array(32)
  for (const len of [0, 1, 40, 55, 56, 64, 119, 200]) {
    const msg = new Uint8Array(len).map((_, i) => (i * 31 + len) & 0xff)
    mac(msg, out, 0, 32)
    const ref = hmac(sha256, key, msg)
    for (let i = 0; i < 32; i++) if (out[i] !== ref[i]) return false
  }
  return true
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

/** A tokeniser writing raw 16-byte tokens with kind codes: the import's path (no base64 strings, no allocation per token). */
export function createBinaryTokeniser(epochKey: Uint8Array, opts?: { kinds?: readonly MatchKeyKind[] }): BinaryTokeniser {
  const kinds = opts?.kinds ?? CANDIDATE_TOKEN_KINDS
  const macs = kinds.map((kind) => {
    if (!isMatchKeyKind(kind)) throw new RangeError('kinds contains an unknown key kind')
    return prekeyedHmacSha256(deriveKindKey(epochKey, keyMaterialKind(kind)))
  })
  return {
    kinds,
    tokenise(person, cols) {
      const fields = new PersonFields(person)
      const start = cols.length
      for (let k = 0; k < kinds.length; k++) {
        const combos = keyCombinations(fields, kinds[k]!)
        if (combos.length === 0) continue
        const kindStart = cols.reserve(combos.length)
        for (const c of combos) {
          const at = cols.length
          macs[k]!(canonicalBytes(c), cols.tokens, at * TOKEN_BYTES, TOKEN_BYTES)
          if (!seenBefore(cols.tokens, kindStart, at)) {
            cols.kinds[at] = k
            cols.length++
          }
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
