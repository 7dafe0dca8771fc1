// C2SP signed-note (https://c2sp.org/signed-note) with Ed25519 keys: sign, open, and the vkey text form.
import { ed25519 } from '@noble/curves/ed25519.js'
import { sha256 } from '@noble/hashes/sha2.js'
import { fromBase64, toBase64 } from './encoding.js'

const ALG_ED25519 = 0x01
const MAX_SIGNATURES = 100
const SIG_PREFIX = '\u2014 ' // em dash, space
// ASCII control characters other than newline are not allowed anywhere in a note's text.
const CONTROL = /[\u0000-\u0009\u000b-\u001f\u007f]/

export interface NoteSigner {
  name: string
  /** Ed25519 private key (32-byte seed) */
  privateKey: Uint8Array
}

export interface NoteVerifier {
  name: string
  /** Ed25519 public key (32 bytes) */
  publicKey: Uint8Array
}

/** A key name is non-empty and has no '+' and no whitespace (signed-note §Signatures). */
export function isValidKeyName(name: string): boolean {
  return name.length > 0 && !name.includes('+') && !/\s/u.test(name) && !CONTROL.test(name)
}

function assertKey(name: string, key: Uint8Array, what: string): void {
  if (!isValidKeyName(name)) throw new Error('key name must be non-empty without "+" or whitespace')
  if (!(key instanceof Uint8Array) || key.length !== 32) throw new Error(`${what} must be 32 bytes`)
}

/** Key ID: first 4 bytes of SHA-256(name || 0x0A || 0x01 || publicKey), as 4 bytes. */
export function keyId(name: string, publicKey: Uint8Array): Uint8Array {
  const nameBytes = new TextEncoder().encode(name)
  const buf = new Uint8Array(nameBytes.length + 2 + publicKey.length)
  buf.set(nameBytes, 0)
  buf[nameBytes.length] = 0x0a
  buf[nameBytes.length + 1] = ALG_ED25519
  buf.set(publicKey, nameBytes.length + 2)
  return sha256(buf).slice(0, 4)
}

const hex8 = (id: Uint8Array): string => Buffer.from(id).toString('hex')

/** Verifier key text "name+hex(keyId)+base64(0x01 || publicKey)", as witnesses and Go's note package read it. */
export function encodeVerifierKey(name: string, publicKey: Uint8Array): string {
  assertKey(name, publicKey, 'public key')
  return `${name}+${hex8(keyId(name, publicKey))}+${toBase64(Uint8Array.of(ALG_ED25519, ...publicKey))}`
}

/** Parses a verifier key; throws unless name, key ID and Ed25519 key all agree. */
export function parseVerifierKey(vkey: string): NoteVerifier {
  const parts = vkey.split('+')
  // The base64 part may itself contain '+', so rejoin everything after the second separator.
  const [name, hash, ...rest] = parts
  const keyB64 = rest.join('+')
  if (name === undefined || hash === undefined || !isValidKeyName(name) || !/^[0-9a-f]{8}$/.test(hash)) {
    throw new Error('verifier key is malformed')
  }
  const key = fromBase64(keyB64)
  if (key === null || key.length !== 33 || key[0] !== ALG_ED25519) throw new Error('verifier key is not an Ed25519 key')
  const publicKey = key.slice(1)
  if (hex8(keyId(name, publicKey)) !== hash) throw new Error('verifier key hash does not match its name and key')
  return { name, publicKey }
}

/** Signer key text "PRIVATE+KEY+name+hex(keyId)+base64(0x01 || seed)", the form Go's note package uses. */
export function encodeSignerKey(signer: NoteSigner): string {
  assertKey(signer.name, signer.privateKey, 'private key')
  const pub = ed25519.getPublicKey(signer.privateKey)
  return `PRIVATE+KEY+${signer.name}+${hex8(keyId(signer.name, pub))}+${toBase64(Uint8Array.of(ALG_ED25519, ...signer.privateKey))}`
}

/** Parses a signer key; throws unless it is well-formed and its key ID matches the derived public key. */
export function parseSignerKey(skey: string): NoteSigner {
  if (!skey.startsWith('PRIVATE+KEY+')) throw new Error('signer key is malformed')
  const [name, hash, ...rest] = skey.slice('PRIVATE+KEY+'.length).split('+')
  if (name === undefined || hash === undefined || !isValidKeyName(name) || !/^[0-9a-f]{8}$/.test(hash)) {
    throw new Error('signer key is malformed')
  }
  const key = fromBase64(rest.join('+'))
  if (key === null || key.length !== 33 || key[0] !== ALG_ED25519) throw new Error('signer key is not an Ed25519 key')
  const privateKey = key.slice(1)
  if (hex8(keyId(name, ed25519.getPublicKey(privateKey))) !== hash) throw new Error('signer key hash does not match')
  return { name, privateKey }
}

function assertText(text: string): void {
  if (text.length === 0 || !text.endsWith('\n')) throw new Error('note text must be non-empty and end with a newline')
  if (CONTROL.test(text)) throw new Error('note text must not contain control characters other than newline')
  if (text.includes('\n\n')) throw new Error('note text must not contain a blank line')
}

/** Signs note text: returns text, a blank line, and one "— name base64(keyId || signature)" line. */
export function signNote(text: string, signer: NoteSigner): string {
  assertText(text)
  assertKey(signer.name, signer.privateKey, 'private key')
  const pub = ed25519.getPublicKey(signer.privateKey)
  const sig = ed25519.sign(new TextEncoder().encode(text), signer.privateKey)
  const blob = new Uint8Array(4 + sig.length)
  blob.set(keyId(signer.name, pub), 0)
  blob.set(sig, 4)
  return `${text}\n${SIG_PREFIX}${signer.name} ${toBase64(blob)}\n`
}

interface NoteSignature {
  name: string
  id: Uint8Array
  sig: Uint8Array
}

function parseSignatureLine(line: string): NoteSignature {
  if (!line.startsWith(SIG_PREFIX)) throw new Error('note signature line is malformed')
  const rest = line.slice(SIG_PREFIX.length)
  const space = rest.indexOf(' ')
  const name = rest.slice(0, space)
  const blob = space > 0 ? fromBase64(rest.slice(space + 1)) : null
  if (!isValidKeyName(name) || blob === null || blob.length < 5) throw new Error('note signature line is malformed')
  return { name, id: blob.slice(0, 4), sig: blob.slice(4) }
}

/**
 * Opens a signed note: checks its syntax and that it carries a valid signature by `verifier`, then
 * returns the text (with its final newline). Signatures by other keys (e.g. witness cosignatures) are
 * ignored; a signature that claims the verifier's key but does not verify is an error.
 */
export function openNote(note: string, verifier: NoteVerifier): string {
  assertKey(verifier.name, verifier.publicKey, 'public key')
  const split = note.lastIndexOf('\n\n')
  if (split < 0 || !note.endsWith('\n')) throw new Error('note is malformed: no signature block')
  const text = note.slice(0, split + 1)
  assertText(text)
  const lines = note.slice(split + 2, -1).split('\n')
  if (lines.length > MAX_SIGNATURES) throw new Error('note is malformed: too many signatures')
  const sigs = lines.map(parseSignatureLine)
  const wantId = keyId(verifier.name, verifier.publicKey)
  const mine = sigs.filter((s) => s.name === verifier.name && s.id.every((b, i) => b === wantId[i]))
  if (mine.length === 0) throw new Error('note has no signature by the expected key')
  const msg = new TextEncoder().encode(text)
  for (const s of mine) {
    let ok = false
    try {
      ok = s.sig.length === 64 && ed25519.verify(s.sig, msg, verifier.publicKey, { zip215: false })
    } catch {
      ok = false
    }
    if (!ok) throw new Error('note signature by the expected key is invalid')
  }
  return text
}
