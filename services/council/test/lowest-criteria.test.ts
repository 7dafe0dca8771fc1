/** The criteria threshold the council attests: the lowest criteria_met of the rows, however many rows there are. */
import { describe, expect, it } from 'vitest'
import { lowestCriteria } from '../src/exchange.js'

describe('lowestCriteria', () => {
  it('finds the lowest count in a list far longer than a call stack holds arguments (300,000 rows)', () => {
    const rows = Array.from({ length: 300_000 }, (_, i) => ({ criteria_met: 3 + (i % 4) }))
    rows[254_321] = { criteria_met: 2 }
    expect(lowestCriteria(rows)).toBe(2)
  })

  it('counts a row without criteria_met as 0, and no rows as Infinity', () => {
    expect(lowestCriteria([{ criteria_met: 4 }, { criteria_met: null }, { criteria_met: 3 }])).toBe(0)
    expect(lowestCriteria([])).toBe(Infinity)
  })
})
