import { describe, expect, it } from 'vitest'
import {
  createTokeniser,
  deriveEpochKey,
  deriveKindKey,
  generateAgreementKeyPair,
  keyCheckValue,
  normalisePerson,
} from '../src/index.js'

function parties() {
  const council = generateAgreementKeyPair()
  const trust = generateAgreementKeyPair()
  const common = { isaId: 'ISA-BRFC-SSSFT-001', epoch: 3, councilPublicKey: council.publicKey, trustPublicKey: trust.publicKey }
  return { council, trust, common }
}

describe('key derivation', () => {
  it('gives the council and the side-car the same epoch key from their own private keys', () => {
    const { council, trust, common } = parties()
    const kc = deriveEpochKey({ ...common, ownPrivateKey: council.privateKey, peerPublicKey: trust.publicKey })
    const kt = deriveEpochKey({ ...common, ownPrivateKey: trust.privateKey, peerPublicKey: council.publicKey })
    expect(kc).toHaveLength(32)
    expect(Buffer.from(kc).equals(Buffer.from(kt))).toBe(true)
    expect(keyCheckValue(kc)).toMatch(/^[0-9a-f]{16}$/)
    expect(keyCheckValue(kc)).toBe(keyCheckValue(kt))
  })

  it('gives both parties identical tokens for the same person', () => {
    const { council, trust, common } = parties()
    const kc = deriveEpochKey({ ...common, ownPrivateKey: council.privateKey, peerPublicKey: trust.publicKey })
    const kt = deriveEpochKey({ ...common, ownPrivateKey: trust.privateKey, peerPublicKey: council.publicKey })
    const { person } = normalisePerson({ given_name: 'Zoë', family_name: 'Smith-Jones', date_of_birth: '01/02/2003', sex: 'F', postcode: 'ST4 7AB' })
    expect(createTokeniser(kc).tokens(person)).toEqual(createTokeniser(kt).tokens(person))
  })

  it('changes the epoch key when the epoch, the ISA id or a public key changes', () => {
    const { council, trust, common } = parties()
    const base = { ...common, ownPrivateKey: council.privateKey, peerPublicKey: trust.publicKey }
    const k = Buffer.from(deriveEpochKey(base)).toString('hex')
    expect(Buffer.from(deriveEpochKey({ ...base, epoch: 4 })).toString('hex')).not.toBe(k)
    expect(Buffer.from(deriveEpochKey({ ...base, isaId: 'ISA-BRFC-SSSFT-002' })).toString('hex')).not.toBe(k)
    const other = generateAgreementKeyPair()
    expect(Buffer.from(deriveEpochKey({ ...base, councilPublicKey: other.publicKey })).toString('hex')).not.toBe(k)
  })

  it('refuses a low-order peer public key that would give an all-zero shared secret', () => {
    const { council, common } = parties()
    const zeroPoint = new Uint8Array(32) // u = 0 is a low-order point on curve25519
    expect(() => deriveEpochKey({ ...common, ownPrivateKey: council.privateKey, peerPublicKey: zeroPoint })).toThrow(/all-zero/)
  })

  it('derives a different sub-key for each key kind', () => {
    const k = new Uint8Array(32).fill(7)
    expect(Buffer.from(deriveKindKey(k, 'nhs')).equals(Buffer.from(deriveKindKey(k, 'name_dob_sex')))).toBe(false)
  })
})
