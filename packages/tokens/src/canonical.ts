// Canonical bytes of a key's field values: unambiguous, length-prefixed (docs/token-spec.md §6).

const encoder = new TextEncoder()

/**
 * canonical_bytes(v1..vn) = u8(n) || for each field: u16be(len(UTF-8(v))) || UTF-8(v).
 * The count and the length prefixes make ("AB","C") and ("A","BC") different byte strings.
 */
export function canonicalBytes(values: readonly string[]): Uint8Array {
  if (values.length > 255) throw new RangeError('a key has at most 255 fields')
  const encoded = values.map((v) => encoder.encode(v))
  let len = 1
  for (const e of encoded) {
    if (e.length > 0xffff) throw new RangeError('a key field is at most 65535 bytes')
    len += 2 + e.length
  }
  const out = new Uint8Array(len)
  out[0] = values.length
  let at = 1
  for (const e of encoded) {
    out[at] = e.length >>> 8
    out[at + 1] = e.length & 0xff
    out.set(e, at + 2)
    at += 2 + e.length
  }
  return out
}
