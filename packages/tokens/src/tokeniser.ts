// Match tokens: HMAC-SHA256(k_kind, canonical_bytes(fields)) truncated to 16 bytes, base64url without padding.
import { createHmac, createSecretKey, type KeyObject } from 'node:crypto'
import { hmac } from '@noble/hashes/hmac.js'
import { sha256 } from '@noble/hashes/sha2.js'
import { canonicalBytes } from './canonical.js'
import { deriveKindKey } from './keys.js'
import { CANDIDATE_TOKEN_KINDS, PersonFields, isMatchKeyKind, keyCombinations, keyMaterialKind, type MatchKeyKind } from './match-keys.js'
import type { NormalisedPerson } from './person.js'

export const TOKEN_BYTES = 16

/** Tokens per key kind; a kind is missing when the person lacks one of its fields. */
export type TokenSet = Partial<Record<MatchKeyKind, string[]>>

export interface Tokeniser {
  tokens(person: NormalisedPerson): TokenSet
}

type TokenFn = (bytes: Uint8Array) => string

function base64url(b: Uint8Array): string {
  return Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString('base64url')
}

function nodeTokenFn(kindKey: Uint8Array): TokenFn {
  // A KeyObject made once per kind; createHmac with it avoids re-importing the raw key for every token.
  const key: KeyObject = createSecretKey(kindKey)
  return (bytes) => createHmac('sha256', key).update(bytes).digest().subarray(0, TOKEN_BYTES).toString('base64url')
}

function nobleTokenFn(kindKey: Uint8Array): TokenFn {
  const key = Uint8Array.from(kindKey)
  return (bytes) => base64url(hmac(sha256, key, bytes).subarray(0, TOKEN_BYTES))
}

/**
 * A tokeniser for one epoch key. `kinds` defaults to the match keys (what the council sends); the side-car uses
 * INDEX_TOKEN_KINDS for its index. `impl: 'node'` (default) uses node:crypto, `'noble'` the reference @noble/hashes.
 */
export function createTokeniser(
  epochKey: Uint8Array,
  opts?: { kinds?: readonly MatchKeyKind[]; impl?: 'node' | 'noble' },
): Tokeniser {
  const kinds = opts?.kinds ?? CANDIDATE_TOKEN_KINDS
  const impl = opts?.impl ?? 'node'
  const fns = new Map<MatchKeyKind, TokenFn>()
  for (const kind of kinds) {
    if (!isMatchKeyKind(kind)) throw new RangeError('kinds contains an unknown key kind')
    const k = deriveKindKey(epochKey, keyMaterialKind(kind))
    fns.set(kind, impl === 'node' ? nodeTokenFn(k) : nobleTokenFn(k))
  }
  return {
    tokens(person: NormalisedPerson): TokenSet {
      const out: TokenSet = {}
      const fields = new PersonFields(person)
      for (const [kind, fn] of fns) {
        const combos = keyCombinations(fields, kind)
        if (combos.length === 0) continue
        const tokens = new Set<string>()
        for (const c of combos) tokens.add(fn(canonicalBytes(c)))
        out[kind] = [...tokens]
      }
      return out
    },
  }
}
