/** Byte encodings used on the wire. Bytes are Uint8Array inside; base64url/hex only at the edges. */
export function toBase64Url(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('base64url')
}

export function fromBase64Url(text: string): Uint8Array {
  return new Uint8Array(Buffer.from(text, 'base64url'))
}

export function toHex(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('hex')
}

export function fromHex(text: string): Uint8Array {
  return new Uint8Array(Buffer.from(text, 'hex'))
}

export const utf8 = (text: string): Uint8Array => new TextEncoder().encode(text)

/** base64url character codes by 6-bit value */
const B64URL = Uint8Array.from('ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_', (c) => c.charCodeAt(0))

/**
 * Writes the 16 bytes at `src[s]` (a token) as 22 base64url characters, no padding, at `out[o]`: the ASCII of
 * Buffer's toString('base64url') (test/encoding.test.ts), for code that writes many tokens into one buffer.
 */
export function writeBase64Url16(src: Uint8Array, s: number, out: Uint8Array, o: number): void {
  for (let i = 0; i < 15; i += 3) {
    const w = (src[s + i]! << 16) | (src[s + i + 1]! << 8) | src[s + i + 2]!
    out[o++] = B64URL[w >>> 18]!
    out[o++] = B64URL[(w >>> 12) & 63]!
    out[o++] = B64URL[(w >>> 6) & 63]!
    out[o++] = B64URL[w & 63]!
  }
  const last = src[s + 15]!
  out[o++] = B64URL[last >>> 2]!
  out[o] = B64URL[(last & 3) << 4]!
}
