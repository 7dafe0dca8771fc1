// Noise rates per tier. Each rate is a probability among the rows *eligible* for that kind of noise.

export type NoiseTier = 'clean' | 'realistic' | 'hard'

export interface TierRates {
  /** council row carries an NHS number (all candidates) */
  nhsPresent: number
  /** trust record holds an older postcode (candidates who are patients) */
  moved: number
  /** council uses a nickname (given names with a known nickname) */
  nickname: number
  /** one-character edit in the given name (given names of 3+ letters) */
  typoGiven: number
  /** one-character edit in the family name (family names of 3+ letters) */
  typoFamily: number
  /** trust record holds a previous surname (adult female candidates who are patients) */
  surnameChange: number
  /** double-barrelled on one side only: a part dropped or added on the council side (all candidates) */
  surnamePartial: number
  /** day and month swapped (dates whose day and month are both ≤ 12 and differ) */
  dobSwap: number
  /** title such as "Mr" prefixed to the given name (all candidates) */
  title: number
  /** diacritics dropped from a name that has them */
  diacriticsDropped: number
  /** diacritics added to a name with a known accented spelling */
  diacriticsAdded: number
  /** postcode blank, ZZ99 pseudo-postcode or "NFA" (all candidates) */
  postcodeMissing: number
  /** a wrong but mod-11-valid NHS number, often a household member's (rows with an NHS number) */
  nhsWrong: number
  /** sex blank or unknown (all candidates) */
  sexMissing: number
  /** forced combination moved+nickname or moved+typo (candidates who are patients) */
  combo: number
  /**
   * Same-name-same-DOB strangers put in the trust index, as a multiple of the realistic rate: for each candidate,
   * the expected number of other people in the area with their full name, sex and date of birth (STRUCTURE.areaPopulation
   * × share of the given name among people of that sex × 1/2 × share of the family name × STRUCTURE.sameDobProbability).
   * 0: none injected; 1: realistic (an upper bound: as if every such namesake were a patient of the trust); 10: hard.
   */
  strangerScale: number
}

export const TIER_RATES: Readonly<Record<NoiseTier, Readonly<TierRates>>> = {
  clean: {
    nhsPresent: 1 / 3,
    moved: 0,
    nickname: 0,
    typoGiven: 0,
    typoFamily: 0,
    surnameChange: 0,
    surnamePartial: 0,
    dobSwap: 0,
    title: 0,
    diacriticsDropped: 0,
    diacriticsAdded: 0,
    postcodeMissing: 0,
    nhsWrong: 0,
    sexMissing: 0,
    combo: 0,
    strangerScale: 0,
  },
  realistic: {
    nhsPresent: 1 / 3,
    moved: 0.1,
    nickname: 0.05,
    typoGiven: 0.03,
    typoFamily: 0.03,
    surnameChange: 0.05,
    surnamePartial: 0.01,
    dobSwap: 0.02,
    title: 0.03,
    diacriticsDropped: 0.3,
    diacriticsAdded: 0.05,
    postcodeMissing: 0.03,
    nhsWrong: 0.01,
    sexMissing: 0,
    combo: 0,
    strangerScale: 1,
  },
  hard: {
    nhsPresent: 0.25,
    moved: 0.2,
    nickname: 0.12,
    typoGiven: 0.08,
    typoFamily: 0.08,
    surnameChange: 0.12,
    surnamePartial: 0.04,
    dobSwap: 0.06,
    title: 0.08,
    diacriticsDropped: 0.6,
    diacriticsAdded: 0.15,
    postcodeMissing: 0.06,
    nhsWrong: 0.03,
    sexMissing: 0.05,
    combo: 0.05,
    strangerScale: 10,
  },
}

/** Structural parameters shared by all tiers. */
export const STRUCTURE = {
  /** candidate households with children that contain a twin pair */
  twinHouseholdShare: 0.1,
  /** of twin pairs in candidate households, share where exactly one twin is a patient */
  oneTwinPatientShare: 0.5,
  /** of twin pairs, share where one twin is not listed by the council but is in the trust index */
  hiddenTwinShare: 0.25,
  /** of twin pairs, share given confusable names (Jon/John, Ellie/Ella) */
  similarTwinNamesShare: 0.3,
  /**
   * of moves, share within the same postcode district (outward code); the rest go anywhere in the area. 0.34: the
   * Consumer Data Research Centre's analysis of 2014 property transactions in England and Wales found 34 % of moves
   * within the same postcode district and 68 % within the same postcode area (cdrc.ac.uk, "Household Mobility: where
   * and how far do we move?"); renters in deprived areas move shorter distances still, so this is conservative.
   */
  localMoveShare: 0.34,
  /** people in the area the candidates come from (a county such as Staffordshire: ~1.1 million) */
  areaPopulation: 1_100_000,
  /** chance that two people of the area share one date of birth: 1 / (90 years × 365.25 days) */
  sameDobProbability: 1 / (90 * 365.25),
  /** indexed patients whose record is restricted (always answered false) */
  restrictedShare: 0.02,
  /** candidate rows with a blank district although the postcode is in the county */
  blankDistrict: 0.01,
  /** rate of each invalid-row kind when invalidRows is on (at least one of each) */
  invalidRowRate: 0.01,
  /** rows given hostile family names when hostileRows is on (at least one, at most one per name) */
  hostileRowRate: 0.005,
} as const
