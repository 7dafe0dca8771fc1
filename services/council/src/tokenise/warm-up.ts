/**
 * A warm-up job for a new tokenising worker: a few thousand made-up people under a throwaway key, so the worker's
 * first real exchange does not also pay for compiling the tokeniser's hot paths (the first 50,000-row exchange after
 * start-up took about twice as long to tokenise as the next ones). Not a person of any list: names and dates are
 * combinations of short fixed lists (two given names misspelt, as a list holds some).
 */
import { randomBytes } from 'node:crypto'
import { MATCH_KEYS, normalisePerson } from '@healthflag/tokens'
import type { RowsJob } from './rows.js'

const GIVEN = ['Olivia', 'Jack', 'Amelia', 'Harry', 'Isla', 'Oliver', 'Ava', 'Charlie', 'Mia', 'George', 'Kate', 'Jon', 'Zoë', 'Mohammed', 'Anne-Marie', 'Bob', 'Olivai', 'Jakc']
const FAMILY = ['Smith', 'Jones', 'Taylor', 'Brown', 'Williams', "O'Neil", 'Wilson-Hart', 'Khan', 'Patel', 'Evans', 'Thomas', 'Roberts', 'Walker', 'Wright']
const POSTCODES = ['ST1 1AA', 'WS13 6QG', 'DE14 9XY', 'ST19 8DX', 'WV5 8DE', '']

/** A valid NHS number (modulus-11 check digit) from a 9-digit stem, or null when the stem has none. */
function nhsNumber(stem: number): string | null {
  const digits = String(stem).padStart(9, '0').split('').map(Number)
  const check = 11 - (digits.reduce((s, d, i) => s + d * (10 - i), 0) % 11)
  if (check === 10) return null
  return `${digits.join('')}${check === 11 ? 0 : check}`
}

export function warmUpJob(rows = 3000): RowsJob & { warmUp: true } {
  const persons: string[] = []
  for (let i = 0; i < rows; i++) {
    const { person } = normalisePerson({
      nhs_number: i % 4 === 0 ? null : nhsNumber(400_000_000 + i * 7919),
      given_name: GIVEN[i % GIVEN.length]!,
      family_name: FAMILY[(i * 7) % FAMILY.length]!,
      date_of_birth: `${1930 + (i % 90)}-${String(1 + (i % 12)).padStart(2, '0')}-${String(1 + ((i * 3) % 28)).padStart(2, '0')}`,
      sex: i % 2 === 0 ? 'F' : 'M',
      postcode: POSTCODES[i % POSTCODES.length]!,
    })
    persons.push(JSON.stringify(person))
  }
  return { warmUp: true, epochKey: new Uint8Array(randomBytes(32)), kinds: MATCH_KEYS, refs: Array.from({ length: rows }, (_, i) => `warm${String(i).padStart(18, '0')}`), persons }
}
