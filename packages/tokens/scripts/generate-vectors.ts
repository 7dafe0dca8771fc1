// Writes test/vectors/tokens-v2.json: fixed X25519 keys (RFC 7748 §6.1), derived keys, and per-case normalisation,
// canonical bytes and tokens. Run once with `npx tsx packages/tokens/scripts/generate-vectors.ts`; review the diff.
// The hand-written expectations in vector-cases.ts are checked first: the script refuses to write if the code disagrees.
import { writeFileSync } from 'node:fs'
import { isDeepStrictEqual } from 'node:util'
import { x25519 } from '@noble/curves/ed25519.js'
import { bytesToHex, hexToBytes } from '@noble/hashes/utils.js'
import {
  ALL_TOKEN_KINDS,
  isKnownGivenName,
  isLikelyTypo,
  canonicalBytes,
  createTokeniser,
  deriveEpochKey,
  deriveKindKey,
  keyCheckValue,
  keyCombinations,
  keyMaterialKind,
  normalisePerson,
} from '../src/index.js'
import { CASES, TODAY } from './vector-cases.js'

// RFC 7748 §6.1 Alice (council) and Bob (trust) private keys; their public keys and shared secret are in the RFC.
const COUNCIL_PRIVATE = '77076d0a7318a57d3c16c17251b26645df4c2f87ebc0992ab177fba51db92c2a'
const TRUST_PRIVATE = '5dab087e624a8a4b79e17f8b83800ee66f3bb1292618b6fd1c2f8b27ff88e0eb'
const ISA_ID = 'ISA-BRFC-SSSFT-2026-001'
const EPOCH = 1

const councilPriv = hexToBytes(COUNCIL_PRIVATE)
const trustPriv = hexToBytes(TRUST_PRIVATE)
const councilPub = x25519.getPublicKey(councilPriv)
const trustPub = x25519.getPublicKey(trustPriv)
const epochKey = deriveEpochKey({ ownPrivateKey: councilPriv, peerPublicKey: trustPub, isaId: ISA_ID, epoch: EPOCH, councilPublicKey: councilPub, trustPublicKey: trustPub })
const today = new Date(`${TODAY}T12:00:00Z`)
const tokeniser = createTokeniser(epochKey, { kinds: ALL_TOKEN_KINDS, impl: 'noble' })

const failures: string[] = []
const cases = CASES.map((vc) => {
  const { person, issues } = normalisePerson(vc.input, { today })
  const gotIssues = issues.map((i) => [i.field, i.severity, i.code])
  if (!isDeepStrictEqual(person, vc.normalised)) failures.push(`${vc.name}: normalised ${JSON.stringify(person)}`)
  if (!isDeepStrictEqual(gotIssues, vc.issues)) failures.push(`${vc.name}: issues ${JSON.stringify(gotIssues)}`)
  const valid = !issues.some((i) => i.severity === 'error')
  const canonical: Record<string, string[]> = {}
  for (const kind of ALL_TOKEN_KINDS) {
    const combos = keyCombinations(person, kind)
    if (valid && combos.length > 0) canonical[kind] = combos.map((c) => bytesToHex(canonicalBytes(c)))
  }
  return {
    name: vc.name,
    input: vc.input,
    normalised: vc.normalised,
    // whether the given name is a known name (data files named in docs/token-spec.md): only an unknown one gets typo tokens
    given_known: person.given_name !== null && isKnownGivenName(person.given_name),
    // whether the council sends typo tokens for it (§3.1, v2): not known, and one edit from at most one common name
    given_typo: person.given_name !== null && isLikelyTypo(person.given_name),
    issues: vc.issues.map(([field, severity, code]) => ({ field, severity, code })),
    // A row with an error is excluded before tokenising; its tokens are not part of the vectors.
    canonical_bytes: valid ? canonical : null,
    tokens: valid ? tokeniser.tokens(person) : null,
  }
})
if (failures.length > 0) {
  console.error(`code disagrees with ${failures.length} hand-written expectation(s):\n${failures.join('\n')}`)
  process.exitCode = 1
} else {
  const kindKeys = Object.fromEntries(ALL_TOKEN_KINDS.map((k) => [k, bytesToHex(deriveKindKey(epochKey, keyMaterialKind(k)))]))
  const out = {
    description: 'healthflag match-token test vectors v2: see docs/token-spec.md. Keys are RFC 7748 §6.1 Alice (council) and Bob (trust).',
    today: TODAY,
    keys: {
      council_private: COUNCIL_PRIVATE,
      council_public: bytesToHex(councilPub),
      trust_private: TRUST_PRIVATE,
      trust_public: bytesToHex(trustPub),
      shared_secret: bytesToHex(x25519.getSharedSecret(councilPriv, trustPub)),
      isa_id: ISA_ID,
      epoch: EPOCH,
      epoch_key: bytesToHex(epochKey),
      kcv: keyCheckValue(epochKey),
      kind_keys: kindKeys,
    },
    cases,
  }
  writeFileSync(new URL('../test/vectors/tokens-v2.json', import.meta.url), JSON.stringify(out, null, 2) + '\n')
  console.log(`wrote ${cases.length} cases`)
}
