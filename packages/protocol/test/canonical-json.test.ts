import { describe, expect, it } from 'vitest'
import fc from 'fast-check'
import { canonicalize } from 'json-canonicalize'
import { canonicalJson } from '../src/canonical-json.js'

describe('canonicalJson', () => {
  it('gives the text json-canonicalize gives, on any JSON value', () => {
    fc.assert(
      fc.property(fc.jsonValue(), (v) => {
        expect(canonicalJson(v)).toBe(canonicalize(v as object))
      }),
      { numRuns: 2000 },
    )
  })

  it('orders member names by UTF-16 code units, nested objects included (RFC 8785 §3.2.3 example)', () => {
    const v = { '\u20ac': 'Euro Sign', '\r': 'Carriage Return', '\ufb33': 'Hebrew Letter Dalet With Dagesh', '1': 'One', '\ud83d\ude00': 'Emoji: Grinning Face', '\u0080': 'Control', '\u00f6': 'Latin Small Letter O With Diaeresis', nested: { b: [{ d: 1, c: 2 }], a: true } }
    const text = canonicalJson(v)
    const order = ['\r', '1', 'nested', '\u0080', '\u00f6', '\u20ac', '\ud83d\ude00', '\ufb33'].map((k) => text.indexOf(JSON.stringify(k) + ':'))
    expect(order.every((at, i) => at > 0 && (i === 0 || at > order[i - 1]!))).toBe(true)
    expect(text).toContain('"nested":{"a":true,"b":[{"c":2,"d":1}]}')
    expect(text).toBe(canonicalize(v))
    const { '1': _one, ...noIndexName } = v
    expect(canonicalJson(noIndexName)).toBe(canonicalize(noIndexName))
  })

  it('serialises numbers as RFC 8785 does', () => {
    expect(canonicalJson([1e21, 1e-7, -0, 0.1 + 0.2, 333333333.3333333, 4.5])).toBe('[1e+21,1e-7,0,0.30000000000000004,333333333.3333333,4.5]')
  })
})
