import { randomBytes } from 'node:crypto'
import { describe, expect, it } from 'vitest'
import { writeBase64Url16 } from '../src/index.js'

describe('writeBase64Url16', () => {
  it('spells 16 bytes as Buffer does in base64url, at any offset', () => {
    const out = new Uint8Array(30)
    for (let i = 0; i < 2000; i++) {
      const src = randomBytes(20)
      // every byte value in every position at least once
      if (i < 256) src.fill(i, 2, 18)
      writeBase64Url16(src, 2, out, 3)
      expect(Buffer.from(out.subarray(3, 25)).toString('latin1')).toBe(src.subarray(2, 18).toString('base64url'))
    }
  })
})
