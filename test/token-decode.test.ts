/** The side-car's allocation-free token decoder answers exactly as the regex + Buffer round trip it replaced. */
import { randomBytes } from 'node:crypto'
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { decodeToken, decodeTokenInto, decodeTokenReference } from '../services/sidecar/src/import/compact-index.js'

const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_'

describe('decodeTokenInto', () => {
  it('decodes every 16-byte token from its base64url spelling', () => {
    const out = new Uint8Array(16)
    for (let i = 0; i < 2000; i++) {
      const bytes = randomBytes(16)
      expect(decodeTokenInto(bytes.toString('base64url'), out)).toBe(true)
      expect(Buffer.from(out).equals(bytes)).toBe(true)
    }
  })

  it('agrees with the reference on any 22 characters of the alphabet, non-canonical last characters included', () => {
    fc.assert(
      fc.property(fc.array(fc.constantFrom(...ALPHABET), { minLength: 22, maxLength: 22 }), (chars) => {
        const s = chars.join('')
        const ref = decodeTokenReference(s)
        const got = decodeToken(s)
        expect(got === null).toBe(ref === null)
        if (ref && got) expect(Buffer.from(got).equals(Buffer.from(ref))).toBe(true)
      }),
      { numRuns: 5000 },
    )
    // 'B' as the last character sets a stray low bit: a different spelling of the bytes 'A' spells.
    expect(decodeToken('A'.repeat(21) + 'B')).toBeNull()
    expect(decodeToken('A'.repeat(21) + 'Q')).not.toBeNull()
  })

  it('refuses other lengths and characters outside base64url, as the reference does', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 30, unit: 'binary' }), (s) => {
        expect(decodeToken(s) === null).toBe(decodeTokenReference(s) === null)
      }),
      { numRuns: 5000 },
    )
    for (const s of ['', 'A'.repeat(21), 'A'.repeat(23), 'A'.repeat(21) + '+', 'A'.repeat(21) + '/', 'A'.repeat(21) + '=', 'A'.repeat(21) + 'é', 'A'.repeat(20) + '\u{1F600}']) {
      expect(decodeToken(s)).toBeNull()
    }
  })
})
