/**
 * The trust's patient index extract. Each row becomes an IndexedPatient input; rows that cannot be
 * tokenised (no usable DOB) are counted as rejected, never guessed.
 */
import type { Readable } from 'node:stream'
import { normalisePerson, type NormalisedPerson } from '@healthflag/tokens'
import { errors } from '@healthflag/protocol'
import { rawPersonOf, readCsv } from './csv.js'

export const PATIENT_COLUMNS = ['patient_id', 'nhs_number', 'given_name', 'family_name', 'date_of_birth', 'sex', 'postcode'] as const

export const PATIENT_ALIASES: Record<string, string> = {
  id: 'patient_id', local_patient_id: 'patient_id', mrn: 'patient_id', rio_id: 'patient_id',
  nhs_no: 'nhs_number', nhsnumber: 'nhs_number', nhs: 'nhs_number',
  forename: 'given_name', first_name: 'given_name', firstname: 'given_name',
  surname: 'family_name', last_name: 'family_name', lastname: 'family_name',
  dob: 'date_of_birth', birth_date: 'date_of_birth',
  gender: 'sex', post_code: 'postcode',
  active: 'active_service', active_service_flag: 'active_service',
}

export interface PatientInput {
  line: number
  patientId: string
  person: NormalisedPerson
  /** From the active_service column; null when the file gives referral columns instead. */
  active: boolean | null
  restricted: boolean
  referral: { service: string; referred_on: string; discharged_on: string | null } | null
}

export interface PatientReject {
  line: number
  code: string
  message: string
}

const TRUE = new Set(['true', '1', 'y', 'yes', 't'])
const FALSE = new Set(['false', '0', 'n', 'no', 'f', ''])

export function parseFlag(text: string | undefined): boolean | null {
  const t = (text ?? '').trim().toLowerCase()
  if (TRUE.has(t)) return true
  if (FALSE.has(t)) return false
  return null
}

/**
 * Streams patients from CSV text or a readable stream. Either `active_service` or the referral columns
 * (`service`, `referred_on`, `discharged_on`) must be present.
 */
export async function* readPatients(source: string | Readable, opts: { today?: Date } = {}): AsyncGenerator<PatientInput | PatientReject> {
  let checkedColumns = false
  for await (const rec of readCsv(source, { what: 'patient index', required: PATIENT_COLUMNS, aliases: PATIENT_ALIASES })) {
    const v = rec.values
    if (!checkedColumns) {
      checkedColumns = true
      if (!('active_service' in v) && !('service' in v && 'referred_on' in v)) {
        throw errors.columnMissing('The patient index needs either an "active_service" column or the referral columns "service", "referred_on" and "discharged_on".')
      }
    }
    if (!v.patient_id) {
      yield { line: rec.line, code: 'patient_id_missing', message: 'patient_id is blank.' }
      continue
    }
    const raw = rawPersonOf(v)
    const { person, issues } = normalisePerson(raw, opts.today ? { today: opts.today } : {})
    const fatal = issues.find((i) => i.severity === 'error')
    if (fatal) {
      yield { line: rec.line, code: fatal.code, message: fatal.message }
      continue
    }
    let active: boolean | null = null
    if ('active_service' in v) {
      active = parseFlag(v.active_service)
      if (active === null) {
        yield { line: rec.line, code: 'active_service_invalid', message: 'active_service must be true/false, 1/0 or Y/N.' }
        continue
      }
    }
    const restricted = parseFlag(v.restricted) ?? true // an unreadable restriction marker is treated as restricted
    yield {
      line: rec.line,
      patientId: v.patient_id,
      person,
      active,
      restricted,
      referral: 'service' in v && v.service ? { service: v.service, referred_on: v.referred_on ?? '', discharged_on: v.discharged_on || null } : null,
    }
  }
}

export function isReject(x: PatientInput | PatientReject): x is PatientReject {
  return 'code' in x
}
