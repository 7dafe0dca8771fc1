// The generator: households, the trust index, the council's candidate list and the ground truth linking them.
import { Rng, WeightedPicker } from './prng.js'
import { NhsAllocator, corruptCheckDigit } from './nhs-number.js'
import { femalePicker, malePicker, surnamePicker, NICKNAMES, ACCENTED, SIMILAR_TWIN_NAMES, TITLES, hasDiacritics, stripDiacritics } from './names.js'
import { randomAddress, randomInward, type District } from './places.js'
import { civilFromDays, daysFromCivil, isoDate, parseIsoDate, type Ymd } from './dates.js'
import {
  BAD_DOBS,
  formatDob,
  formatFlag,
  formatName,
  formatNhs,
  formatPostcode,
  formatSex,
  letterCount,
  missingPostcode,
  missingSex,
  typo,
} from './noise.js'
import { STRUCTURE, TIER_RATES, type NoiseTier, type TierRates } from './tiers.js'
import { MARKERS, MARKER_SEX } from './markers.js'
import type { CandidateRow, GenerateOptions, PatientRow, Population, Truth } from './types.js'

type Sex = 'M' | 'F'

interface Household {
  familyId: string
  postcode: string
  district: District | ''
  criteria: number
  members: Person[]
}

interface Person {
  given: string
  family: string
  sex: Sex
  /** date of birth as a day number (days since 1970-01-01) */
  dob: number
  adult: boolean
  nhs: string
  household: Household
  twin: Person | null
  /** a twin the council does not list (e.g. living elsewhere) */
  hidden: boolean
  listed: boolean
  forcedNonPatient: boolean
  /** index into the generator's patient arrays, or -1 */
  patientIdx: number
  /** moved + nickname/typo forced together (hard tier) */
  combo: boolean
  tags: string[]
}

/** Every label that can appear in Truth.noise. */
export const NOISE_KINDS = [
  'nhs_present',
  'moved',
  'nickname',
  'typo_given',
  'typo_family',
  'surname_change',
  'surname_partial',
  'dob_swap',
  'title',
  'diacritics_dropped',
  'diacritics_added',
  'postcode_blank',
  'postcode_zz99',
  'postcode_nfa',
  'nhs_wrong',
  'sex_missing',
  'combo',
  'twin',
  'twin_of_patient',
  'lookalike_stranger',
  'stranger_in_index',
  'household_of_patient',
  'invalid_dob',
  'low_criteria',
  'invalid_nhs',
  'hostile',
  'marker',
] as const

/** Family names that a spreadsheet would evaluate, or that need CSV quoting (hostileRows). */
export const HOSTILE_NAMES: readonly string[] = [
  '=SUM(1+1)',
  '=HYPERLINK("http://example.invalid/","click")',
  '@Smith',
  '+Jones',
  '-Brown',
  'Marie, Anne',
  'O"Neill',
]

const YEAR = 365.2425
const criteriaPicker = new WeightedPicker([2, 3, 4, 5, 6], [40, 30, 15, 10, 5])
const childCountPicker = new WeightedPicker([1, 2, 3, 4, 5], [30, 35, 20, 10, 5])
const generalSizePicker = new WeightedPicker([1, 2, 3, 4, 5], [30, 33, 15, 14, 8])

function givenPicker(sex: Sex): WeightedPicker<string> {
  return sex === 'M' ? malePicker : femalePicker
}

function requireShare(name: string, v: number | undefined, dflt: number): number {
  const x = v ?? dflt
  if (!Number.isFinite(x) || x < 0 || x > 1) throw new Error(`generatePopulation: ${name} must be a number between 0 and 1`)
  return x
}

function requireCount(name: string, v: number): number {
  if (!Number.isInteger(v) || v < 0) throw new Error(`generatePopulation: ${name} must be a non-negative integer`)
  return v
}

function pad(n: number, width: number): string {
  return String(n).padStart(width, '0')
}

/** Generator state shared by the stages below. */
class Gen {
  readonly asOfDay: number
  readonly nhs: NhsAllocator
  // Patient index arrays (pre-shuffle order).
  readonly rows: PatientRow[] = []
  readonly counts: Record<string, number> = {}
  /** ISO strings per day number, shared so a million patients do not hold a million date strings */
  private readonly isoCache: (string | undefined)[] = []

  constructor(
    readonly seed: number,
    asOf: Ymd,
    private readonly withRestricted: boolean,
  ) {
    this.asOfDay = daysFromCivil(asOf.y, asOf.m, asOf.d)
    this.nhs = new NhsAllocator(seed, MARKERS.map((m) => m.nhs_number))
  }

  count(key: string, by = 1): void {
    this.counts[key] = (this.counts[key] ?? 0) + by
  }

  /** A date of birth (day number) for someone aged between minAge and maxAge whole years on the as-of date. */
  dob(rng: Rng, minAge: number, maxAge: number): number {
    const lo = Math.max(1, Math.ceil(minAge * YEAR))
    const hi = Math.floor((maxAge + 1) * YEAR) - 1
    return this.asOfDay - rng.range(lo, hi)
  }

  ageOf(day: number): number {
    return (this.asOfDay - day) / YEAR
  }

  iso(day: number): string {
    const age = this.asOfDay - day // every generated birth date is before the as-of date
    let s = age >= 0 ? this.isoCache[age] : undefined
    if (s === undefined) {
      s = isoDate(civilFromDays(day))
      if (age >= 0) this.isoCache[age] = s
    }
    return s
  }

  addPatient(given: string, family: string, sex: Sex, dob: string, postcode: string, nhs: string): number {
    // Two literal shapes rather than deleting a property later, which would slow a million objects down.
    this.rows.push(
      this.withRestricted
        ? { patient_id: '', nhs_number: nhs, given_name: given, family_name: family, date_of_birth: dob, sex, postcode, active_service: '', restricted: '' }
        : { patient_id: '', nhs_number: nhs, given_name: given, family_name: family, date_of_birth: dob, sex, postcode, active_service: '' },
    )
    return this.rows.length - 1
  }
}

function newPerson(g: Gen, h: Household, given: string, family: string, sex: Sex, dob: number, adult: boolean): Person {
  const p: Person = {
    given,
    family,
    sex,
    dob,
    adult,
    nhs: g.nhs.next(),
    household: h,
    twin: null,
    hidden: false,
    listed: false,
    forcedNonPatient: false,
    patientIdx: -1,
    combo: false,
    tags: [],
  }
  h.members.push(p)
  return p
}

/** A given name not yet used in the household (`used` is a short array: households have at most 7 people). */
function distinctGiven(rng: Rng, sex: Sex, used: string[]): string {
  let name = givenPicker(sex).pick(rng)
  for (let i = 0; i < 20 && used.includes(name); i++) name = givenPicker(sex).pick(rng)
  used.push(name)
  return name
}

/** A family with children, as the council's programme sees them. */
function makeFamily(g: Gen, rng: Rng): Household {
  const family = surnamePicker.pick(rng)
  const addr = randomAddress(rng)
  const h: Household = { familyId: '', postcode: addr.postcode, district: addr.district, criteria: criteriaPicker.pick(rng), members: [] }
  const used: string[] = []
  const twoAdults = rng.chance(0.6)
  const sex1: Sex = twoAdults ? (rng.chance(0.5) ? 'F' : 'M') : rng.chance(0.85) ? 'F' : 'M'
  const dob1 = g.dob(rng, 19, 55)
  const age1 = Math.floor(g.ageOf(dob1))
  newPerson(g, h, distinctGiven(rng, sex1, used), family, sex1, dob1, true)
  let partnerFamily = family
  if (twoAdults) {
    const sex2: Sex = rng.chance(0.92) ? (sex1 === 'M' ? 'F' : 'M') : sex1
    partnerFamily = rng.chance(0.7) ? family : surnamePicker.pick(rng)
    const age2 = Math.min(65, Math.max(18, age1 + rng.range(-8, 8)))
    newPerson(g, h, distinctGiven(rng, sex2, used), partnerFamily, sex2, g.dob(rng, age2, age2), true)
  }
  const twins = rng.chance(STRUCTURE.twinHouseholdShare)
  const nChildren = twins ? Math.max(2, childCountPicker.pick(rng)) : childCountPicker.pick(rng)
  const maxChildAge = Math.max(0, Math.min(17, age1 - 17))
  const childFamily = (): string => {
    if (partnerFamily === family) return family
    const r = rng.float()
    if (r < 0.1 && !family.includes('-') && !partnerFamily.includes('-') && !family.includes(' ') && !partnerFamily.includes(' '))
      return `${family}-${partnerFamily}`
    return r < 0.15 ? partnerFamily : family
  }
  let i = 0
  if (twins) {
    const dob = g.dob(rng, 0, maxChildAge)
    const tf = childFamily()
    const sameSex = rng.chance(0.65)
    const sexA: Sex = rng.chance(0.5) ? 'M' : 'F'
    const sexB: Sex = sameSex ? sexA : sexA === 'M' ? 'F' : 'M'
    let nameA: string
    let nameB: string
    const similar = SIMILAR_TWIN_NAMES.filter((p) => (p.sexA === sexA && p.sexB === sexB) || (p.sexA === sexB && p.sexB === sexA))
    if (similar.length > 0 && rng.chance(STRUCTURE.similarTwinNamesShare)) {
      const p = rng.pick(similar)
      ;[nameA, nameB] = p.sexA === sexA ? [p.a, p.b] : [p.b, p.a]
      used.push(nameA, nameB)
      g.count('twinPairsSimilarNames')
    } else {
      nameA = distinctGiven(rng, sexA, used)
      nameB = distinctGiven(rng, sexB, used)
    }
    const a = newPerson(g, h, nameA, tf, sexA, dob, false)
    const b = newPerson(g, h, nameB, tf, sexB, dob, false)
    a.twin = b
    b.twin = a
    if (rng.chance(STRUCTURE.hiddenTwinShare)) (rng.chance(0.5) ? a : b).hidden = true
    g.count('twinPairs')
    i = 2
  }
  for (; i < nChildren; i++) {
    const sex: Sex = rng.chance(0.51) ? 'M' : 'F'
    newPerson(g, h, distinctGiven(rng, sex, used), childFamily(), sex, g.dob(rng, 0, maxChildAge), false)
  }
  return h
}

interface Lite {
  given: string
  family: string
  sex: Sex
  dob: number
}

/** A household of the general population (for the trust index beyond the candidates). */
function makeGeneralHousehold(g: Gen, rng: Rng): Lite[] {
  const family = surnamePicker.pick(rng)
  const size = generalSizePicker.pick(rng)
  const out: Lite[] = []
  const used: string[] = []
  const sex1: Sex = rng.chance(0.5) ? 'M' : 'F'
  if (size === 1) {
    out.push({ given: givenPicker(sex1).pick(rng), family, sex: sex1, dob: g.dob(rng, 18, 90) })
    return out
  }
  const withChildren = size >= 3 || rng.chance(0.2)
  const dob1 = withChildren ? g.dob(rng, 22, 60) : g.dob(rng, 18, 90)
  const age1 = Math.floor(g.ageOf(dob1))
  out.push({ given: distinctGiven(rng, sex1, used), family, sex: sex1, dob: dob1 })
  let adults = 1
  if (!withChildren || rng.chance(0.75)) {
    const sex2: Sex = rng.chance(0.92) ? (sex1 === 'M' ? 'F' : 'M') : sex1
    const age2 = Math.min(95, Math.max(18, age1 + rng.range(-8, 8)))
    out.push({ given: distinctGiven(rng, sex2, used), family: rng.chance(0.75) ? family : surnamePicker.pick(rng), sex: sex2, dob: g.dob(rng, age2, age2) })
    adults = 2
  }
  const maxChildAge = Math.max(0, Math.min(17, age1 - 17))
  let twinDob: number | null = null
  for (let i = adults; i < size; i++) {
    const sex: Sex = rng.chance(0.51) ? 'M' : 'F'
    if (i === adults && size - adults >= 2 && rng.chance(0.04)) twinDob = g.dob(rng, 0, maxChildAge)
    const dob = twinDob !== null && i <= adults + 1 ? twinDob : g.dob(rng, 0, maxChildAge)
    out.push({ given: distinctGiven(rng, sex, used), family, sex, dob })
  }
  if (twinDob !== null) g.count('indexTwinPairs')
  return out
}

function patientFromPerson(g: Gen, p: Person, postcode: string, family: string): number {
  const idx = g.addPatient(p.given, family, p.sex, g.iso(p.dob), postcode, p.nhs)
  p.patientIdx = idx
  return idx
}

/** Another canonical postcode, different from `pc`. */
/** Any other address in the area (a stranger's: namesakes live where the population does). */
function elsewhere(rng: Rng, pc: string): string {
  for (;;) {
    const next = randomAddress(rng).postcode
    if (next !== pc) return next
  }
}

/** Where a person moved from or to: in the same postcode district (STRUCTURE.localMoveShare of moves) or anywhere. */
function otherPostcode(rng: Rng, pc: string): string {
  const local = rng.chance(STRUCTURE.localMoveShare)
  for (;;) {
    const next = local ? pc.slice(0, pc.indexOf(' ')) + ' ' + randomInward(rng) : randomAddress(rng).postcode
    if (next !== pc) return next
  }
}

function otherSurname(rng: Rng, family: string, plain: boolean): string {
  for (;;) {
    const s = surnamePicker.pick(rng)
    if (s === family) continue
    if (plain && /[-' ]/.test(s)) continue
    return s
  }
}

function titleFor(p: Person, rng: Rng): string {
  const list = p.adult ? (p.sex === 'M' ? TITLES.adultM : TITLES.adultF) : p.sex === 'M' ? TITLES.childM : TITLES.childF
  const t = rng.pick(list)
  return rng.chance(0.2) ? t + '.' : t
}

/** Apply diacritic noise to one name; returns the new name. */
function diacritics(name: string, rates: TierRates, rng: Rng, noise: string[]): string {
  if (hasDiacritics(name)) {
    if (rng.chance(rates.diacriticsDropped)) {
      noise.push('diacritics_dropped')
      return stripDiacritics(name)
    }
  } else {
    const acc = ACCENTED[name]
    if (acc !== undefined && rng.chance(rates.diacriticsAdded)) {
      noise.push('diacritics_added')
      return acc
    }
  }
  return name
}

/** The council's row for a person: formatting in every tier, value errors in the noisy tiers. */
function candidateRow(g: Gen, p: Person, rates: TierRates, noisy: boolean, rng: Rng, noise: string[]): Omit<CandidateRow, 'ref'> {
  // Given name: nickname, diacritics, typo, title (in that order, each independent).
  let given = p.given
  const nicks = NICKNAMES[given]
  const forceNick = p.combo && nicks !== undefined
  if (nicks !== undefined && (forceNick || rng.chance(rates.nickname))) {
    given = rng.pick(nicks)
    noise.push('nickname')
  }
  given = diacritics(given, rates, rng, noise)
  const forceTypo = p.combo && !forceNick && letterCount(given) >= 3
  if (letterCount(given) >= 3 && (forceTypo || rng.chance(rates.typoGiven))) {
    given = typo(given, rng)
    noise.push('typo_given')
  }
  given = formatName(given, rng, noisy)
  if (rng.chance(rates.title)) {
    given = `${titleFor(p, rng)} ${given}`
    noise.push('title')
  }

  // Family name: one side of a double-barrelled name, diacritics, typo.
  let family = p.family
  if (rng.chance(rates.surnamePartial)) {
    if (family.includes('-')) family = rng.pick(family.split('-'))
    else {
      const other = otherSurname(rng, family, true)
      family = rng.chance(0.5) ? `${family}-${other}` : `${other}-${family}`
    }
    noise.push('surname_partial')
  }
  family = diacritics(family, rates, rng, noise)
  if (letterCount(family) >= 3 && rng.chance(rates.typoFamily)) {
    family = typo(family, rng)
    noise.push('typo_family')
  }
  family = formatName(family, rng, noisy)

  // Date of birth.
  let dob = civilFromDays(p.dob)
  if (dob.d <= 12 && dob.m <= 12 && dob.d !== dob.m && rng.chance(rates.dobSwap)) {
    dob = { y: dob.y, m: dob.d, d: dob.m }
    noise.push('dob_swap')
  }
  const date_of_birth = formatDob(dob, rng)

  // Sex.
  let sex: string
  if (rng.chance(rates.sexMissing)) {
    sex = missingSex(rng)
    noise.push('sex_missing')
  } else sex = formatSex(p.sex, rng, noisy)

  // Postcode.
  let postcode: string
  if (rng.chance(rates.postcodeMissing)) {
    const [v, kind] = missingPostcode(rng)
    postcode = v
    noise.push(kind)
  } else postcode = formatPostcode(p.household.postcode, rng)

  // NHS number.
  let nhs_number = ''
  if (rng.chance(rates.nhsPresent)) {
    noise.push('nhs_present')
    let nhs = p.nhs
    if (rng.chance(rates.nhsWrong)) {
      const others = p.household.members.filter((m) => m !== p)
      const children = others.filter((m) => !m.adult)
      const pool = p.adult && children.length > 0 ? children : others
      nhs = pool.length > 0 && rng.chance(0.7) ? rng.pick(pool).nhs : g.nhs.spare()
      noise.push('nhs_wrong')
    }
    nhs_number = formatNhs(nhs, rng)
  }

  const district = rng.chance(STRUCTURE.blankDistrict) ? '' : p.household.district
  return {
    nhs_number,
    given_name: given,
    family_name: family,
    date_of_birth,
    sex,
    postcode,
    criteria_met: String(p.household.criteria),
    district,
    family_id: p.household.familyId,
  }
}

/** Generate a deterministic synthetic population for a seed. See docs/synthetic-data.md. */
export function generatePopulation(opts: GenerateOptions): Population {
  const seed = opts.seed
  if (!Number.isInteger(seed)) throw new Error('generatePopulation: seed must be an integer')
  const nPatients = requireCount('patients', opts.patients)
  const nCandidates = requireCount('candidates', opts.candidates)
  const tier: NoiseTier = opts.tier
  const rates = TIER_RATES[tier]
  if (rates === undefined) throw new Error('generatePopulation: tier must be clean, realistic or hard')
  const patientShare = requireShare('patientShare', opts.patientShare, 0.3)
  const activeShare = requireShare('activeShare', opts.activeShare, 0.4)
  const asOfStr = opts.asOf ?? '2026-11-01'
  const asOf = parseIsoDate(asOfStr)
  if (asOf === null) throw new Error('generatePopulation: asOf must be an ISO date (YYYY-MM-DD)')
  const noisy = tier !== 'clean'
  const strangerScale = opts.strangerScale ?? rates.strangerScale
  if (!Number.isFinite(strangerScale) || strangerScale < 0) throw new Error('generatePopulation: strangerScale must be a non-negative number')

  const withRestricted = opts.restrictedColumn !== false
  const g = new Gen(seed, asOf, withRestricted)
  const rngH = new Rng(seed, 'households')
  const rngS = new Rng(seed, 'select')
  const rngR = new Rng(seed, 'relative')
  const rngN = new Rng(seed, 'noise')
  const rngX = new Rng(seed, 'strangers')
  const rngP = new Rng(seed, 'bulk')
  const rngF = new Rng(seed, 'flags')
  const rngI = new Rng(seed, 'invalid')

  const markerSlots = opts.markers ? Math.min(MARKERS.length, nCandidates) : 0
  const nListed = nCandidates - markerSlots
  let budget = nPatients - (markerSlots > 0 && nPatients > 0 ? 1 : 0)

  // 1. Candidate households, listed in order until the candidate count is reached.
  const listed: Person[] = []
  let families = 0
  while (listed.length < nListed) {
    const h = makeFamily(g, rngH)
    for (const m of h.members) {
      if (m.hidden || listed.length >= nListed) continue
      if (h.familyId === '') h.familyId = `FAM-${pad(++families, 6)}`
      m.listed = true
      listed.push(m)
    }
  }

  // 2. Which candidates are in the trust index: twin patterns first, then a random sample.
  const K = Math.min(Math.round(nListed * patientShare), budget)
  const forced: Person[] = []
  const seenTwin = new Set<Person>()
  for (const p of listed) {
    const t = p.twin
    if (t === null) continue
    p.tags.push('twin')
    seenTwin.add(p)
    if (t.hidden) p.forcedNonPatient = true
    else if (t.listed && !seenTwin.has(t) && rngS.chance(STRUCTURE.oneTwinPatientShare)) {
      const [yes, no] = rngS.chance(0.5) ? [p, t] : [t, p]
      forced.push(yes)
      no.forcedNonPatient = true
    }
  }
  const chosen = new Set<Person>(forced.slice(0, K))
  const pool = listed.filter((p) => !p.forcedNonPatient && !chosen.has(p))
  for (const i of rngS.sampleIndices(pool.length, K - chosen.size)) chosen.add(pool[i] as Person)
  for (const p of listed) {
    if (!chosen.has(p)) continue
    // Trust-side staleness: an older address, a previous surname; combos force moved + a given-name error.
    p.combo = rngR.chance(rates.combo)
    let postcode = p.household.postcode
    if (p.combo || rngR.chance(rates.moved)) {
      postcode = otherPostcode(rngR, postcode)
      p.tags.push('moved')
    }
    if (p.combo) p.tags.push('combo')
    let family = p.family
    if (p.adult && p.sex === 'F' && rngR.chance(rates.surnameChange)) {
      family = otherSurname(rngR, family, false)
      p.tags.push('surname_change')
    }
    patientFromPerson(g, p, postcode, family)
    budget--
  }
  g.count('candidatePatients', chosen.size)

  // 3. Twins of candidates who are in the index but not on the council's list.
  for (const p of listed) {
    const t = p.twin
    if (t === null) continue
    if (t.hidden && budget > 0) {
      patientFromPerson(g, t, t.household.postcode, t.family)
      budget--
      g.count('hiddenTwinPatients')
    }
    if (p.patientIdx < 0 && t.patientIdx >= 0) p.tags.push('twin_of_patient')
  }

  // 4. Same-name-same-DOB strangers in the index (different address and NHS number), in proportion to how common the
  // person's full name is: the expected number of namesakes born the same day in the area (docs/synthetic-data.md).
  for (const p of listed) {
    if (budget <= 0) break
    const nameShare = 0.5 * givenPicker(p.sex).share(p.given) * surnamePicker.share(p.family)
    const rate = Math.min(1, strangerScale * STRUCTURE.areaPopulation * nameShare * STRUCTURE.sameDobProbability)
    if (!rngX.chance(rate)) continue
    g.addPatient(p.given, p.family, p.sex, g.iso(p.dob), elsewhere(rngX, p.household.postcode), g.nhs.next())
    budget--
    p.tags.push(p.patientIdx >= 0 ? 'stranger_in_index' : 'lookalike_stranger')
    g.count('strangers')
  }

  // 5. Household members of patients.
  for (const p of listed) {
    if (p.patientIdx < 0 && p.household.members.some((m) => m !== p && m.patientIdx >= 0)) p.tags.push('household_of_patient')
  }

  // 6. Council rows (noise is applied to every candidate, patient or not).
  const candidates: CandidateRow[] = []
  const noiseOf: string[][] = []
  for (const p of listed) {
    const noise = [...p.tags]
    const row = candidateRow(g, p, rates, noisy, rngN, noise)
    candidates.push({ ref: '', ...row })
    noiseOf.push(noise)
  }
  const owner: (Person | null)[] = listed.slice()

  // 7. Markers (after the list so they do not shift anyone else's values).
  let markerPatientIdx = -1
  if (markerSlots > 0) {
    const famA = `FAM-${pad(++families, 6)}`
    const famB = `FAM-${pad(++families, 6)}`
    for (let i = 0; i < markerSlots; i++) {
      const m = MARKERS[i] as (typeof MARKERS)[number]
      const sex = MARKER_SEX[i] as Sex
      if (i === 0 && nPatients > 0) {
        markerPatientIdx = g.addPatient(m.given_name, m.family_name, sex, m.date_of_birth, m.postcode, m.nhs_number)
      }
      candidates.push({
        ref: '',
        nhs_number: m.nhs_number,
        given_name: m.given_name,
        family_name: m.family_name,
        date_of_birth: m.date_of_birth,
        sex,
        postcode: m.postcode,
        criteria_met: '3',
        district: 'Stafford',
        family_id: m.family_name === 'Quaxworth' ? famA : famB,
      })
      noiseOf.push(['marker'])
      owner.push(null)
    }
  }

  // 8. The rest of the trust index: general-population households, about half of each household a patient.
  let remaining = nPatients - g.rows.length
  while (remaining > 0) {
    const members = makeGeneralHousehold(g, rngP)
    const addr = randomAddress(rngP)
    let took = 0
    for (let i = 0; i < members.length && remaining > 0; i++) {
      const m = members[i] as Lite
      if (!rngP.chance(0.5) && !(took === 0 && i === members.length - 1)) continue
      g.addPatient(m.given, m.family, m.sex, g.iso(m.dob), addr.postcode, g.nhs.next())
      took++
      remaining--
    }
  }

  // 9. Flags, then shuffle the index so file order reveals nothing, and assign ids.
  const restrictedShare = withRestricted ? STRUCTURE.restrictedShare : 0
  const nRows = g.rows.length
  const active = new Uint8Array(nRows)
  const restricted = new Uint8Array(nRows)
  for (let i = 0; i < nRows; i++) {
    const a = i === markerPatientIdx ? true : rngF.chance(activeShare)
    const r = i === markerPatientIdx ? false : rngF.chance(restrictedShare)
    active[i] = a ? 1 : 0
    restricted[i] = r ? 1 : 0
    const row = g.rows[i] as PatientRow
    row.active_service = formatFlag(a, rngF, noisy)
    if (withRestricted) row.restricted = formatFlag(r, rngF, noisy)
  }
  const order = new Uint32Array(nRows)
  for (let i = 0; i < nRows; i++) order[i] = i
  rngF.shuffle(order)
  const position = new Uint32Array(nRows)
  for (let pos = 0; pos < nRows; pos++) position[order[pos] as number] = pos
  const idWidth = Math.max(7, String(nRows).length)
  // Write ids in generation order (sequential memory), then gather rows in shuffled order.
  for (let i = 0; i < nRows; i++) (g.rows[i] as PatientRow).patient_id = 'P' + pad((position[i] as number) + 1, idWidth)
  const patients: PatientRow[] = [] // push, not new Array(n): a large preallocated array is slow dictionary-mode
  for (let pos = 0; pos < nRows; pos++) patients.push(g.rows[order[pos] as number] as PatientRow)

  // 10. Invalid rows (never markers), refs and truth.
  const invalid = new Map<number, 'invalid_dob' | 'low_criteria' | 'invalid_nhs'>()
  if (opts.invalidRows) {
    const each = Math.max(1, Math.round(STRUCTURE.invalidRowRate * nListed))
    const picks = rngI.sampleIndices(nListed, 3 * each)
    picks.forEach((idx, j) => invalid.set(idx, j < each ? 'invalid_dob' : j < 2 * each ? 'low_criteria' : 'invalid_nhs'))
  }
  const hostile = new Map<number, string>()
  if (opts.hostileRows) {
    const pool: number[] = []
    for (let i = 0; i < nListed; i++) if (!invalid.has(i) && (listed[i] as Person).patientIdx < 0) pool.push(i)
    const n = Math.min(HOSTILE_NAMES.length, Math.max(1, Math.round(STRUCTURE.hostileRowRate * nListed)))
    rngI.sampleIndices(pool.length, n).forEach((j, k) => hostile.set(pool[j] as number, HOSTILE_NAMES[k] as string))
  }
  const refWidth = Math.max(6, String(candidates.length).length)
  const truth: Truth[] = candidates.map((row, i) => {
    row.ref = `BRFC-${pad(i + 1, refWidth)}`
    let noise = noiseOf[i] as string[]
    const kind = invalid.get(i)
    if (kind === 'invalid_dob') {
      row.date_of_birth = rngI.pick(BAD_DOBS)
      noise = noise.filter((n) => n !== 'dob_swap')
    } else if (kind === 'low_criteria') {
      row.criteria_met = String(rngI.int(2))
    } else if (kind === 'invalid_nhs') {
      const p = owner[i] as Person
      const r = rngI.float()
      row.nhs_number = r < 0.6 ? corruptCheckDigit(p.nhs) : r < 0.8 ? p.nhs.slice(0, 9) : p.nhs.slice(0, 9) + 'X'
      noise = noise.filter((n) => n !== 'nhs_wrong' && n !== 'nhs_present')
    }
    if (kind !== undefined) noise.push(kind)
    const hostileName = hostile.get(i)
    if (hostileName !== undefined) {
      row.family_name = hostileName
      noise = noise.filter((n) => n !== 'typo_family' && n !== 'surname_partial' && n !== 'diacritics_dropped' && n !== 'diacritics_added')
      noise.push('hostile')
    }
    const p = owner[i]
    const idx = p ? p.patientIdx : i === listed.length ? markerPatientIdx : -1
    const sent = kind !== 'invalid_dob' && kind !== 'low_criteria'
    const patientId = idx >= 0 ? (g.rows[idx] as PatientRow).patient_id : null
    return {
      ref: row.ref,
      patientId,
      expectedActive: idx >= 0 && sent && active[idx] === 1 && restricted[idx] === 0,
      sent,
      noise,
    }
  })

  const params: Record<string, unknown> = {
    seed,
    patients: nPatients,
    candidates: nCandidates,
    tier,
    patientShare,
    activeShare,
    restrictedShare,
    strangerScale,
    invalidRows: opts.invalidRows === true,
    hostileRows: opts.hostileRows === true,
    restrictedColumn: withRestricted,
    markers: opts.markers === true,
    asOf: asOfStr,
    rates: { ...rates },
    structure: { ...STRUCTURE },
    counts: { ...g.counts, candidateFamilies: families, indexedPatients: patients.length },
  }
  return { patients, candidates, truth, params }
}
