// Key agreement and derivation for match tokens (docs/token-spec.md §4).
import { x25519 } from '@noble/curves/ed25519.js'
import { expand, hkdf } from '@noble/hashes/hkdf.js'
import { hmac } from '@noble/hashes/hmac.js'
import { sha256 } from '@noble/hashes/sha2.js'
import { bytesToHex, concatBytes, utf8ToBytes } from '@noble/hashes/utils.js'

export const TOKENS_INFO_LABEL = 'healthflag/v2/tokens'
export const KCV_LABEL = 'healthflag/v2/kcv'

/** A fresh X25519 key pair (32-byte private key, 32-byte public key). */
export function generateAgreementKeyPair(): { privateKey: Uint8Array; publicKey: Uint8Array } {
  const { secretKey, publicKey } = x25519.keygen()
  return { privateKey: secretKey, publicKey }
}

/** The X25519 public key of a 32-byte private key. */
export function agreementPublicKey(privateKey: Uint8Array): Uint8Array {
  return x25519.getPublicKey(privateKey)
}

function u32be(n: number): Uint8Array {
  if (!Number.isInteger(n) || n < 0 || n > 0xffffffff) throw new RangeError('epoch must be an integer in [0, 2^32)')
  const b = new Uint8Array(4)
  new DataView(b.buffer).setUint32(0, n, false)
  return b
}

function requireLength(name: string, b: Uint8Array, len: number): void {
  if (!(b instanceof Uint8Array) || b.length !== len) throw new RangeError(`${name} must be ${len} bytes`)
}

/**
 * k_epoch = HKDF-SHA256(ikm = X25519(own_priv, peer_pub), salt = UTF-8(isa_id),
 *                      info = "healthflag/v2/tokens" || u32be(epoch) || council_pub || trust_pub, L = 32).
 * Both parties get the same 32 bytes from their own private key; an all-zero shared secret (low-order peer key)
 * is refused.
 */
export function deriveEpochKey(p: {
  ownPrivateKey: Uint8Array
  peerPublicKey: Uint8Array
  isaId: string
  epoch: number
  councilPublicKey: Uint8Array
  trustPublicKey: Uint8Array
}): Uint8Array {
  requireLength('ownPrivateKey', p.ownPrivateKey, 32)
  requireLength('peerPublicKey', p.peerPublicKey, 32)
  requireLength('councilPublicKey', p.councilPublicKey, 32)
  requireLength('trustPublicKey', p.trustPublicKey, 32)
  if (p.isaId === '') throw new RangeError('isaId must not be empty')
  let ikm: Uint8Array
  try {
    ikm = x25519.getSharedSecret(p.ownPrivateKey, p.peerPublicKey)
  } catch {
    throw new RangeError('peerPublicKey gives an all-zero shared secret (low-order point)')
  }
  // noble already refuses low-order points; this check keeps the rule visible and independent of the library.
  if (ikm.every((b) => b === 0)) throw new RangeError('peerPublicKey gives an all-zero shared secret (low-order point)')
  const info = concatBytes(utf8ToBytes(TOKENS_INFO_LABEL), u32be(p.epoch), p.councilPublicKey, p.trustPublicKey)
  return hkdf(sha256, ikm, utf8ToBytes(p.isaId), info, 32)
}

/** k_kind = HKDF-Expand-SHA256(PRK = k_epoch, info = "key:" || kind, L = 32). */
export function deriveKindKey(epochKey: Uint8Array, kind: string): Uint8Array {
  requireLength('epochKey', epochKey, 32)
  return expand(sha256, epochKey, utf8ToBytes(`key:${kind}`), 32)
}

/** Key check value: hex of the first 8 bytes of HMAC-SHA256(k_epoch, "healthflag/v2/kcv"). Safe to publish. */
export function keyCheckValue(epochKey: Uint8Array): string {
  requireLength('epochKey', epochKey, 32)
  return bytesToHex(hmac(sha256, epochKey, utf8ToBytes(KCV_LABEL)).subarray(0, 8))
}
