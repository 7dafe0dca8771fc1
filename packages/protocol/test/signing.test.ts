import { describe, expect, it } from 'vitest'
import fc from 'fast-check'
import { ed25519 } from '@noble/curves/ed25519.js'
import { ed25519Sign, ed25519Verify, generateSigningKeyPair, signRequest, verifyRequest, SIGNATURE_HEADERS } from '../src/index.js'

describe('Ed25519 through node:crypto', () => {
  it('signs exactly as the noble reference and verifies noble signatures (RFC 8032 test 1 and random keys)', () => {
    // RFC 8032 §7.1 TEST 1: empty message.
    const seed = Buffer.from('9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60', 'hex')
    const sig = ed25519Sign(new Uint8Array(), seed)
    expect(Buffer.from(sig).toString('hex')).toBe('e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e065224901555fb8821590a33bacc61e39701cf9b46bd25bf5f0595bbe24655141438e7a100b')
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 32, maxLength: 32 }), fc.uint8Array({ maxLength: 200 }), (key, msg) => {
        const s = ed25519Sign(msg, key)
        expect(Buffer.from(s)).toEqual(Buffer.from(ed25519.sign(msg, key)))
        expect(ed25519Verify(s, msg, ed25519.getPublicKey(key))).toBe(true)
        const bad = new Uint8Array(s)
        bad[0] = bad[0]! ^ 1
        expect(ed25519Verify(bad, msg, ed25519.getPublicKey(key))).toBe(false)
      }),
      { numRuns: 50 },
    )
  })

  it('answers false, not a throw, for malformed keys and signatures', () => {
    expect(ed25519Verify(new Uint8Array(10), new Uint8Array(), new Uint8Array(32))).toBe(false)
    expect(ed25519Verify(new Uint8Array(64), new Uint8Array(), new Uint8Array(31))).toBe(false)
  })
})

describe('signed requests', () => {
  const keys = generateSigningKeyPair()
  const body = new TextEncoder().encode('{"a":1}')
  const lookup = (p: string) => (p === 'council' ? keys.publicKey : undefined)

  it('verifies a request signed over method, path and body', () => {
    const h = signRequest({ party: 'council', privateKey: keys.privateKey }, 'POST', '/v1/exchanges', body)
    expect(verifyRequest(h, 'POST', '/v1/exchanges', body, lookup).party).toBe('council')
  })

  it('refuses the same signature on another path, method or body', () => {
    const h = signRequest({ party: 'council', privateKey: keys.privateKey }, 'POST', '/v1/exchanges', body)
    expect(() => verifyRequest(h, 'POST', '/v1/entries', body, lookup)).toThrow(/does not verify/)
    expect(() => verifyRequest(h, 'PUT', '/v1/exchanges', body, lookup)).toThrow(/does not verify/)
    expect(() => verifyRequest(h, 'POST', '/v1/exchanges', new TextEncoder().encode('{"a":2}'), lookup)).toThrow(/does not verify/)
  })

  it('refuses a stale timestamp and an unknown party', () => {
    const old = signRequest({ party: 'council', privateKey: keys.privateKey }, 'POST', '/x', body, new Date(Date.now() - 10 * 60_000))
    expect(() => verifyRequest(old, 'POST', '/x', body, lookup)).toThrow(/5-minute window/)
    const stranger = signRequest({ party: 'stranger', privateKey: keys.privateKey }, 'POST', '/x', body)
    expect(() => verifyRequest(stranger, 'POST', '/x', body, lookup)).toThrow(/not registered/)
    const { [SIGNATURE_HEADERS.signature]: _, ...unsigned } = signRequest({ party: 'council', privateKey: keys.privateKey }, 'POST', '/x', body)
    expect(() => verifyRequest(unsigned, 'POST', '/x', body, lookup)).toThrow(/only accepts signed requests/)
  })
})
