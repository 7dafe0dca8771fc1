// Side-car matching: walk the keys in precedence order, then veto, corroborate and decide (docs/token-spec.md §8).
import { KEY_FIELDS, MATCH_KEYS, keyComparisons, type KeyField, type MatchKeyKind } from './match-keys.js'
import type { TokenSet } from './tokeniser.js'

export interface IndexedPatient {
  id: string
  tokens: TokenSet
  active: boolean
  restricted: boolean
}

export interface PatientIndex {
  size: number
  /** ids of the patients holding this token under this kind (each id once) */
  lookup(kind: MatchKeyKind, token: string): readonly string[]
  /** How many patients hold this token under this kind: lookup(kind, token).length without making the list (optional). */
  count?(kind: MatchKeyKind, token: string): number
  patient(id: string): IndexedPatient | undefined
  /**
   * How many patients in the index share this patient's name (given + family, from its `name_freq` tokens; the most
   * common of its surname variants counts). Undefined when unknown; an index without it never treats a name as rare.
   */
  nameFrequency?(id: string): number | undefined
}

export interface MemoryIndexOptions {
  /** unused today; reserved so callers can pass options without a signature change */
  readonly _reserved?: never
}

/** An in-memory index: one map per kind from token to patient ids, and name frequencies from `name_freq` tokens. */
export function buildMemoryIndex(patients: Iterable<IndexedPatient>, _opts?: MemoryIndexOptions): PatientIndex {
  // A token almost always belongs to one patient, so the map holds the id itself and only grows an array for the
  // rare shared token: at a million patients that saves an array object per token (~10 per patient).
  const byKind = new Map<MatchKeyKind, Map<string, string | string[]>>()
  const byId = new Map<string, IndexedPatient>()
  for (const p of patients) {
    if (byId.has(p.id)) throw new RangeError('patient ids must be unique in an index')
    byId.set(p.id, p)
    for (const kind in p.tokens) {
      const tokens = p.tokens[kind as MatchKeyKind]
      if (!tokens) continue
      let m = byKind.get(kind as MatchKeyKind)
      if (!m) byKind.set(kind as MatchKeyKind, (m = new Map()))
      for (const t of tokens) {
        const ids = m.get(t)
        if (ids === undefined) m.set(t, p.id)
        else if (typeof ids === 'string') {
          if (ids !== p.id) m.set(t, [ids, p.id])
        } else if (!ids.includes(p.id)) ids.push(p.id)
      }
    }
  }
  const EMPTY: readonly string[] = Object.freeze([])
  const nameFreq = byKind.get('name_freq')
  const count = (ids: string | string[] | undefined): number => (ids === undefined ? 0 : typeof ids === 'string' ? 1 : ids.length)
  return {
    size: byId.size,
    lookup(kind, token) {
      const ids = byKind.get(kind)?.get(token)
      return ids === undefined ? EMPTY : typeof ids === 'string' ? [ids] : ids
    },
    count: (kind, token) => count(byKind.get(kind)?.get(token)),
    patient: (id) => byId.get(id),
    nameFrequency(id) {
      const tokens = byId.get(id)?.tokens.name_freq
      if (!nameFreq || !tokens || tokens.length === 0) return undefined
      let max = 0
      for (const t of tokens) max = Math.max(max, count(nameFreq.get(t)))
      return max
    },
  }
}

export type MatchReason = 'matched' | 'no_match' | 'ambiguous' | 'vetoed' | 'weak_unconfirmed'

export interface MatchOutcome {
  /** set only when reason is 'matched' */
  patientId: string | null
  /** the key that selected the patient (or was ambiguous); null for no_match */
  key: MatchKeyKind | null
  reason: MatchReason
}

export interface MatchPolicy {
  /**
   * People in the area the council's candidates are drawn from (default 1.1 million, a county). The rare-name rule
   * estimates how many of them share a matched patient's full name and date of birth.
   */
  areaPopulation?: number
  /**
   * Accept a weak match (confirmed given name, family and DOB, but no postcode or NHS agreement: typically a person
   * who moved) when the expected number of other people in the area with the patient's full name and date of birth
   * is below this bound (default 1e-3). 0 turns the rule off. See docs/token-spec.md §8.3.
   */
  maxExpectedStrangers?: number
  /**
   * An upper bound on the share of the area's people who live in any one postcode district (outward code). A weak
   * match whose outward code agrees (moved within the district) has that many times fewer possible look-alikes
   * (default 0.1; Staffordshire's districts each hold 1-6 % of the county). See docs/token-spec.md §8.3.
   */
  districtShare?: number
  /**
   * The share of house moves that stay within the postcode district (default 0.34: the CDRC found 34 % of 2014 moves in
   * England and Wales within one district). A district match is the likelier explanation only when look-alikes in the
   * district are rarer than people who moved within it, so the district path asks
   * λ · districtShare / localMoveShare < maxExpectedStrangers: the same odds as the area-wide rule, whose movers are
   * all movers. See docs/token-spec.md §8.3.
   */
  localMoveShare?: number
}

export const DEFAULT_AREA_POPULATION = 1_100_000
export const DEFAULT_MAX_EXPECTED_STRANGERS = 1e-3
export const DEFAULT_DISTRICT_SHARE = 0.1
export const DEFAULT_LOCAL_MOVE_SHARE = 0.34
/**
 * Probability that two people of the area share one exact date of birth: births spread over ~90 years of living
 * cohorts (UK crude birth rate ~1.04 % of the population a year gives 2.85e-5 a day; 1/(90 × 365.25) = 3.04e-5).
 */
export const SAME_DOB_PROBABILITY = 1 / (90 * 365.25)

/** How many patients of the index hold any of `tokens` under `kind` (the most common value counts), or undefined. */
function tokenCount(index: PatientIndex, kind: MatchKeyKind, tokens: readonly string[] | undefined): number | undefined {
  if (!tokens || tokens.length === 0) return undefined
  let max = 0
  for (const t of tokens) max = Math.max(max, index.count ? index.count(kind, t) : index.lookup(kind, t).length)
  return max
}

/**
 * Expected number of other people in the area sharing a patient's full name and (exact) date of birth, estimated from
 * the index's own frequency tokens: share of the name = max(others with the full name / n, given share × family
 * share), the product covering names too rare to have been seen twice; times the area's population and the chance
 * of sharing a date of birth. Undefined when the index holds no given/family frequency tokens for the patient.
 */
export function expectedNamesakes(index: PatientIndex, id: string, policy?: MatchPolicy): number | undefined {
  const p = index.patient(id)
  const n = index.size
  if (!p || n === 0) return undefined
  const given = tokenCount(index, 'given_freq', p.tokens.given_freq)
  const family = tokenCount(index, 'family_freq', p.tokens.family_freq)
  if (given === undefined || family === undefined) return undefined
  const full = tokenCount(index, 'name_freq', p.tokens.name_freq) ?? 1
  const independent = (given / n) * (family / n)
  // The full name's own count overrides the product only when the given and family names go together more often than
  // chance would have them (a Muhammad Khan, a father and son of one name): when so many other patients hold the full
  // name that independence makes it unlikely (Poisson tail below CORRELATION_P). One other holder of a name whose
  // product predicts one in a few is chance; in a small index it would otherwise count as a share of 1 / n.
  const others = full - 1
  const correlated = others > 0 && poissonTail((n - 1) * independent, others) < CORRELATION_P
  const share = correlated ? Math.max(others / n, independent) : independent
  return (policy?.areaPopulation ?? DEFAULT_AREA_POPULATION) * share * SAME_DOB_PROBABILITY
}

/** Significance below which other holders of a full name show that its given and family names go together (§8.3). */
export const CORRELATION_P = 0.05

/** P(X >= k) for X ~ Poisson(mean). */
export function poissonTail(mean: number, k: number): number {
  let term = Math.exp(-mean)
  let below = 0
  for (let i = 0; i < k; i++) {
    below += term
    term *= mean / (i + 1)
  }
  return Math.max(0, 1 - below)
}

/** Agreement on a field implies agreement on the coarser fields derived from it. */
const IMPLIES: Partial<Record<KeyField, readonly KeyField[]>> = {
  given: ['given_canonical', 'given_initial', 'given_phonetic', 'given_typo', 'given_edits'],
  family: ['family_phonetic'],
  family_full: ['family'],
  dob: ['dob_unordered', 'birth_year'],
  dob_unordered: ['birth_year'],
  postcode: ['outward'],
}

/** The fields on which the candidate is known to agree with a patient, given the kinds whose tokens agree. */
export function evidenceFields(kinds: Iterable<MatchKeyKind>): Set<KeyField> {
  const out = new Set<KeyField>()
  const add = (f: KeyField): void => {
    if (out.has(f)) return
    out.add(f)
    for (const g of IMPLIES[f] ?? []) add(g)
  }
  for (const k of kinds) for (const f of KEY_FIELDS[k]) add(f)
  return out
}

function strictlyWeaker(a: ReadonlySet<KeyField>, b: ReadonlySet<KeyField>): boolean {
  if (a.size >= b.size) return false
  for (const f of a) if (!b.has(f)) return false
  return true
}

/**
 * Matches one candidate's tokens against the index.
 * 1. Walk MATCH_KEYS in order; the first key whose tokens point to any patient selects: one patient -> candidate,
 *    two or more -> 'ambiguous'.
 * 2. Veto: a valid NHS number on both sides that differs; or any other patient pointed to by any key unless the
 *    evidence for it is strictly weaker than for the candidate (a twin reached only through family + DOB + postcode
 *    is not evidence against an exact full-name match).
 * 3. Decide on the fields the agreeing keys cover. The given name must be confirmed (exact, or an unambiguous
 *    diminutive and its formal name); then NHS number, or DOB + sex + postcode, or family + day/month-unordered DOB +
 *    postcode, or family + DOB and a name so rare in the trust's own population that fewer than
 *    `maxExpectedStrangers` other people of the area are expected to share it and the date of birth.
 *    A given name that is not a known name and one edit from the patient's (typo_name_dob_sex) stands in for a
 *    confirmed one when family, DOB, sex and the postcode or NHS number agree.
 *    Anything else, including every match resting only on keys without the given name (initial, phonetic,
 *    family + DOB + sex + postcode), is 'weak_unconfirmed': such keys cannot tell twins apart.
 * Tokens of kinds outside MATCH_KEYS (e.g. name_freq) are ignored.
 */
/** Each match key with the token pairs it compares, in MATCH_KEYS order (made once, not per row). */
const COMPARISONS = MATCH_KEYS.map((kind) => [kind, keyComparisons(kind)] as const)

export function matchCandidate(tokens: TokenSet, index: PatientIndex, policy?: MatchPolicy): MatchOutcome {
  // Which kinds point to which patients, over every key.
  const agreeing = new Map<string, Set<MatchKeyKind>>()
  let selected: { id: string; key: MatchKeyKind } | null = null
  for (const [kind, comparisons] of COMPARISONS) {
    // Most rows of a county list point nowhere under most keys: no set is made until a lookup finds someone.
    let ids: Set<string> | undefined
    for (const [candKind, indexKind] of comparisons) {
      const list = tokens[candKind]
      if (!list) continue
      for (const t of list) {
        const found = index.lookup(indexKind, t)
        if (found.length === 0) continue
        ids ??= new Set()
        for (const id of found) ids.add(id)
      }
    }
    if (!ids) continue
    for (const id of ids) {
      let s = agreeing.get(id)
      if (!s) agreeing.set(id, (s = new Set()))
      s.add(kind)
    }
    if (selected === null && ids.size > 0) {
      if (ids.size > 1) return { patientId: null, key: kind, reason: 'ambiguous' }
      selected = { id: [...ids][0]!, key: kind }
    }
  }
  if (selected === null) return { patientId: null, key: null, reason: 'no_match' }
  const { id, key } = selected
  const vetoed: MatchOutcome = { patientId: null, key, reason: 'vetoed' }
  const unconfirmed: MatchOutcome = { patientId: null, key, reason: 'weak_unconfirmed' }

  const patient = index.patient(id)
  if (!patient) return { patientId: null, key, reason: 'no_match' }
  const candNhs = tokens.nhs ?? []
  const patNhs = patient.tokens.nhs ?? []
  if (candNhs.length > 0 && patNhs.length > 0 && !candNhs.some((t) => patNhs.includes(t))) return vetoed

  const f = evidenceFields(agreeing.get(id)!)
  // The candidate's own NHS number and confirmed given name name the patient: a twin at the candidate's address who
  // agrees on neither (a patient moved, the twin did not) is no evidence against them.
  const namedByNhs = f.has('nhs') && f.has('given_canonical')
  // The row's confirmed full name, DOB and sex name the patient, who is not at the row's address. Another patient who
  // shares family, DOB and that address but nothing of the given name is a twin at home (a family that moved, one
  // twin's record updated): no evidence against the patient. It is no evidence for them either (the row's twin could
  // as well have a same-day namesake elsewhere), so the rules below still decide.
  const namedAway = f.has('given_canonical') && f.has('family') && f.has('dob') && f.has('sex') && !f.has('postcode')
  for (const [other, kinds] of agreeing) {
    if (other === id) continue
    const g = evidenceFields(kinds)
    if (namedByNhs && !g.has('nhs') && !g.has('given_canonical')) continue
    if (namedAway && isTwinAtAddress(g)) continue
    if (!strictlyWeaker(g, f)) return vetoed
  }

  const givenConfirmed = f.has('given_canonical') // implied by an exact given name
  const matched: MatchOutcome = { patientId: id, key, reason: 'matched' }

  // Twins share family, DOB, sex and postcode, and often have similar names (Kate / Katie, Jon / John); a council
  // row may even carry the twin's NHS number. Only an exact or diminutive->formal given name tells them apart.
  if (!givenConfirmed) {
    // A given name one edit from the patient's that is not itself a known name (so a typo, never a twin's Jon for
    // John), with family, DOB and sex, and the address or the NHS number; or, moved, a name rare enough that no
    // namesake born the same day is expected even counting every name one edit away (the factor 2, §8.3).
    if (!(f.has('given_typo') && f.has('family') && f.has('dob') && f.has('sex'))) return unconfirmed
    if (f.has('postcode') || f.has('nhs')) return matched
    return rareEnough(index, id, policy, TYPO_NEIGHBOURHOOD_FACTOR) ? matched : unconfirmed
  }
  if (f.has('nhs')) return matched
  if (f.has('dob') && f.has('sex') && f.has('postcode')) return matched
  if (!f.has('family') || !f.has('dob_unordered')) return unconfirmed
  // Full name and address with day and month swapped. Birth year alone is not enough: the generator (and real
  // households) hold two people of one full name born months apart at one postcode.
  if (f.has('postcode')) return matched
  // Moved house (or no postcode): accept only a name rare enough that a namesake born the same day is implausible.
  // A day/month swap doubles the dates a namesake could have been born on. Moved within the postcode district
  // (name_dob_sex_out agrees): only the district's people could be look-alikes.
  if (f.has('outward') && f.has('dob') && f.has('sex')) {
    const share = policy?.districtShare ?? DEFAULT_DISTRICT_SHARE
    const local = policy?.localMoveShare ?? DEFAULT_LOCAL_MOVE_SHARE
    if (share > 0 && share <= 1 && local > 0 && local <= 1 && rareEnough(index, id, policy, share / local)) return matched
  }
  return rareEnough(index, id, policy, f.has('dob') ? 1 : 2) ? matched : unconfirmed
}

/**
 * Evidence of a patient who agrees with the row on family, DOB and postcode and on nothing of the given name, not even
 * its initial or sound (a row for Jack could carry John, his formal name and his twin's), nor the NHS number: a twin
 * living at the row's address (§8 step 3).
 */
function isTwinAtAddress(g: ReadonlySet<KeyField>): boolean {
  if (!g.has('family') || !g.has('dob') || !g.has('postcode') || g.has('nhs')) return false
  for (const field of g) if (field.startsWith('given')) return false
  return true
}

/**
 * How many times more look-alikes a mistyped given name admits than an exact one: the patient's namesakes, and as many
 * again for the other names within one edit that a stranger's mistyped name could have come from (§8.3).
 */
export const TYPO_NEIGHBOURHOOD_FACTOR = 2

/** The rare-name rule (§8.3): fewer than `maxExpectedStrangers` look-alikes expected, `factor` times the namesakes. */
function rareEnough(index: PatientIndex, id: string, policy: MatchPolicy | undefined, factor: number): boolean {
  const bound = policy?.maxExpectedStrangers ?? DEFAULT_MAX_EXPECTED_STRANGERS
  if (!(bound > 0)) return false
  const namesakes = expectedNamesakes(index, id, policy)
  return namesakes !== undefined && namesakes * factor < bound
}

/** True only for an unambiguous match to a non-restricted patient whose service is active. */
export function activeFlag(outcome: MatchOutcome, index: PatientIndex): boolean {
  if (outcome.reason !== 'matched' || outcome.patientId === null) return false
  const p = index.patient(outcome.patientId)
  return p !== undefined && !p.restricted && p.active
}
