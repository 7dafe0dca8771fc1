// Strict base64 / base64url / hex codecs. Node's Buffer decoder silently skips bad characters, so every
// decoder here checks the alphabet first and then re-encodes to reject non-canonical trailing bits.

const B64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/
const B64URL = /^[A-Za-z0-9_-]*$/
const HEX = /^(?:[0-9a-f]{2})*$/

/** Standard base64 with padding (RFC 4648 §4). */
export function toBase64(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('base64')
}

/** Decodes canonical padded base64; returns null when the text is not exactly that. */
export function fromBase64(text: string): Uint8Array | null {
  if (!B64.test(text)) return null
  const bytes = new Uint8Array(Buffer.from(text, 'base64'))
  return toBase64(bytes) === text ? bytes : null
}

/** base64url without padding (RFC 4648 §5). */
export function toBase64Url(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('base64url')
}

/** Decodes canonical unpadded base64url; returns null when the text is not exactly that. */
export function fromBase64Url(text: string): Uint8Array | null {
  if (!B64URL.test(text) || text.length % 4 === 1) return null
  const bytes = new Uint8Array(Buffer.from(text, 'base64url'))
  return toBase64Url(bytes) === text ? bytes : null
}

/** Lower-case hex. */
export function toHex(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('hex')
}

/** Decodes lower-case hex of even length; returns null otherwise. */
export function fromHex(text: string): Uint8Array | null {
  if (!HEX.test(text)) return null
  return new Uint8Array(Buffer.from(text, 'hex'))
}

/** Constant-time-enough equality for public values (hashes, roots). */
export function bytesEqual(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false
  let diff = 0
  for (let i = 0; i < a.length; i++) diff |= (a[i] as number) ^ (b[i] as number)
  return diff === 0
}
