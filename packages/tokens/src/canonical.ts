// Canonical bytes of a key's field values: unambiguous, length-prefixed (docs/token-spec.md §6).

const encoder = new TextEncoder()

function isAscii(s: string): boolean {
  for (let i = 0; i < s.length; i++) if (s.charCodeAt(i) > 0x7f) return false
  return true
}

/**
 * canonical_bytes(v1..vn) = u8(n) || for each field: u16be(len(UTF-8(v))) || UTF-8(v).
 * The count and the length prefixes make ("AB","C") and ("A","BC") different byte strings.
 */
export function canonicalBytes(values: readonly string[]): Uint8Array {
  const n = values.length
  if (n > 255) throw new RangeError('a key has at most 255 fields')
  // Normalised values are nearly always ASCII; copying char codes in JS avoids a native call per field, which
  // dominated the cost of this function (it runs ~10 times per person).
  let len = 1
  let ascii = true
  for (let i = 0; i < n; i++) {
    const v = values[i]!
    ascii &&= isAscii(v)
    len += 2 + v.length
  }
  if (!ascii) return canonicalBytesUtf8(values)
  const out = new Uint8Array(len)
  out[0] = n
  let at = 1
  for (let i = 0; i < n; i++) {
    const v = values[i]!
    const l = v.length
    if (l > 0xffff) throw new RangeError('a key field is at most 65535 bytes')
    out[at] = l >>> 8
    out[at + 1] = l & 0xff
    at += 2
    for (let j = 0; j < l; j++) out[at + j] = v.charCodeAt(j)
    at += l
  }
  return out
}

function canonicalBytesUtf8(values: readonly string[]): Uint8Array {
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
