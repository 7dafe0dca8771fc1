import { readFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import {
  ALL_TOKEN_KINDS,
  isKnownGivenName,
  isLikelyTypo,
  agreementPublicKey,
  canonicalBytes,
  createTokeniser,
  deriveEpochKey,
  deriveKindKey,
  keyCheckValue,
  keyCombinations,
  keyMaterialKind,
  normalisePerson,
  type MatchKeyKind,
  type NormalisedPerson,
  type RawPerson,
  type TokenSet,
} from '../src/index.js'

interface VectorFile {
  today: string
  keys: {
    council_private: string
    council_public: string
    trust_private: string
    trust_public: string
    isa_id: string
    epoch: number
    epoch_key: string
    kcv: string
    kind_keys: Record<MatchKeyKind, string>
  }
  cases: {
    name: string
    input: RawPerson
    normalised: NormalisedPerson
    given_known: boolean
    given_typo: boolean
    issues: { field: string; severity: string; code: string }[]
    canonical_bytes: Partial<Record<MatchKeyKind, string[]>> | null
    tokens: TokenSet | null
  }[]
}

const vectors = JSON.parse(readFileSync(new URL('./vectors/tokens-v2.json', import.meta.url), 'utf8')) as VectorFile
const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex')
const bytes = (h: string): Uint8Array => new Uint8Array(Buffer.from(h, 'hex'))
const k = vectors.keys
const today = new Date(`${vectors.today}T12:00:00Z`)

describe('test vectors: keys', () => {
  it('holds at least 40 cases', () => {
    expect(vectors.cases.length).toBeGreaterThanOrEqual(40)
  })
  it('derives the public keys from the fixed private keys', () => {
    expect(hex(agreementPublicKey(bytes(k.council_private)))).toBe(k.council_public)
    expect(hex(agreementPublicKey(bytes(k.trust_private)))).toBe(k.trust_public)
  })
  it('derives the vector epoch key and key check value from either side', () => {
    const common = { isaId: k.isa_id, epoch: k.epoch, councilPublicKey: bytes(k.council_public), trustPublicKey: bytes(k.trust_public) }
    const fromCouncil = deriveEpochKey({ ...common, ownPrivateKey: bytes(k.council_private), peerPublicKey: bytes(k.trust_public) })
    const fromTrust = deriveEpochKey({ ...common, ownPrivateKey: bytes(k.trust_private), peerPublicKey: bytes(k.council_public) })
    expect(hex(fromCouncil)).toBe(k.epoch_key)
    expect(hex(fromTrust)).toBe(k.epoch_key)
    expect(keyCheckValue(fromCouncil)).toBe(k.kcv)
  })
  it('derives every vector sub-key', () => {
    for (const [kind, h] of Object.entries(k.kind_keys) as [MatchKeyKind, string][]) {
      expect(hex(deriveKindKey(bytes(k.epoch_key), keyMaterialKind(kind)))).toBe(h)
    }
  })
})

describe('test vectors: cases', () => {
  const node = createTokeniser(bytes(k.epoch_key), { kinds: ALL_TOKEN_KINDS, impl: 'node' })
  const noble = createTokeniser(bytes(k.epoch_key), { kinds: ALL_TOKEN_KINDS, impl: 'noble' })
  for (const vc of vectors.cases) {
    it(`normalises and tokenises: ${vc.name}`, () => {
      const { person, issues } = normalisePerson(vc.input, { today })
      expect(person).toEqual(vc.normalised)
      expect(person.given_name !== null && isKnownGivenName(person.given_name)).toBe(vc.given_known)
      expect(person.given_name !== null && isLikelyTypo(person.given_name)).toBe(vc.given_typo)
      expect(issues.map(({ field, severity, code }) => ({ field, severity, code }))).toEqual(vc.issues)
      if (vc.tokens === null || vc.canonical_bytes === null) {
        expect(issues.some((i) => i.severity === 'error')).toBe(true)
        return
      }
      for (const kind of ALL_TOKEN_KINDS) {
        const combos = keyCombinations(person, kind).map((c) => hex(canonicalBytes(c)))
        expect(combos, kind).toEqual(vc.canonical_bytes[kind] ?? [])
      }
      expect(node.tokens(person)).toEqual(vc.tokens)
      expect(noble.tokens(person)).toEqual(vc.tokens)
    })
  }
})
