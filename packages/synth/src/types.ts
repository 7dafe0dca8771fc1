// Public row and result types of the synthetic population.
export type { NoiseTier } from './tiers.js'
import type { NoiseTier } from './tiers.js'

export interface GenerateOptions {
  seed: number
  patients: number
  candidates: number
  tier: NoiseTier
  /** share of candidates that are in the trust index (default 0.3) */
  patientShare?: number
  /** share of indexed patients with active_service=true (default 0.4) */
  activeShare?: number
  /** include a few structurally valid but row-invalid candidate rows (bad DOB, criteria_met < 2, bad NHS no.) */
  invalidRows?: boolean
  /** fixed marker people injected for PII leak tests (see MARKERS) */
  markers?: boolean
  /** ISO date, default '2026-11-01' */
  asOf?: string
  /** write the optional `restricted` column (default true); without it no patient is restricted */
  restrictedColumn?: boolean
  /** same-name-same-DOB strangers as a multiple of the realistic rate (default: the tier's strangerScale) */
  strangerScale?: number
  /** give a few non-patient candidates names a spreadsheet would run as formulas, or with commas and quotes */
  hostileRows?: boolean
}

export interface PatientRow {
  patient_id: string
  nhs_number: string
  given_name: string
  family_name: string
  date_of_birth: string
  sex: string
  postcode: string
  active_service: string
  restricted?: string
}

export interface CandidateRow {
  ref: string
  nhs_number: string
  given_name: string
  family_name: string
  date_of_birth: string
  sex: string
  postcode: string
  criteria_met: string
  district: string
  family_id: string
}

export interface Truth {
  ref: string
  patientId: string | null
  expectedActive: boolean
  sent: boolean
  noise: string[]
}

export interface Population {
  patients: PatientRow[]
  candidates: CandidateRow[]
  truth: Truth[]
  params: Record<string, unknown>
}
