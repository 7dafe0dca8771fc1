// The named match keys: which normalised fields each one is computed over, in precedence order.
import { doubleMetaphone } from 'double-metaphone'
import { dayMonthUnordered } from './date-of-birth.js'
import { commonGivenNames, isKnownGivenName, listedCompoundParts } from './known-names.js'
import { familyVariants } from './names.js'
import type { NormalisedPerson } from './person.js'

/**
 * Match keys in precedence order (docs/token-spec.md §5). Each is emitted only when every one of its fields is present.
 * Keys that confirm the given name come first; the last three never accept a match on their own (they cannot tell
 * twins apart) but still veto a different patient and select a candidate for corroboration.
 * - nhs: NHS number alone (accepted only with a confirmed given name from another key)
 * - nhs_given_dob: NHS number + given + DOB (confirms the given name when family and postcode both changed)
 * - name_dob_sex_pc: given + family + DOB + sex + postcode
 * - name_dob_sex_out: given + family + DOB + sex + outward code (moved within the postcode district)
 * - name_dob_sex: given + family + DOB + sex (moved house; needs corroboration)
 * - canon_name_dob_sex: formal given name of a diminutive + family + DOB + sex (Bill -> William; never Kate -> Katie)
 * - given_dob_sex_pc: given + DOB + sex + postcode (surname change)
 * - name_dob_swapped: given + family + DOB with day and month unordered (day/month swapped)
 * - name_year_pc: given + family + birth year + postcode (wrong day or month)
 * - typo_name_dob_sex: a given name one edit away + family + DOB + sex (given-name typo). The council emits it only for
 *   a given name that is not a known name (a typo, not Jon for John); it is compared with the index's
 *   edit_name_dob_sex tokens (the patient's given name and its one-letter deletions)
 * - initial_family_dob_pc: given initial + family + DOB + postcode
 * - family_dob_sex_pc: family + DOB + sex + postcode (given-name typo)
 * - phonetic_name_dob: Double Metaphone of given and family + DOB (spelling variants)
 */
export const MATCH_KEYS = [
  'nhs',
  'nhs_given_dob',
  'name_dob_sex_pc',
  'name_dob_sex_out',
  'name_dob_sex',
  'canon_name_dob_sex',
  'given_dob_sex_pc',
  'name_dob_swapped',
  'name_year_pc',
  'typo_name_dob_sex',
  'initial_family_dob_pc',
  'family_dob_sex_pc',
  'phonetic_name_dob',
] as const

/**
 * Token kinds that are not match keys. `name_freq` (given + family), `given_freq` and `family_freq` let a patient
 * index count how common a name, a given name and a family name are in the trust's own population (the rare-name
 * rule, docs/token-spec.md §8.3); only the side-car tokenises them, for its own patients. The council never sends
 * them: a name-only token would let the trust dictionary-attack an unmatched candidate's name far more cheaply.
 */
export const FREQUENCY_KEYS = ['name_freq', 'given_freq', 'family_freq'] as const

/** Index-side kinds a match key is compared with when they differ from the key itself. */
export const INDEX_ONLY_KEYS = ['edit_name_dob_sex'] as const

export type MatchKeyKind = (typeof MATCH_KEYS)[number] | (typeof FREQUENCY_KEYS)[number] | (typeof INDEX_ONLY_KEYS)[number]

/** What the council tokenises: the match keys only. */
export const CANDIDATE_TOKEN_KINDS: readonly MatchKeyKind[] = MATCH_KEYS

/**
 * What the side-car tokenises for its patient index to answer the given match keys (default: all): the index-side
 * kind of each key's comparisons, and the frequency keys.
 */
export function indexTokenKinds(permitted?: readonly string[]): MatchKeyKind[] {
  const out = new Set<MatchKeyKind>()
  for (const kind of MATCH_KEYS) {
    if (permitted && !permitted.includes(kind)) continue
    for (const [, indexKind] of keyComparisons(kind)) out.add(indexKind)
  }
  for (const k of FREQUENCY_KEYS) out.add(k)
  return [...out]
}

/** What the side-car tokenises for its patient index when every match key is permitted. */
export const INDEX_TOKEN_KINDS: readonly MatchKeyKind[] = indexTokenKinds()

/** Every token kind either side makes (the test vectors cover them all). */
export const ALL_TOKEN_KINDS: readonly MatchKeyKind[] = [...MATCH_KEYS, ...INDEX_ONLY_KEYS, ...FREQUENCY_KEYS]

/** Normalised fields a key can be made of; each is a list of values (multi-valued for surname parts, nicknames). */
export type KeyField =
  | 'nhs'
  | 'given'
  | 'given_canonical'
  | 'given_initial'
  | 'given_phonetic'
  | 'given_typo'
  | 'given_edits'
  | 'family'
  | 'family_full'
  | 'family_phonetic'
  | 'dob'
  | 'dob_unordered'
  | 'birth_year'
  | 'sex'
  | 'postcode'
  | 'outward'

/** Field order inside each key's canonical bytes. */
export const KEY_FIELDS: Readonly<Record<MatchKeyKind, readonly KeyField[]>> = {
  nhs: ['nhs'],
  nhs_given_dob: ['nhs', 'given', 'dob'],
  name_dob_sex_pc: ['given', 'family', 'dob', 'sex', 'postcode'],
  name_dob_sex_out: ['given', 'family', 'dob', 'sex', 'outward'],
  name_dob_sex: ['given', 'family', 'dob', 'sex'],
  canon_name_dob_sex: ['given_canonical', 'family', 'dob', 'sex'],
  initial_family_dob_pc: ['given_initial', 'family', 'dob', 'postcode'],
  given_dob_sex_pc: ['given', 'dob', 'sex', 'postcode'],
  family_dob_sex_pc: ['family', 'dob', 'sex', 'postcode'],
  name_dob_swapped: ['given', 'family', 'dob_unordered'],
  phonetic_name_dob: ['given_phonetic', 'family_phonetic', 'dob'],
  name_year_pc: ['given', 'family', 'birth_year', 'postcode'],
  typo_name_dob_sex: ['given_typo', 'family_full', 'dob', 'sex'],
  edit_name_dob_sex: ['given_edits', 'family_full', 'dob', 'sex'],
  name_freq: ['given', 'family'],
  given_freq: ['given'],
  family_freq: ['family'],
}

/**
 * The kind whose sub-key (k_kind) a kind's tokens are made with. canon_name_dob_sex shares name_dob_sex's sub-key and
 * field order, so a diminutive's formal-name tokens equal the formal name's own name_dob_sex tokens.
 */
export function keyMaterialKind(kind: MatchKeyKind): MatchKeyKind {
  if (kind === 'canon_name_dob_sex') return 'name_dob_sex'
  if (kind === 'typo_name_dob_sex') return 'edit_name_dob_sex'
  return kind
}

/**
 * The (candidate kind, index kind) token pairs a key compares. Most keys compare like with like; the nickname key
 * compares a diminutive's formal names with the other side's own name, in both directions, and never two
 * diminutives' formal-name tokens with each other.
 */
export function keyComparisons(kind: MatchKeyKind): readonly (readonly [MatchKeyKind, MatchKeyKind])[] {
  if (kind === 'canon_name_dob_sex') {
    return [
      ['canon_name_dob_sex', 'name_dob_sex'],
      ['name_dob_sex', 'canon_name_dob_sex'],
    ]
  }
  if (kind === 'typo_name_dob_sex') return [['typo_name_dob_sex', 'edit_name_dob_sex']]
  return [[kind, kind]]
}

export function isMatchKeyKind(s: string): s is MatchKeyKind {
  return Object.hasOwn(KEY_FIELDS, s)
}

/** Double Metaphone primary code of a normalised name (library `double-metaphone`), or null when empty. */
export function phoneticCode(name: string): string | null {
  const [primary] = doubleMetaphone(name)
  return primary === '' ? null : primary
}

/** The values of one field for a person; [] when the field is absent. */
export function fieldValues(p: NormalisedPerson, field: KeyField): string[] {
  switch (field) {
    case 'nhs':
      return p.nhs_number === null ? [] : [p.nhs_number]
    case 'given':
      return p.given_name === null ? [] : [p.given_name]
    case 'given_canonical':
      // Only an unambiguous diminutive: STEVE (Stephen or Steven) must not confirm either, as twins bear both names.
      return p.given_canonical.length === 1 ? p.given_canonical : []
    case 'given_initial':
      return p.given_name === null ? [] : [String.fromCodePoint(p.given_name.codePointAt(0)!)]
    case 'given_phonetic': {
      const c = p.given_name === null ? null : phoneticCode(p.given_name)
      return c === null ? [] : [c]
    }
    case 'given_edits':
      return p.given_name === null ? [] : oneDeletionVariants(p.given_name)
    case 'given_typo':
      return p.given_name === null || !isLikelyTypo(p.given_name) ? [] : oneDeletionVariants(p.given_name)
    case 'family':
      return p.family_name === null ? [] : familyVariants({ full: p.family_name, parts: p.family_parts })
    case 'family_full':
      return p.family_name === null ? [] : [p.family_name]
    case 'family_phonetic':
      return p.family_name === null
        ? []
        : uniq(familyVariants({ full: p.family_name, parts: p.family_parts }).map(phoneticCode).filter((c) => c !== null))
    case 'dob':
      return p.date_of_birth === null ? [] : [p.date_of_birth]
    case 'dob_unordered':
      return p.date_of_birth === null ? [] : [dayMonthUnordered(p.date_of_birth)]
    case 'birth_year':
      return p.date_of_birth === null ? [] : [p.date_of_birth.slice(0, 4)]
    case 'sex':
      return p.sex === null ? [] : [p.sex]
    case 'postcode':
      return p.postcode === null ? [] : [p.postcode]
    case 'outward':
      // The outward code (postcode district) of a normalised postcode "OUTWARD INWARD".
      return p.postcode === null ? [] : [p.postcode.slice(0, p.postcode.indexOf(' '))]
  }
}

/** Field values of one person, each computed at most once (the phonetic codes are the costly ones). */
export class PersonFields {
  private readonly cache = new Map<KeyField, string[]>()
  constructor(readonly person: NormalisedPerson) {}
  get(field: KeyField): string[] {
    let v = this.cache.get(field)
    if (v === undefined) this.cache.set(field, (v = fieldValues(this.person, field)))
    return v
  }
}

/**
 * Every field-value combination of a key for a person (the cartesian product of the fields' values, in field order),
 * or [] when any field is absent. A surname "Smith-Jones" gives three combinations: SMITHJONES, SMITH, JONES.
 */
export function keyCombinations(p: NormalisedPerson | PersonFields, kind: MatchKeyKind): string[][] {
  const fields = p instanceof PersonFields ? p : new PersonFields(p)
  let combos: string[][] = [[]]
  for (const f of KEY_FIELDS[kind]) {
    const values = fields.get(f)
    if (values.length === 0) return []
    combos = values.length === 1 ? combos.map((c) => (c.push(values[0]!), c)) : combos.flatMap((c) => values.map((v) => [...c, v]))
  }
  return combos
}

/**
 * A normalised name and every string made by deleting one of its characters (its one-deletion neighbourhood), in
 * order of the deleted position, each once, at most 16 (longer names lose their last deletions); the name alone when it
 * has fewer than 3 characters (v1: 4). Two names within one
 * edit (insertion, deletion, substitution or adjacent transposition) share at least one element; so do some pairs two
 * edits apart (a deletion on each side: JHNN and JOHN share JHN).
 */
export function oneDeletionVariants(name: string): string[] {
  const chars = [...name]
  if (chars.length < 3) return [name]
  const out = [name]
  for (let i = 0; i < chars.length; i++) out.push(chars.slice(0, i).join('') + chars.slice(i + 1).join(''))
  return uniq(out).slice(0, MAX_DELETION_VARIANTS)
}

let commonByVariant: Map<string, string[]> | undefined

/** The common given names (§3.1) that share a one-deletion variant with a normalised name (v2). */
export function commonNeighbours(name: string): string[] {
  if (!commonByVariant) {
    commonByVariant = new Map<string, string[]>()
    for (const c of commonGivenNames()) {
      for (const v of oneDeletionVariants(c)) {
        const list = commonByVariant.get(v)
        if (list === undefined) commonByVariant.set(v, [c])
        else if (list[list.length - 1] !== c) list.push(c)
      }
    }
  }
  const out = new Set<string>()
  for (const v of oneDeletionVariants(name)) for (const c of commonByVariant.get(v) ?? []) out.add(c)
  return [...out]
}

/** One-deletion variants of the listed compound parts of at least 3 letters (nearCompound). */
let partVariants: Set<string> | undefined

/**
 * Whether a name is within one edit of a compound of two listed compound parts (MARYANE from Mary-Anne or Mary-Jane):
 * one side of some split (each side at least 3 letters) is a listed part and the other is one, or shares a one-deletion
 * variant with one.
 */
function nearCompound(name: string): boolean {
  const parts = listedCompoundParts()
  partVariants ??= new Set([...parts].filter((p) => p.length >= 3).flatMap((p) => oneDeletionVariants(p)))
  const variants = partVariants
  const nearPart = (s: string): boolean => parts.has(s) || oneDeletionVariants(s).some((v) => variants.has(v))
  for (let i = 3; i <= name.length - 3; i++) {
    const left = name.slice(0, i)
    const right = name.slice(i)
    if ((parts.has(left) && nearPart(right)) || (parts.has(right) && nearPart(left))) return true
  }
  return false
}

/**
 * A given name the council sends typo tokens for (`given_typo`, v2): not a known name, within one edit of at most one
 * common name of either sex, and not within one edit of a compound name. Counting only the names of the person's sex
 * found one more person in 8,000 and let a girl's twin recorded as Bill, mistyped ILL, reach her sister Bill (names
 * are not always of the sex the lists say), so both sexes count. AIADN is one edit from Aidan and (a deletion on each side)
 * from Aiden: twins are named Aidan and Aiden (and Mary-Anne and Mary-Jane), and a typo of one must not reach the
 * other, so a typo that could have come from two names confirms neither. The synthetic hard tier matched a twin this
 * way under v1.
 */
export function isLikelyTypo(name: string): boolean {
  return !isKnownGivenName(name) && commonNeighbours(name).length <= 1 && !nearCompound(name)
}

/**
 * The most tokens of one kind an exchange request row may carry (packages/protocol's ExchangeRow, maxItems): the
 * council sends a row's first this many tokens of a kind (token spec §3, `family`).
 */
export const MAX_TOKENS_PER_KIND = 16

/** The name and its first 15 deletions: a request carries at most MAX_TOKENS_PER_KIND tokens of a kind. */
export const MAX_DELETION_VARIANTS = MAX_TOKENS_PER_KIND

function uniq<T>(xs: readonly T[]): T[] {
  return [...new Set(xs)]
}
