// Staffordshire districts, their outward postcodes, and valid-format random postcodes.
import { Rng, WeightedPicker } from './prng.js'

export const DISTRICTS = [
  'Cannock Chase',
  'East Staffordshire',
  'Lichfield',
  'Newcastle-under-Lyme',
  'South Staffordshire',
  'Stafford',
  'Staffordshire Moorlands',
  'Tamworth',
] as const
export type District = (typeof DISTRICTS)[number]

interface Area {
  /** '' for Stoke-on-Trent, a separate unitary authority: its families have no county district. */
  district: District | ''
  outward: readonly string[]
  /** rough population share */
  weight: number
}

const AREAS: readonly Area[] = [
  { district: 'Cannock Chase', outward: ['WS11', 'WS12', 'WS15'], weight: 100 },
  { district: 'East Staffordshire', outward: ['DE13', 'DE14', 'DE15', 'ST14'], weight: 125 },
  { district: 'Lichfield', outward: ['WS7', 'WS13', 'WS14'], weight: 106 },
  { district: 'Newcastle-under-Lyme', outward: ['ST5', 'ST7'], weight: 125 },
  { district: 'South Staffordshire', outward: ['ST19', 'WS6', 'WV5', 'WV8', 'WV9', 'WV10', 'DY7'], weight: 110 },
  { district: 'Stafford', outward: ['ST12', 'ST15', 'ST16', 'ST17', 'ST18', 'ST20', 'ST21'], weight: 137 },
  { district: 'Staffordshire Moorlands', outward: ['ST8', 'ST9', 'ST10', 'ST11', 'ST13'], weight: 95 },
  { district: 'Tamworth', outward: ['B77', 'B78', 'B79'], weight: 78 },
  { district: '', outward: ['ST1', 'ST2', 'ST3', 'ST4', 'ST6'], weight: 25 },
]

const areaPicker = new WeightedPicker(AREAS, AREAS.map((a) => a.weight))

/** Letters allowed in the inward code (the Royal Mail never uses C, I, K, M, O or V there). */
const INWARD_LETTERS = 'ABDEFGHJLNPQRSTUWXYZ'

export function randomInward(rng: Rng): string {
  return (
    String(rng.int(10)) + INWARD_LETTERS[rng.int(INWARD_LETTERS.length)] + INWARD_LETTERS[rng.int(INWARD_LETTERS.length)]
  )
}

/** A random address: canonical postcode ("ST16 2AB") and its district ('' outside the county). */
export function randomAddress(rng: Rng): { postcode: string; district: District | '' } {
  const area = areaPicker.pick(rng)
  return { postcode: rng.pick(area.outward) + ' ' + randomInward(rng), district: area.district }
}

/** ZZ99 pseudo-postcodes used by the NHS for no fixed abode / address not known. */
export const PSEUDO_POSTCODES = ['ZZ99 3VZ', 'ZZ99 3WZ', 'ZZ99 3CZ'] as const

/** Syntactic check for a canonical UK postcode ("A9 9AA", "A99 9AA", "AA9 9AA", "AA99 9AA", "A9A 9AA", "AA9A 9AA"). */
export function isPostcodeFormat(s: string): boolean {
  return /^[A-Z]{1,2}[0-9][A-Z0-9]? [0-9][ABD-HJLNP-UW-Z]{2}$/.test(s)
}
