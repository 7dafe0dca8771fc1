export { canonicalBytes } from './canonical.js'
export {
  EARLIEST_BIRTH_YEAR,
  dayMonthUnordered,
  normaliseDateOfBirth,
  type DobProblem,
} from './date-of-birth.js'
export {
  KCV_LABEL,
  TOKENS_INFO_LABEL,
  agreementPublicKey,
  deriveEpochKey,
  deriveKindKey,
  generateAgreementKeyPair,
  keyCheckValue,
} from './keys.js'
export {
  CANDIDATE_TOKEN_KINDS,
  FREQUENCY_KEYS,
  INDEX_TOKEN_KINDS,
  INDEX_ONLY_KEYS,
  ALL_TOKEN_KINDS,
  indexTokenKinds,
  oneDeletionVariants,
  isLikelyTypo,
  commonNeighbours,
  KEY_FIELDS,
  MATCH_KEYS,
  MAX_TOKENS_PER_KIND,
  fieldValues,
  isMatchKeyKind,
  keyCombinations,
  keyComparisons,
  keyMaterialKind,
  phoneticCode,
  type KeyField,
  type MatchKeyKind,
} from './match-keys.js'
export {
  DEFAULT_AREA_POPULATION,
  DEFAULT_MAX_EXPECTED_STRANGERS,
  SAME_DOB_PROBABILITY,
  expectedNamesakes,
  activeFlag,
  buildMemoryIndex,
  evidenceFields,
  matchCandidate,
  type IndexedPatient,
  type MatchOutcome,
  type MatchPolicy,
  type MatchReason,
  type MemoryIndexOptions,
  type PatientIndex,
} from './matching.js'
export { isKnownGivenName } from './known-names.js'
export { SUFFIXES, SURNAME_PARTICLES, TITLES, canonicalGivenNames, normaliseFamilyName, normaliseGivenName, type FamilyName } from './names.js'
export { nhsCheckDigit, normaliseNhsNumber, type NhsNumberProblem } from './nhs-number.js'
export { normalisePerson, type FieldIssue, type NormalisedPerson, type PersonField, type RawPerson } from './person.js'
export { normalisePostcode, type PostcodeProblem } from './postcode.js'
export { normaliseSex, type Sex, type SexProblem } from './sex.js'
export { TOKEN_BYTES, createTokeniser, type TokenSet, type Tokeniser } from './tokeniser.js'
export {
  TokenColumns,
  createBinaryTokeniser,
  createFastTokeniser,
  nodeMacInto,
  prekeyedHmacSha256,
  type BinaryTokeniser,
  type MacInto,
} from './fast.js'
