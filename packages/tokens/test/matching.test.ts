import { describe, expect, it } from 'vitest'
import {
  INDEX_TOKEN_KINDS,
  activeFlag,
  DEFAULT_AREA_POPULATION,
  DEFAULT_MAX_EXPECTED_STRANGERS,
  SAME_DOB_PROBABILITY,
  buildMemoryIndex,
  createTokeniser,
  expectedNamesakes,
  matchCandidate,
  normalisePerson,
  type IndexedPatient,
  type MatchOutcome,
  type MatchPolicy,
  type PatientIndex,
  type RawPerson,
} from '../src/index.js'
import { CORRELATION_P, DEFAULT_LOCAL_MOVE_SHARE, TYPO_NEIGHBOURHOOD_FACTOR, poissonTail } from '../src/matching.js'

const KEY = new Uint8Array(32).map((_, i) => i + 1)
const council = createTokeniser(KEY)
const sidecar = createTokeniser(KEY, { kinds: INDEX_TOKEN_KINDS })
const TODAY = new Date('2026-11-25T00:00:00Z')

function person(raw: RawPerson) {
  const { person, issues } = normalisePerson(raw, { today: TODAY })
  expect(issues.filter((i) => i.severity === 'error')).toEqual([])
  return person
}

interface P extends RawPerson {
  id: string
  active?: boolean
  restricted?: boolean
}

function index(patients: P[]): PatientIndex {
  return buildMemoryIndex(
    patients.map(
      ({ id, active = true, restricted = false, ...raw }): IndexedPatient => ({ id, tokens: sidecar.tokens(person(raw)), active, restricted }),
    ),
  )
}

function match(candidate: RawPerson, idx: PatientIndex, policy?: MatchPolicy): MatchOutcome {
  return matchCandidate(council.tokens(person(candidate)), idx, policy)
}

const JOHN: P = { id: 'p-john', nhs_number: '9434765919', given_name: 'John', family_name: 'Smith', date_of_birth: '2010-05-14', sex: 'M', postcode: 'ST4 7AB' }
const TWIN_JACK: P = { id: 'p-jack', nhs_number: '4010232137', given_name: 'Jack', family_name: 'Smith', date_of_birth: '2010-05-14', sex: 'M', postcode: 'ST4 7AB' }
const STRANGER: P = { id: 'p-other', given_name: 'Amira', family_name: 'Khan', date_of_birth: '1984-02-29', sex: 'F', postcode: 'ST16 2AB' }

describe('matching: the happy paths', () => {
  it('matches an exact record on the most specific key', () => {
    const idx = index([JOHN, STRANGER])
    expect(match({ ...JOHN, nhs_number: null }, idx)).toEqual({ patientId: 'p-john', key: 'name_dob_sex_pc', reason: 'matched' })
  })
  it('matches on the NHS number when the name is confirmed', () => {
    const idx = index([JOHN, STRANGER])
    expect(match(JOHN, idx)).toEqual({ patientId: 'p-john', key: 'nhs', reason: 'matched' })
  })
  it('matches despite formatting differences on every field', () => {
    const idx = index([JOHN])
    const out = match({ nhs_number: '943-476-5919', given_name: ' MR john ', family_name: 'SMITH', date_of_birth: '14.05.2010', sex: '1', postcode: 'st47ab' }, idx)
    expect(out).toEqual({ patientId: 'p-john', key: 'nhs', reason: 'matched' })
  })
  it('does not match a diminutive of two formal names of the same sex (Steve: Stephen or Steven)', () => {
    const idx = index([{ id: 's', given_name: 'Stephen', family_name: 'Jones', date_of_birth: '1975-01-02', sex: 'M', postcode: 'WS13 6QA' }])
    const out = match({ given_name: 'Steve', family_name: 'Jones', date_of_birth: '02/01/1975', sex: 'M', postcode: 'WS13 6QA' }, idx)
    expect(out.reason).toBe('weak_unconfirmed')
  })
  it('matches a gender-ambiguous diminutive to the formal name of the right sex only', () => {
    const alexandra: P = { id: 'f', given_name: 'Alexandra', family_name: 'Jones', date_of_birth: '1975-01-02', sex: 'F', postcode: 'WS13 6QA' }
    const alexander: P = { ...alexandra, id: 'm', given_name: 'Alexander', sex: 'M' }
    expect(match({ ...alexandra, given_name: 'Alex' }, index([alexandra, alexander]))).toEqual({ patientId: 'f', key: 'canon_name_dob_sex', reason: 'matched' })
    expect(match({ ...alexander, given_name: 'Alex' }, index([alexandra, alexander]))).toEqual({ patientId: 'm', key: 'canon_name_dob_sex', reason: 'matched' })
  })
  it('matches a diminutive to its formal name (Bill -> William) at the same address', () => {
    const idx = index([{ id: 'w', given_name: 'William', family_name: 'Jones', date_of_birth: '1975-01-02', sex: 'M', postcode: 'WS13 6QA' }])
    const out = match({ given_name: 'Bill', family_name: 'Jones', date_of_birth: '02/01/1975', sex: 'M', postcode: 'WS13 6QA' }, idx)
    expect(out).toEqual({ patientId: 'w', key: 'canon_name_dob_sex', reason: 'matched' })
  })
  it('matches a formal name to a diminutive held by the trust (William -> Bill)', () => {
    const idx = index([{ id: 'b', given_name: 'Bill', family_name: 'Jones', date_of_birth: '1975-01-02', sex: 'M', postcode: 'WS13 6QA' }])
    const out = match({ given_name: 'William', family_name: 'Jones', date_of_birth: '1975-01-02', sex: 'M', postcode: 'WS13 6QA' }, idx)
    expect(out).toEqual({ patientId: 'b', key: 'canon_name_dob_sex', reason: 'matched' })
  })
  it('matches after a surname change at the same address', () => {
    const idx = index([{ id: 's', given_name: 'Rachel', family_name: 'Green', date_of_birth: '1990-07-21', sex: 'F', postcode: 'ST5 1AA' }])
    const out = match({ given_name: 'Rachel', family_name: 'Geller', date_of_birth: '1990-07-21', sex: 'F', postcode: 'ST5 1AA' }, idx)
    expect(out).toEqual({ patientId: 's', key: 'given_dob_sex_pc', reason: 'matched' })
  })
  it('matches one part of a double-barrelled surname', () => {
    const idx = index([{ id: 'd', given_name: 'Ella', family_name: 'Smith-Jones', date_of_birth: '2008-03-01', sex: 'F', postcode: 'ST5 1AA' }])
    expect(match({ given_name: 'Ella', family_name: 'Jones', date_of_birth: '2008-03-01', sex: 'F', postcode: 'ST5 1AA' }, idx).reason).toBe('matched')
  })
  it('does not match on full name, birth year and postcode alone (two namesakes born months apart at one address)', () => {
    const idx = index([{ id: 'x', given_name: 'Jack', family_name: 'Van der Berg', date_of_birth: '2026-07-24', sex: 'M', postcode: 'ST5 0YJ' }])
    const out = match({ given_name: 'Jack', family_name: 'VAN DER BERG', date_of_birth: '14/03/2026', sex: '1', postcode: 'ST5 0YJ' }, idx)
    expect(out).toEqual({ patientId: null, key: 'name_year_pc', reason: 'weak_unconfirmed' })
  })
  it('matches a day/month swap when the postcode also agrees', () => {
    const idx = index([{ id: 'x', given_name: 'Priya', family_name: 'Patel', date_of_birth: '2001-03-07', sex: 'F', postcode: 'DE13 0AA' }])
    const out = match({ given_name: 'Priya', family_name: 'Patel', date_of_birth: '2001-07-03', sex: 'F', postcode: 'DE13 0AA' }, idx)
    expect(out).toEqual({ patientId: 'x', key: 'name_dob_swapped', reason: 'matched' })
  })
  it('matches a given-name typo of a three-letter name at home (v2: one-deletion variants from three letters)', () => {
    const ava: P = { id: 'a', given_name: 'Ava', family_name: 'Brindley', date_of_birth: '2012-06-01', sex: 'F', postcode: 'WS11 4HE' }
    const idx = index([ava, STRANGER])
    expect(match({ ...ava, given_name: 'Avva' }, idx)).toEqual({ patientId: 'a', key: 'typo_name_dob_sex', reason: 'matched' })
    expect(match({ ...ava, given_name: 'Avq' }, idx)).toEqual({ patientId: 'a', key: 'typo_name_dob_sex', reason: 'matched' })
    // Aav is one edit from Ava and from Ada: twins' names, so it confirms neither
    expect(match({ ...ava, given_name: 'Aav' }, idx).patientId).toBeNull()
  })
  it('never takes a typo that could have come from either of two twins names for one of them (Aidan, Aiden; v2)', () => {
    const aiden: P = { id: 'aiden', given_name: 'Aiden', family_name: 'Heathham', date_of_birth: '2024-09-28', sex: 'M', postcode: 'WV8 7ED' }
    const idx = index([aiden])
    // the other twin, Aidan, not a patient, his name mistyped (a letter swap): at the same address, moved, or with the twin's NHS number
    expect(match({ ...aiden, given_name: 'Aiadn' }, idx).patientId).toBeNull()
    expect(match({ ...aiden, given_name: 'Aiadn', postcode: 'ST8 9BH' }, idx).patientId).toBeNull()
    expect(match({ ...aiden, given_name: 'Aiadn', nhs_number: '9571956953' }, index([{ ...aiden, nhs_number: '9571956953' }])).patientId).toBeNull()
    // a typo one edit from Aiden alone still matches him
    expect(match({ ...aiden, given_name: 'Aidem' }, idx)).toEqual({ patientId: 'aiden', key: 'typo_name_dob_sex', reason: 'matched' })
  })
  it('takes a doubled letter that happens to split into two rare list names for a typo, not a compound name (v2)', () => {
    const natalie: P = { id: 'n', given_name: 'Natalie', family_name: 'Penwick', date_of_birth: '1988-01-20', sex: 'F', postcode: 'B78 3UQ' }
    const idx = index([natalie])
    expect(match({ ...natalie, given_name: 'Nataalie' }, idx)).toEqual({ patientId: 'n', key: 'typo_name_dob_sex', reason: 'matched' })
  })
  it('matches a council record folded to ASCII with the trust one (Michal, Michał; v2)', () => {
    const michal: P = { id: 'm', given_name: 'Michał', family_name: 'Kozłowski', date_of_birth: '1979-11-02', sex: 'M', postcode: 'ST4 2AA' }
    const idx = index([michal])
    expect(match({ ...michal, given_name: 'Michal', family_name: 'Kozlowski' }, idx)).toEqual({ patientId: 'm', key: 'name_dob_sex_pc', reason: 'matched' })
  })
  it('answers no_match when nothing points anywhere', () => {
    const idx = index([JOHN])
    expect(match(STRANGER, idx)).toEqual({ patientId: null, key: null, reason: 'no_match' })
  })
})

describe('matching: weak keys and name frequency', () => {
  const moved = { given_name: 'Oluwaseun', family_name: 'Adebayo-Quist', date_of_birth: '1999-09-09', sex: 'M', postcode: 'ST1 1AA' }
  // A trust population of 3,000 in which each of 50 given names and 60 family names recurs: frequencies mean something.
  const GIVEN = Array.from({ length: 50 }, (_, i) => `Given${String.fromCharCode(65 + (i % 26))}${String.fromCharCode(65 + Math.floor(i / 26))}`)
  const FAMILY = Array.from({ length: 60 }, (_, i) => `Family${String.fromCharCode(65 + (i % 26))}${String.fromCharCode(65 + Math.floor(i / 26))}`)
  const filler: P[] = Array.from({ length: 3000 }, (_, i) => ({
    id: `f${i}`,
    given_name: GIVEN[i % 50]!,
    family_name: FAMILY[Math.floor(i / 50)]!,
    date_of_birth: `${1940 + (i % 60)}-0${1 + (i % 9)}-1${i % 10}`,
    sex: 'M',
    postcode: 'ST5 5EE',
  }))
  let fillerIndexed: IndexedPatient[] | undefined
  const withFiller = (...extra: P[]): PatientIndex => {
    fillerIndexed ??= filler.map(({ id, active: _a, restricted: _r, ...raw }) => ({ id, tokens: sidecar.tokens(person(raw)), active: true, restricted: false }))
    return buildMemoryIndex([
      ...fillerIndexed,
      ...extra.map(({ id, active = true, restricted = false, ...raw }): IndexedPatient => ({ id, tokens: sidecar.tokens(person(raw)), active, restricted })),
    ])
  }
  const common = { given_name: GIVEN[0]!, family_name: FAMILY[0]!, date_of_birth: '2001-02-03', sex: 'M', postcode: 'ST1 1AA' }

  it('accepts a moved person (no postcode or NHS agreement) whose name is rare in the trust population', () => {
    const idx = withFiller({ id: 'r', ...moved, postcode: 'ST2 2BB' })
    expect(match(moved, idx)).toEqual({ patientId: 'r', key: 'name_dob_sex', reason: 'matched' })
  })
  it('refuses a moved person whose given and family names are each common, though the full name is unique in the index', () => {
    const idx = withFiller({ id: 'c', ...common, postcode: 'ST2 2BB' })
    expect(match(common, idx)).toEqual({ patientId: null, key: 'name_dob_sex', reason: 'weak_unconfirmed' })
  })
  it('refuses a moved person whose rare given and family names recur together in the index (correlated names)', () => {
    const namesakes: P[] = [1, 2, 3].map((i) => ({ id: `n${i}`, ...moved, date_of_birth: `196${i}-05-05`, postcode: 'ST3 3CC' }))
    const idx = withFiller(...namesakes, { id: 'r', ...moved, postcode: 'ST2 2BB' })
    expect(match(moved, idx)).toEqual({ patientId: null, key: 'name_dob_sex', reason: 'weak_unconfirmed' })
  })
  it('accepts a mistyped given name (not a known name) of a moved person whose name is rare in the trust population', () => {
    const idx = withFiller({ id: 'r', ...moved, postcode: 'ST2 2BB' })
    expect(match({ ...moved, given_name: 'Oluwasuen' }, idx)).toEqual({ patientId: 'r', key: 'typo_name_dob_sex', reason: 'matched' })
  })
  it('refuses a mistyped given name of a moved person whose given and family names are each common', () => {
    const idx = withFiller({ id: 'c', ...common, postcode: 'ST2 2BB' })
    expect(match({ ...common, given_name: 'GievnAA' }, idx)).toEqual({ patientId: null, key: 'typo_name_dob_sex', reason: 'weak_unconfirmed' })
  })
  it('asks twice the rarity of a mistyped name as of an exact one (its one-edit neighbourhood)', () => {
    const idx = withFiller({ id: 'r', ...moved, postcode: 'ST2 2BB' })
    // An area in which 0.75 x the bound of namesakes born the same day are expected: enough for the exact name only.
    const areaPopulation = (DEFAULT_AREA_POPULATION * 0.75 * DEFAULT_MAX_EXPECTED_STRANGERS) / expectedNamesakes(idx, 'r')!
    expect(match(moved, idx, { areaPopulation }).reason).toBe('matched')
    expect(match({ ...moved, given_name: 'Oluwasuen' }, idx, { areaPopulation }).reason).toBe('weak_unconfirmed')
    expect(TYPO_NEIGHBOURHOOD_FACTOR).toBe(2)
  })
  it('counts one other holder of a full name as chance when the given and family names are common enough to meet', () => {
    // GivenAA is held by 62 patients, Quaxworth by 5; two of them are both: about 0.1 expected by chance (p ~ 0.1).
    const quax: P[] = [1, 2, 3, 4].map((i) => ({ id: `q${i}`, given_name: i === 1 ? GIVEN[0]! : GIVEN[i]!, family_name: 'Quaxworth', date_of_birth: `197${i}-05-05`, sex: 'M', postcode: 'ST3 3CC' }))
    const idx = withFiller(...quax, { id: 'r', ...common, family_name: 'Quaxworth', postcode: 'ST2 2BB' })
    const n = 3005
    expect(poissonTail(((n - 1) * 62 * 5) / n / n, 1)).toBeGreaterThan(CORRELATION_P)
    expect(expectedNamesakes(idx, 'r')).toBeCloseTo(DEFAULT_AREA_POPULATION * (62 / n) * (5 / n) * SAME_DOB_PROBABILITY, 12)
  })
  it('accepts a moved person with a common name who stayed in the postcode district, as the district share allows (v2)', () => {
    const idx = withFiller({ id: 'c', ...common, postcode: 'ST1 9ZZ' })
    const lambda = expectedNamesakes(idx, 'c')!
    expect(lambda).toBeGreaterThan(DEFAULT_MAX_EXPECTED_STRANGERS)
    // look-alikes expected in the district (λ × share) must be rarer than the people who moved within it (× 1 / localMoveShare)
    const fits = (0.5 * DEFAULT_MAX_EXPECTED_STRANGERS * DEFAULT_LOCAL_MOVE_SHARE) / lambda
    expect(match(common, idx, { districtShare: fits })).toEqual({ patientId: 'c', key: 'name_dob_sex_out', reason: 'matched' })
    expect(match(common, idx, { districtShare: 2 * fits })).toEqual({ patientId: null, key: 'name_dob_sex_out', reason: 'weak_unconfirmed' })
    expect(match(common, idx, { districtShare: fits, localMoveShare: DEFAULT_LOCAL_MOVE_SHARE / 4 }).reason).toBe('weak_unconfirmed')
    // no share, or a nonsense one, turns the district path off
    expect(match(common, idx, { districtShare: 0 }).reason).toBe('weak_unconfirmed')
    expect(match(common, idx, { districtShare: 2 }).reason).toBe('weak_unconfirmed')
  })
  it('does not use the district path when the person moved to another district', () => {
    const idx = withFiller({ id: 'c', ...common, postcode: 'ST2 2BB' })
    const fits = (0.5 * DEFAULT_MAX_EXPECTED_STRANGERS * DEFAULT_LOCAL_MOVE_SHARE) / expectedNamesakes(idx, 'c')!
    expect(match(common, idx, { districtShare: fits })).toEqual({ patientId: null, key: 'name_dob_sex', reason: 'weak_unconfirmed' })
  })
  it("leaves a moved twin named in full to the rare-name rule when the other twin lives at the row's address", () => {
    // The trust holds r at an old address and r's twin t at the row's. t agrees on nothing of the given name: no
    // evidence against r (a family that moved, one record updated), and none for r either.
    const twin: P = { id: 't', ...moved, given_name: 'Quentin', postcode: 'ST1 1AA' }
    expect(match(moved, withFiller({ id: 'r', ...moved, postcode: 'ST2 2BB' }, twin))).toEqual({ patientId: 'r', key: 'name_dob_sex', reason: 'matched' })
    const commonTwin: P = { ...twin, ...common, given_name: 'Quentin' }
    expect(match(common, withFiller({ id: 'c', ...common, postcode: 'ST2 2BB' }, commonTwin))).toEqual({ patientId: null, key: 'name_dob_sex', reason: 'weak_unconfirmed' })
    // moved within the district: the district rule decides, as without the twin
    const idx = withFiller({ id: 'c', ...common, postcode: 'ST1 9ZZ' }, commonTwin)
    const fits = (0.5 * DEFAULT_MAX_EXPECTED_STRANGERS * DEFAULT_LOCAL_MOVE_SHARE) / expectedNamesakes(idx, 'c')!
    expect(match(common, idx, { districtShare: fits })).toEqual({ patientId: 'c', key: 'name_dob_sex_out', reason: 'matched' })
    expect(match(common, idx, { districtShare: 2 * fits }).reason).toBe('weak_unconfirmed')
    // t, at home under its own name, is matched to t
    expect(match({ ...moved, given_name: 'Quentin' }, withFiller({ id: 'r', ...moved, postcode: 'ST2 2BB' }, twin)).patientId).toBe('t')
    // a twin of the same initial still vetoes (John and Jack: 'still vetoes the moved twin without the NHS number')
    expect(match(moved, withFiller({ id: 'r', ...moved, postcode: 'ST2 2BB' }, { ...twin, given_name: 'Oliver' })).reason).toBe('vetoed')
  })
  it("still lets a twin at the row's address veto when it agrees on any part of the given name", () => {
    // William's twin recorded as Bill: Bill's formal-name token agrees with the row's William (given_canonical).
    const william = { given_name: 'William', family_name: 'Smith', date_of_birth: '2012-03-04', sex: 'M', postcode: 'ST1 1AA' }
    const idx = withFiller({ id: 'w', ...william, postcode: 'ST2 2BB' }, { id: 'b', ...william, given_name: 'Bill' })
    expect(match(william, idx)).toEqual({ patientId: null, key: 'name_dob_sex', reason: 'vetoed' })
    // a twin with the row's NHS number vetoes as before
    const withNhs = withFiller({ id: 'r', ...moved, postcode: 'ST2 2BB' }, { id: 't', ...moved, given_name: 'Quentin', nhs_number: '9434765919' })
    expect(match({ ...moved, nhs_number: '9434765919' }, withNhs).reason).toBe('vetoed')
  })
  it("is not changed by a sibling at the row's address born another day", () => {
    // a patient at the address who agrees on family and postcode only is not pointed to by any key: nothing changes
    const sibling: P = { id: 's', ...moved, given_name: 'Quentin', date_of_birth: '2003-02-03', postcode: 'ST1 1AA' }
    expect(match(moved, withFiller({ id: 'r', ...moved, postcode: 'ST2 2BB' }, sibling))).toEqual({ patientId: 'r', key: 'name_dob_sex', reason: 'matched' })
  })
  it('computes the Poisson tail', () => {
    expect(poissonTail(0.5, 0)).toBe(1)
    expect(poissonTail(0.5, 1)).toBeCloseTo(1 - Math.exp(-0.5), 12)
    expect(poissonTail(2, 3)).toBeCloseTo(1 - Math.exp(-2) * (1 + 2 + 2), 12)
  })
  it('refuses a moved person with a rare name when the rule is turned off', () => {
    const idx = withFiller({ id: 'r', ...moved, postcode: 'ST2 2BB' })
    expect(match(moved, idx, { maxExpectedStrangers: 0 })).toEqual({ patientId: null, key: 'name_dob_sex', reason: 'weak_unconfirmed' })
  })
  it('estimates namesakes born the same day in proportion to the area population and the name shares', () => {
    const idx = withFiller({ id: 'r', ...moved, postcode: 'ST2 2BB' }, { id: 'c', ...common, postcode: 'ST2 2BB' })
    const n = 3002
    const area = 1_000_000
    // common's given name is held by 60 filler patients and itself, its family name by 50 and itself.
    const givenCount = 61
    const familyCount = 51
    expect(expectedNamesakes(idx, 'c', { areaPopulation: area })).toBeCloseTo(area * (givenCount / n) * (familyCount / n) * SAME_DOB_PROBABILITY, 12)
    expect(expectedNamesakes(idx, 'r', { areaPopulation: area })).toBeCloseTo(area * (1 / n) * (1 / n) * SAME_DOB_PROBABILITY, 12)
    expect(expectedNamesakes(idx, 'r', { areaPopulation: 10 * area })).toBeCloseTo(10 * expectedNamesakes(idx, 'r', { areaPopulation: area })!, 12)
  })
  it('refuses a rare-named moved person when the area is so large that a namesake born the same day becomes plausible', () => {
    const idx = withFiller({ id: 'r', ...moved, postcode: 'ST2 2BB' })
    expect(match(moved, idx, { areaPopulation: 1e11 }).reason).toBe('weak_unconfirmed')
  })
  it('never accepts full name + birth year + postcode alone, even for a rare name', () => {
    const idx = withFiller({ id: 'r', ...moved, date_of_birth: '1999-04-21' })
    expect(match(moved, idx)).toEqual({ patientId: null, key: 'name_year_pc', reason: 'weak_unconfirmed' })
  })
  it('counts the holders of a token without listing them, as lookup would', () => {
    const twin = { ...JOHN, id: 'p-twin', given_name: 'Jake', nhs_number: '4857773457' }
    const idx = index([JOHN, twin, STRANGER])
    const fam = sidecar.tokens(person(JOHN)).family_freq![0]!
    const own = sidecar.tokens(person(JOHN)).nhs![0]!
    expect(idx.count!('family_freq', fam)).toBe(2)
    expect(idx.count!('nhs', own)).toBe(1)
    expect(idx.count!('nhs', 'AAAAAAAAAAAAAAAAAAAAAA')).toBe(0)
    for (const [kind, t] of [['family_freq', fam], ['nhs', own]] as const) expect(idx.count!(kind, t)).toBe(idx.lookup(kind, t).length)
  })
  it('counts name frequency from the index own name_freq tokens', () => {
    const commons: P[] = Array.from({ length: 5 }, (_, i) => ({ id: `c${i}`, given_name: 'John', family_name: 'Smith', date_of_birth: `19${60 + i}-01-01`, sex: 'M', postcode: 'ST3 3CC' }))
    const idx = index([...commons, JOHN, { id: 'r', ...moved }])
    expect(idx.nameFrequency?.('p-john')).toBe(6)
    expect(idx.nameFrequency?.('r')).toBe(1)
  })
  it('accepts the same moved person with a common name when the NHS number agrees', () => {
    const commons: P[] = Array.from({ length: 5 }, (_, i) => ({ id: `c${i}`, given_name: 'John', family_name: 'Smith', date_of_birth: `19${60 + i}-01-01`, sex: 'M', postcode: 'ST3 3CC' }))
    const idx = index([...commons, { ...JOHN, postcode: 'ST2 2BB' }])
    expect(match(JOHN, idx)).toEqual({ patientId: 'p-john', key: 'nhs', reason: 'matched' })
  })
  it('never treats a name as rare when the index has no frequency tokens', () => {
    const noFreq = createTokeniser(KEY)
    const idx = buildMemoryIndex([
      ...filler.map(({ id, active: _a, restricted: _r, ...raw }): IndexedPatient => ({ id, tokens: noFreq.tokens(person(raw)), active: true, restricted: false })),
      { id: 'r', tokens: noFreq.tokens(person({ ...moved, postcode: 'ST2 2BB' })), active: true, restricted: false },
    ])
    expect(expectedNamesakes(idx, 'r')).toBeUndefined()
    expect(match(moved, idx).reason).toBe('weak_unconfirmed')
  })
  it('refuses a given-name typo that makes another known name (Jon for John), resting only on keys without the given name', () => {
    const idx = index([JOHN])
    const out = match({ ...JOHN, nhs_number: null, given_name: 'Jon' }, idx)
    expect(out).toEqual({ patientId: null, key: 'initial_family_dob_pc', reason: 'weak_unconfirmed' })
  })
})

describe('matching: NHS number corroborated by given name and DOB', () => {
  it('matches a person who moved and changed surname when NHS number, given name and DOB agree', () => {
    const idx = index([{ ...JOHN, family_name: 'Brown', postcode: 'ST2 2BB' }, STRANGER])
    expect(match(JOHN, idx)).toEqual({ patientId: 'p-john', key: 'nhs', reason: 'matched' })
  })
  it('does not match a father to his same-named son whose NHS number is on the father\'s row', () => {
    const son: P = { ...JOHN, id: 'son', nhs_number: '4010232137', date_of_birth: '2012-01-09' }
    const idx = index([son, STRANGER])
    expect(match({ ...JOHN, nhs_number: son.nhs_number, date_of_birth: '1980-06-01', postcode: 'ST2 2BB' }, idx).patientId).toBeNull()
  })
})

describe('matching: given-name typos', () => {
  it('matches a given name one edit away that is not a known name when family, DOB, sex and postcode agree', () => {
    for (const typo of ['Jphn', 'Jlhn', 'Jkhn']) {
      expect(match({ ...JOHN, nhs_number: null, given_name: typo }, index([JOHN, STRANGER]))).toEqual({ patientId: 'p-john', key: 'typo_name_dob_sex', reason: 'matched' })
    }
  })
  it('sends no typo tokens for a name one edit from two common names, which could be twins (Jhon: John or Jon; v2)', () => {
    for (const typo of ['Jhon', 'Jonh', 'Johnn']) {
      expect(match({ ...JOHN, nhs_number: null, given_name: typo }, index([JOHN, STRANGER])).patientId).toBeNull()
    }
  })
  it('matches a mistyped given name of someone who moved when the NHS number agrees', () => {
    const idx = index([{ ...JOHN, postcode: 'ST2 2BB' }])
    expect(match({ ...JOHN, given_name: 'Jphn' }, idx)).toEqual({ patientId: 'p-john', key: 'nhs', reason: 'matched' })
  })
  it('refuses a mistyped given name of someone who moved when nothing but the name, DOB and sex agree (an index of one: no name is rare)', () => {
    const idx = index([{ ...JOHN, postcode: 'ST2 2BB' }])
    expect(match({ ...JOHN, nhs_number: null, given_name: 'Jphn' }, idx).reason).toBe('weak_unconfirmed')
  })
  it('refuses a given name that does not become the patient\'s by deleting one letter from each', () => {
    expect(match({ ...JOHN, nhs_number: null, given_name: 'Jxnq' }, index([JOHN])).patientId).toBeNull()
  })
  it('matches neither twin when the mistyped name is one edit from both (Jhon: John and Jon)', () => {
    const idx = index([JOHN, { ...JOHN, id: 'jon', given_name: 'Jon', nhs_number: '4857773457' }])
    expect(match({ ...JOHN, nhs_number: null, given_name: 'Jhon' }, idx)).toEqual({ patientId: null, key: 'initial_family_dob_pc', reason: 'ambiguous' })
  })
  it('matches the mistyped twin to their own record, not the other twin, with both in the index', () => {
    const idx = index([JOHN, TWIN_JACK])
    expect(match({ ...TWIN_JACK, nhs_number: null, given_name: 'Jacck' }, idx)).toEqual({ patientId: 'p-jack', key: 'typo_name_dob_sex', reason: 'matched' })
  })
  it('never matches a mistyped twin to the other twin when only the other is in the index', () => {
    for (const typo of ['Jakc', 'Jacck']) expect(match({ ...TWIN_JACK, nhs_number: null, given_name: typo }, index([JOHN])).patientId).toBeNull()
  })
})

describe('matching: ambiguity and vetoes', () => {
  it('answers ambiguous when the selecting key points to two patients', () => {
    const idx = index([
      { id: 'a', given_name: 'Sam', family_name: 'Lee', date_of_birth: '2000-01-01', sex: 'M', postcode: 'ST1 1AA' },
      { id: 'b', given_name: 'Sam', family_name: 'Lee', date_of_birth: '2000-01-01', sex: 'M', postcode: 'ST1 1AA' },
    ])
    expect(match({ given_name: 'Sam', family_name: 'Lee', date_of_birth: '2000-01-01', sex: 'M', postcode: 'ST1 1AA' }, idx)).toEqual({
      patientId: null,
      key: 'name_dob_sex_pc',
      reason: 'ambiguous',
    })
  })
  it('vetoes when a valid NHS number disagrees with the patient the names point to', () => {
    const idx = index([JOHN])
    expect(match({ ...JOHN, nhs_number: '4857773457' }, idx)).toEqual({ patientId: null, key: 'name_dob_sex_pc', reason: 'vetoed' })
  })
  it('ignores an invalid NHS number rather than treating it as a disagreement', () => {
    const idx = index([JOHN])
    expect(match({ ...JOHN, nhs_number: '9434765918' }, idx)).toEqual({ patientId: 'p-john', key: 'name_dob_sex_pc', reason: 'matched' })
  })
  it('vetoes when the NHS number points to one patient and the names to another', () => {
    const other: P = { id: 'q', nhs_number: '4857773457', given_name: 'Peter', family_name: 'Brown', date_of_birth: '1950-06-06', sex: 'M', postcode: 'ST9 9ZZ' }
    const idx = index([JOHN, other])
    expect(match({ ...JOHN, nhs_number: '4857773457' }, idx)).toEqual({ patientId: null, key: 'nhs', reason: 'vetoed' })
  })
  it('matches a twin who moved on their NHS number and name, though the other twin still lives at the address', () => {
    const idx = index([{ ...JOHN, postcode: 'ST2 2BB' }, TWIN_JACK])
    expect(match(JOHN, idx)).toEqual({ patientId: 'p-john', key: 'nhs', reason: 'matched' })
  })
  it('still vetoes the moved twin without the NHS number when the other twin lives at the address', () => {
    const idx = index([{ ...JOHN, postcode: 'ST2 2BB' }, TWIN_JACK])
    expect(match({ ...JOHN, nhs_number: null }, idx).reason).toBe('vetoed')
  })
  it('vetoes when a later key points to a different patient with evidence the chosen one does not cover', () => {
    // Candidate agrees with A on full name + DOB + sex (A moved) and with B on full name + birth year + postcode.
    const a: P = { id: 'a', given_name: 'Zebedee', family_name: 'Quaxworth', date_of_birth: '1971-07-19', sex: 'M', postcode: 'ST2 2BB' }
    const b: P = { id: 'b', given_name: 'Zebedee', family_name: 'Quaxworth', date_of_birth: '1971-01-05', sex: 'M', postcode: 'ST99 9ZZ' }
    const idx = index([a, b])
    expect(match({ given_name: 'Zebedee', family_name: 'Quaxworth', date_of_birth: '1971-07-19', sex: 'M', postcode: 'ST99 9ZZ' }, idx)).toEqual({
      patientId: null,
      key: 'name_dob_sex',
      reason: 'vetoed',
    })
  })
})

describe('matching: twins are never matched to each other', () => {
  const kate: P = { id: 'kate', given_name: 'Kate', family_name: 'Owen', date_of_birth: '2012-04-03', sex: 'F', postcode: 'ST17 9QA', nhs_number: '9434765919' }
  const katie: P = { id: 'katie', given_name: 'Katie', family_name: 'Owen', date_of_birth: '2012-04-03', sex: 'F', postcode: 'ST17 9QA', nhs_number: '4010232137' }
  const pairs: [string, P, P][] = [
    ['John / Jack', JOHN, TWIN_JACK],
    ['Kate / Katie (two diminutives of one name)', kate, katie],
    ['Jon / John', { ...JOHN, id: 'jon', given_name: 'Jon', nhs_number: '4857773457' }, JOHN],
    ['Sophie / Sophia', { ...kate, id: 'sophie', given_name: 'Sophie' }, { ...katie, id: 'sophia', given_name: 'Sophia' }],
    ['Ellie / Ella', { ...kate, id: 'ellie', given_name: 'Ellie' }, { ...katie, id: 'ella', given_name: 'Ella' }],
    ['Mary-Anne / Mary-Jane', { ...kate, id: 'ma', given_name: 'Mary-Anne' }, { ...katie, id: 'mj', given_name: 'Mary-Jane' }],
    ['Stephen / Steven (one diminutive, Steve, of both)', { ...JOHN, id: 'stephen', given_name: 'Stephen' }, { ...TWIN_JACK, id: 'steven', given_name: 'Steven' }],
    ['Catherine / Katherine (one diminutive, Kate, of both)', { ...kate, id: 'cath', given_name: 'Catherine' }, { ...katie, id: 'kath', given_name: 'Katherine' }],
    ['Aaliyah / Aliyah (one of them missing from the Moby lists)', { ...kate, id: 'aaliyah', given_name: 'Aaliyah' }, { ...katie, id: 'aliyah', given_name: 'Aliyah' }],
    ['Summer / Sumner (a common name missing from the Moby lists)', { ...kate, id: 'summer', given_name: 'Summer' }, { ...katie, id: 'sumner', given_name: 'Sumner' }],
    ['Daniel / Danielle (different sex)', { ...JOHN, id: 'daniel', given_name: 'Daniel' }, { ...TWIN_JACK, id: 'danielle', given_name: 'Danielle', sex: 'F' }],
  ]

  for (const [name, a, b] of pairs) {
    for (const [cand, other] of [
      [a, b],
      [b, a],
    ] as const) {
      const { id: candId, ...candRaw } = cand
      it(`${name}: with both twins in the index, ${cand.given_name} matches only their own record`, () => {
        const idx = index([a, b])
        const out = match(candRaw, idx)
        expect(out.patientId).toBe(candId)
        expect(out.reason).toBe('matched')
      })
      it(`${name}: with only the other twin in the index, ${cand.given_name} is not matched`, () => {
        const idx = index([other, STRANGER])
        const out = match(candRaw, idx)
        expect(out.patientId).toBeNull()
        expect(out.reason).not.toBe('matched')
      })
      it(`${name}: ${cand.given_name} carrying the other twin's NHS number is not matched to the other twin`, () => {
        const idx = index([other, STRANGER])
        const out = match({ ...candRaw, nhs_number: other.nhs_number }, idx)
        expect(out.patientId).toBeNull()
        expect(out.reason).not.toBe('matched')
      })
      it(`${name}: ${cand.given_name} recorded by a diminutive is not matched to the other twin`, () => {
        const idx = index([other, STRANGER])
        const diminutive = { Stephen: 'Steve', Steven: 'Steve', Catherine: 'Kate', Katherine: 'Kate', John: 'Johnny' }[cand.given_name as string]
        const out = match({ ...candRaw, given_name: diminutive ?? cand.given_name, nhs_number: null }, idx)
        expect(out.patientId).toBeNull()
      })
      it(`${name}: ${cand.given_name} without sex or postcode is not matched to the other twin`, () => {
        const idx = index([other, STRANGER])
        const out = match({ ...candRaw, sex: 'U', postcode: 'ZZ99 3VZ', nhs_number: null }, idx)
        expect(out.patientId).toBeNull()
      })
    }
  }
})

describe('buildMemoryIndex', () => {
  const p = (id: string, tokens: IndexedPatient['tokens']): IndexedPatient => ({ id, tokens, active: true, restricted: false })
  it('looks tokens up per kind and lists each patient once', () => {
    const idx = buildMemoryIndex([p('a', { nhs: ['t1'], name_dob_sex: ['t2', 't2'] }), p('b', { name_dob_sex: ['t2', 't3'] })])
    expect(idx.size).toBe(2)
    expect(idx.lookup('nhs', 't1')).toEqual(['a'])
    expect(idx.lookup('name_dob_sex', 't2')).toEqual(['a', 'b'])
    expect(idx.lookup('name_dob_sex', 't3')).toEqual(['b'])
    expect(idx.lookup('name_dob_sex', 't1')).toEqual([])
    expect(idx.lookup('phonetic_name_dob', 't1')).toEqual([])
    expect(idx.patient('b')?.tokens.name_dob_sex).toEqual(['t2', 't3'])
    expect(idx.patient('c')).toBeUndefined()
  })
  it('refuses two patients with the same id', () => {
    expect(() => buildMemoryIndex([p('a', {}), p('a', {})])).toThrow(/unique/)
  })
})

describe('activeFlag', () => {
  it('is true only for a match to an active, unrestricted patient', () => {
    const idx = index([JOHN, { ...STRANGER, active: false }])
    expect(activeFlag(match(JOHN, idx), idx)).toBe(true)
    expect(activeFlag(match(STRANGER, idx), idx)).toBe(false)
  })
  it('is always false for a restricted patient, even when matched and active', () => {
    const idx = index([{ ...JOHN, restricted: true }])
    const out = match(JOHN, idx)
    expect(out.reason).toBe('matched')
    expect(activeFlag(out, idx)).toBe(false)
  })
  it('is false for every outcome other than matched', () => {
    const idx = index([JOHN])
    for (const reason of ['no_match', 'ambiguous', 'vetoed', 'weak_unconfirmed'] as const) {
      expect(activeFlag({ patientId: 'p-john', key: 'nhs', reason }, idx)).toBe(false)
    }
  })
})
