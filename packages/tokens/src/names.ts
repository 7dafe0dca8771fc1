// Name normalisation: each rule a small named function, composed by normaliseGivenName / normaliseFamilyName.
import nicknameTable from '../data/nicknames.json' with { type: 'json' }

/** Leading words dropped from the given-name field (only while another word remains). */
export const TITLES: ReadonlySet<string> = new Set([
  'MR', 'MRS', 'MS', 'MISS', 'MX', 'MASTER', 'DR', 'DOCTOR', 'PROF', 'PROFESSOR', 'REV', 'REVD', 'SIR', 'DAME',
  'LADY', 'LORD', 'FR', 'SR', 'SISTER',
])
/** Trailing words dropped from either name field (only while another word remains). */
export const SUFFIXES: ReadonlySet<string> = new Set(['JR', 'JNR', 'JUNIOR', 'SR', 'SNR', 'SENIOR', 'II', 'III', 'IV', 'ESQ'])
/** Surname particles never emitted on their own as a surname part (they still count in the full surname). */
export const SURNAME_PARTICLES: ReadonlySet<string> = new Set([
  'DE', 'DA', 'DI', 'DO', 'DU', 'DEL', 'DELLA', 'DER', 'DEN', 'DES', 'DOS', 'DAS', 'LA', 'LE', 'LES', 'LO', 'VAN', 'VON',
  'TEN', 'TER', 'ST', 'SAINT', 'MAC', 'MC', 'O', 'BIN', 'BINT', 'BEN', 'AL', 'EL', 'ABU', 'AP', 'NI', 'UI', 'NIC',
])

/** Unicode NFKD, then removes combining marks, so "Zoë" becomes "Zoe" and the "ﬁ" ligature "fi". */
export function stripDiacritics(s: string): string {
  return s.normalize('NFKD').replace(/\p{M}/gu, '')
}

/**
 * Latin letters that NFKD does not decompose, written as an English-language system (or a keyboard without them) writes
 * them: Łukasz -> Lukasz, Søren -> Soren, Æthelred -> AEthelred. Token spec v2 (§2.2); v1 kept them, so a council
 * system that folds to ASCII never met the trust's Michał.
 */
export const LETTER_FOLDS: Readonly<Record<string, string>> = {
  Ł: 'L', ł: 'l', Ø: 'O', ø: 'o', Æ: 'AE', æ: 'ae', Œ: 'OE', œ: 'oe', Đ: 'D', đ: 'd', Ð: 'D', ð: 'd', Þ: 'TH', þ: 'th',
  Ħ: 'H', ħ: 'h', ı: 'i', Ŧ: 'T', ŧ: 't', ẞ: 'SS',
}
const FOLDABLE = new RegExp(`[${Object.keys(LETTER_FOLDS).join('')}]`, 'gu')

/** Replaces each letter of LETTER_FOLDS by its fold. */
export function foldLetters(s: string): string {
  return s.replace(FOLDABLE, (c) => LETTER_FOLDS[c]!)
}

/** Removes apostrophes (all common forms) and full stops: O'Brien -> OBrien, St. John -> St John. */
export function dropApostrophesAndDots(s: string): string {
  return s.replace(/['\u2018\u2019\u02BC\u02B9`\u00B4.]/g, '')
}

/**
 * The parts of one word: apostrophes and dots dropped first (NFKD would turn the acute-accent apostrophe U+00B4 into a
 * space), then diacritics stripped, the letters NFKD keeps folded (Ł -> L), upper-cased, and every run of non-letters (hyphens, dashes, digits) a separator.
 */
export function nameTokens(s: string): string[] {
  const upper = foldLetters(stripDiacritics(dropApostrophesAndDots(s))).toUpperCase()
  return upper.replace(/[^\p{L}]+/gu, ' ').trim().split(' ').filter((t) => t !== '')
}

/**
 * Words of a name field after every rule, each word as its parts (a hyphenated word has several). Leading titles are
 * dropped from the given-name field only ("Mr John"); in a family-name field a leading "Lord" or "Dame" is as likely
 * to be the surname itself. Trailing suffixes are dropped from both.
 */
function fieldWords(raw: string, dropTitles: boolean): string[][] {
  // Split on whitespace first, so a hyphenated word stays one word made of several parts.
  const words = raw.split(/\s+/).map((w) => nameTokens(w)).filter((w) => w.length > 0)
  const joined = (w: readonly string[]): string => w.join('')
  while (dropTitles && words.length > 1 && TITLES.has(joined(words[0]!))) words.shift()
  while (words.length > 1 && SUFFIXES.has(joined(words[words.length - 1]!))) words.pop()
  return words
}

/**
 * First given name in normalised form: the first word of the field after titles are dropped, with the parts of a
 * hyphenated name joined ("Mary-Anne Louise" -> "MARYANNE"), so twins Mary-Anne and Mary-Jane stay distinct.
 */
export function normaliseGivenName(raw: string | null | undefined): string | null {
  if (raw == null) return null
  const words = fieldWords(raw, true)
  const first = words[0]
  return first ? first.join('') : null
}

export interface FamilyName {
  /** every part joined without separators: "Smith-Jones", "Smith Jones" and "SmithJones" all give "SMITHJONES" */
  full: string
  /** the parts of a multi-part surname, particles and one-letter parts left out; [] for a one-part surname */
  parts: string[]
}

/** Normalises a family name to its full form and, for hyphenated or multi-part surnames, its parts. */
export function normaliseFamilyName(raw: string | null | undefined): FamilyName | null {
  if (raw == null) return null
  const words = fieldWords(raw, false)
  const all = words.flat()
  if (all.length === 0) return null
  const full = all.join('')
  const parts = all.length > 1 ? uniq(all.filter((p) => p.length > 1 && !SURNAME_PARTICLES.has(p) && p !== full)) : []
  return { full, parts }
}

/** Every family-name value a key is computed over: the full form first, then the parts. */
export function familyVariants(f: { full: string; parts: readonly string[] }): string[] {
  return uniq([f.full, ...f.parts])
}

const NICKNAMES: ReadonlyMap<string, readonly string[]> = buildNicknameMap(nicknameTable.canonical)
const FORMAL_SEX: Readonly<Record<string, string>> = nicknameTable.sex

function buildNicknameMap(canonical: Record<string, string[]>): Map<string, string[]> {
  const m = new Map<string, string[]>()
  for (const [name, nicks] of Object.entries(canonical)) {
    for (const n of nicks) m.set(n, [...(m.get(n) ?? []), name])
  }
  for (const [k, v] of m) m.set(k, uniq(v).sort())
  return m
}

/**
 * Formal given names of which a normalised given name is a listed diminutive, restricted to the person's sex when
 * known ("KATE" -> CATHERINE, KATHERINE; "ALEX" with sex M -> ALEXANDER); [] when it is not a diminutive. Formal
 * names map to nothing: the nickname key relates a diminutive to its formal name only, never two diminutives
 * (KATE, KATIE) to each other.
 */
export function canonicalGivenNames(given: string, sex?: 'M' | 'F' | null): string[] {
  const c = NICKNAMES.get(given)
  if (!c) return []
  return sex == null ? [...c] : c.filter((name) => FORMAL_SEX[name] === sex)
}

function uniq(xs: readonly string[]): string[] {
  return [...new Set(xs)]
}
