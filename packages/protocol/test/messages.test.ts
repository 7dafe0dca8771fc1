import { describe, expect, it } from 'vitest'
import { ExchangeRow, assertValid } from '../src/messages.js'

const ref = 'A'.repeat(22)
const token = 'b'.repeat(22)

describe('ExchangeRow', () => {
  it('takes tokens under match-key names', () => {
    expect(assertValid(ExchangeRow, { ref, tokens: { name_dob_sex: [token], nhs: [token, token] } }, 'row')).toBeTruthy()
  })
  it('refuses a member of tokens whose name is not a match-key name, whatever it holds', () => {
    expect(() => assertValid(ExchangeRow, { ref, tokens: { 'Given Name': ['JOHN'] } }, 'row')).toThrow()
    expect(() => assertValid(ExchangeRow, { ref, tokens: { name_dob_sex: [token], DOB: [token] } }, 'row')).toThrow()
  })
  it('refuses more kinds than a request may name', () => {
    const tokens = Object.fromEntries(Array.from({ length: 33 }, (_, i) => [`k${i}`, [token]]))
    expect(() => assertValid(ExchangeRow, { ref, tokens }, 'row')).toThrow()
  })
})
