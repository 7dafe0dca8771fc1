import { canonicalize } from 'json-canonicalize'
import { describe, expect, it } from 'vitest'
import v from './vectors/jcs-rfc8785.json' with { type: 'json' }

function double(bits: string): number {
  const view = new DataView(new ArrayBuffer(8))
  view.setBigUint64(0, BigInt(`0x${bits}`))
  return view.getFloat64(0)
}

describe('the JCS library against RFC 8785', () => {
  it('serialises every Appendix B number exactly as the RFC table says', () => {
    for (const [bits, text] of v.numbers as [string, string][]) expect(canonicalize(double(bits)), bits).toBe(text)
  })

  it('refuses NaN and the infinities', () => {
    for (const bits of v.nonFinite) expect(() => canonicalize({ n: double(bits) }), bits).toThrow()
  })

  it('reproduces the §3.2.2 sample output from its input', () => {
    expect(canonicalize(JSON.parse(v.sample.input))).toBe(v.sample.output)
  })
})
