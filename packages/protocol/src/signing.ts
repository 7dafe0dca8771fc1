/**
 * Signed HTTP requests between parties. The signature covers method, path (with query), a timestamp,
 * a nonce and the SHA-256 of the exact body bytes, so a body cannot be swapped and a request cannot be
 * replayed to another route. Spec: docs/protocol.md.
 */
import { createHash } from 'node:crypto'
import { ed25519 } from '@noble/curves/ed25519.js'
import { randomBytes } from '@noble/hashes/utils.js'
import { fromBase64Url, toBase64Url, utf8 } from './encoding.js'
import { ed25519Sign, ed25519Verify } from './ed25519-node.js'
import { errors } from './errors.js'

export const SIGNATURE_HEADERS = {
  party: 'x-healthflag-party',
  timestamp: 'x-healthflag-timestamp',
  nonce: 'x-healthflag-nonce',
  signature: 'x-healthflag-signature',
} as const

/** Requests older or newer than this are refused as stale. */
export const FRESHNESS_WINDOW_MS = 5 * 60 * 1000

export interface SigningKey {
  party: string
  privateKey: Uint8Array
}

export interface KeyPair {
  privateKey: Uint8Array
  publicKey: Uint8Array
}

export function generateSigningKeyPair(): KeyPair {
  const privateKey = ed25519.utils.randomSecretKey()
  return { privateKey, publicKey: ed25519.getPublicKey(privateKey) }
}

export function signingPublicKey(privateKey: Uint8Array): Uint8Array {
  return ed25519.getPublicKey(privateKey)
}

/**
 * Hex SHA-256 of a body's exact bytes: what a signature covers, and what an exchange's `request_digest` is (the
 * request is serialised once and these bytes are sent, digested, signed and recorded). node:crypto, as bodies run to
 * tens of megabytes.
 */
export function bodyDigest(body: Uint8Array): string {
  return createHash('sha256').update(body).digest('hex')
}

/** The exact bytes that are signed: a domain string and one field per line. */
export function signingInput(p: { method: string; path: string; timestamp: string; nonce: string; party: string; body: Uint8Array }): Uint8Array {
  return inputWithDigest(p, bodyDigest(p.body))
}

function inputWithDigest(p: { method: string; path: string; timestamp: string; nonce: string; party: string }, digest: string): Uint8Array {
  return utf8(['healthflag/v1/request', p.method.toUpperCase(), p.path, p.party, p.timestamp, p.nonce, digest].join('\n'))
}

/** Headers that sign one request. `path` includes the query string exactly as sent. */
export function signRequest(key: SigningKey, method: string, path: string, body: Uint8Array, now = new Date()): Record<string, string> {
  const timestamp = now.toISOString()
  const nonce = toBase64Url(randomBytes(16))
  const sig = ed25519Sign(signingInput({ method, path, timestamp, nonce, party: key.party, body }), key.privateKey)
  return {
    [SIGNATURE_HEADERS.party]: key.party,
    [SIGNATURE_HEADERS.timestamp]: timestamp,
    [SIGNATURE_HEADERS.nonce]: nonce,
    [SIGNATURE_HEADERS.signature]: toBase64Url(sig),
  }
}

export interface VerifiedRequest {
  party: string
  nonce: string
  timestamp: Date
  /** hex SHA-256 of the body bytes received (signed over) */
  bodyDigest: string
}

/**
 * Checks a request's signature against the registered public key of the party it claims to be.
 * Throws a HealthflagError (401) naming what is wrong; never says whether a party exists beyond that.
 */
export function verifyRequest(
  headers: Record<string, string | string[] | undefined>,
  method: string,
  path: string,
  body: Uint8Array,
  partyKeys: (party: string) => Uint8Array | undefined,
  now = new Date(),
): VerifiedRequest {
  const get = (name: string) => {
    const v = headers[name]
    return Array.isArray(v) ? v[0] : v
  }
  const party = get(SIGNATURE_HEADERS.party)
  const timestamp = get(SIGNATURE_HEADERS.timestamp)
  const nonce = get(SIGNATURE_HEADERS.nonce)
  const signature = get(SIGNATURE_HEADERS.signature)
  if (!party || !timestamp || !nonce || !signature) {
    throw errors.signatureMissing('This endpoint only accepts signed requests from a registered party; send the x-healthflag-* signature headers.')
  }
  const publicKey = partyKeys(party)
  if (!publicKey) throw errors.unknownParty('The requesting party is not registered with this service; register its public key under the ISA first.')
  const at = new Date(timestamp)
  if (Number.isNaN(at.getTime()) || Math.abs(now.getTime() - at.getTime()) > FRESHNESS_WINDOW_MS) {
    throw errors.staleRequest('The request timestamp is outside the 5-minute window; check the sender\'s clock and resend.')
  }
  const digest = bodyDigest(body)
  const ok = ed25519Verify(fromBase64Url(signature), inputWithDigest({ method, path, timestamp, nonce, party }, digest), publicKey)
  if (!ok) throw errors.signatureInvalid('The request signature does not verify against the registered key; the body or headers were altered or the wrong key was used.')
  return { party, nonce, timestamp: at, bodyDigest: digest }
}
