/**
 * The council's candidate list: parse, then give every row a verdict. A broken file is refused whole
 * (see csv.ts); a bad row is excluded with its reasons and the rest go on.
 */
import { errors } from '@healthflag/protocol'
import { MAX_TOKENS_PER_KIND, fieldValues, normalisePerson, type FieldIssue, type NormalisedPerson, type RawPerson } from '@healthflag/tokens'
import { assertText, rawPersonOf, readCsv } from './csv.js'

export const CANDIDATE_COLUMNS = ['ref', 'nhs_number', 'given_name', 'family_name', 'date_of_birth', 'sex', 'postcode', 'criteria_met'] as const
export const CANDIDATE_OPTIONAL_COLUMNS = ['district', 'family_id'] as const

export const CANDIDATE_ALIASES: Record<string, string> = {
  reference: 'ref', id: 'ref', person_ref: 'ref', person_id: 'ref',
  nhs_no: 'nhs_number', nhsnumber: 'nhs_number', nhs: 'nhs_number',
  forename: 'given_name', first_name: 'given_name', firstname: 'given_name', given: 'given_name', givenname: 'given_name',
  surname: 'family_name', last_name: 'family_name', lastname: 'family_name', familyname: 'family_name',
  // "family" alone is ambiguous in the wild; we read it as a surname, the commoner meaning in person extracts.
  family: 'family_name',
  dob: 'date_of_birth', birth_date: 'date_of_birth', dateofbirth: 'date_of_birth',
  gender: 'sex',
  post_code: 'postcode', postal_code: 'postcode',
  criteria: 'criteria_met', criteria_count: 'criteria_met', criteriamet: 'criteria_met',
  household_id: 'family_id', familyid: 'family_id', household: 'family_id',
}

export interface Issue {
  field: string
  severity: 'warning' | 'error'
  code: string
  message: string
}

export interface CandidateRow {
  /** 1-based line in the file (header = 1), as a spreadsheet shows it. */
  line: number
  ref: string
  raw: RawPerson
  criteriaMet: number | null
  district: string | null
  familyId: string | null
  verdict: 'accepted' | 'excluded'
  person: NormalisedPerson | null
  issues: Issue[]
}

export interface CandidateFile {
  rows: CandidateRow[]
  summary: { read: number; accepted: number; excluded: number; warned: number }
}

/** Minimum criteria for the programme; the ISA clause can demand more, never less. */
export const DEFAULT_MIN_CRITERIA = 2

/**
 * `districts`: the districts results are scoped to. A row's district is stored as the list spells it, matched ignoring
 * case, spaces and hyphens (`stafford`, `Newcastle under Lyme`); one not in the list is kept as written, with a warning,
 * since no district team would see it.
 */
export async function parseCandidateFile(bytes: Uint8Array, opts: { minCriteria?: number; today?: Date; districts?: readonly string[] } = {}): Promise<CandidateFile> {
  const text = assertText(bytes, 'candidate')
  const minCriteria = Math.max(opts.minCriteria ?? DEFAULT_MIN_CRITERIA, DEFAULT_MIN_CRITERIA)
  const rows: CandidateRow[] = []
  const refs = new Map<string, number>()
  for await (const rec of readCsv(text, { what: 'candidate', required: CANDIDATE_COLUMNS, aliases: CANDIDATE_ALIASES })) {
    const v = rec.values
    const ref = v.ref ?? ''
    if (ref !== '') {
      const first = refs.get(ref)
      if (first !== undefined) {
        throw errors.duplicateRef(`The ref on line ${rec.line} repeats the ref on line ${first}; every row needs its own ref so results can be matched back.`, { line: rec.line, firstLine: first })
      }
      refs.set(ref, rec.line)
    }
    rows.push(judgeRow(rec.line, v, minCriteria, opts.today, opts.districts))
  }
  if (rows.length === 0) throw errors.fileEmpty('The candidate file has a header but no rows; add at least one candidate.')
  const summary = {
    read: rows.length,
    accepted: rows.filter((r) => r.verdict === 'accepted').length,
    excluded: rows.filter((r) => r.verdict === 'excluded').length,
    warned: rows.filter((r) => r.verdict === 'accepted' && r.issues.some((i) => i.severity === 'warning')).length,
  }
  return { rows, summary }
}

const districtKey = (s: string) => s.toUpperCase().replace(/[\s-]+/g, '')

function districtOf(given: string | undefined, districts: readonly string[] | undefined, issues: Issue[]): string | null {
  const d = given?.trim() ?? ''
  if (d === '') return null
  if (!districts) return d
  const listed = districts.find((x) => districtKey(x) === districtKey(d))
  if (listed) return listed
  issues.push({ field: 'district', severity: 'warning', code: 'district_unknown', message: `district is not one of the programme's districts (${districts.join(', ')}); only the central team will see this row's result.` })
  return d
}

function judgeRow(line: number, v: Record<string, string>, minCriteria: number, today?: Date, districts?: readonly string[]): CandidateRow {
  const raw = rawPersonOf(v)
  const issues: Issue[] = []
  const ref = v.ref ?? ''
  if (ref === '') issues.push({ field: 'ref', severity: 'error', code: 'ref_missing', message: 'ref is blank; every row needs a ref so its result can be returned.' })
  else if (ref.length > 100) issues.push({ field: 'ref', severity: 'error', code: 'ref_too_long', message: 'ref is longer than 100 characters.' })

  const criteriaText = v.criteria_met ?? ''
  let criteriaMet: number | null = null
  if (!/^\d{1,3}$/.test(criteriaText)) {
    issues.push({ field: 'criteria_met', severity: 'error', code: 'criteria_invalid', message: 'criteria_met must be a whole number of programme criteria met; the row is not sent.' })
  } else {
    criteriaMet = Number(criteriaText)
    if (criteriaMet < minCriteria) {
      issues.push({ field: 'criteria_met', severity: 'error', code: 'criteria_below_minimum', message: `criteria_met is ${criteriaMet}; the ISA only permits checking people who meet at least ${minCriteria} programme criteria, so the row is not sent.` })
    }
  }

  const { person, issues: personIssues } = normalisePerson(raw, today ? { today } : {})
  issues.push(...personIssues.map(toIssue))
  // A request row carries at most MAX_TOKENS_PER_KIND tokens of a kind, one per family-name value (the full name, then
  // its parts): the council sends the first ones (services/council/src/tokenise/rows.ts), so the row goes, matched on
  // its full name and first parts (token spec §3).
  if (fieldValues(person, 'family').length > MAX_TOKENS_PER_KIND) {
    issues.push({
      field: 'family_name',
      severity: 'warning',
      code: 'too_many_parts',
      message: `family name has more than ${MAX_TOKENS_PER_KIND - 1} parts; it is matched on the full name and its first ${MAX_TOKENS_PER_KIND - 1} parts only (check the field holds only the family name)`,
    })
  }
  const district = districtOf(v.district, districts, issues)
  const excluded = issues.some((i) => i.severity === 'error')
  return {
    line,
    ref,
    raw,
    criteriaMet,
    district,
    familyId: v.family_id ? v.family_id : null,
    verdict: excluded ? 'excluded' : 'accepted',
    person: excluded ? null : person,
    issues,
  }
}

function toIssue(i: FieldIssue): Issue {
  return { field: i.field, severity: i.severity, code: i.code, message: i.message }
}
