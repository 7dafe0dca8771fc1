/** The council database, exactly as migrations/council/*.sql create it. */
import type { ColumnType, Generated } from 'kysely'
import type { IsaTables } from '@healthflag/isa'
import type { OutboxTables } from '@healthflag/ledger-client'

type Timestamp = ColumnType<Date, Date | string | undefined, Date | string>

export interface UploadTable {
  id: string
  file_digest: string
  filename: string
  uploaded_by: string
  uploaded_at: Timestamp
  rows_read: number
  rows_accepted: number
  rows_excluded: number
  rows_warned: number
  purged_at: Timestamp | null
}

export interface CandidateTable {
  upload_id: string
  row_no: number
  ref: string
  nhs_number: string | null
  given_name: string | null
  family_name: string | null
  date_of_birth: string | null
  sex: string | null
  postcode: string | null
  criteria_met: number | null
  district: string | null
  family_id: string | null
  verdict: 'accepted' | 'excluded'
  person: ColumnType<unknown, string | null, string | null> | null
}

export interface ValidationIssueTable {
  upload_id: string
  row_no: number
  field: string
  severity: 'warning' | 'error'
  code: string
  message: string
}

export type ExchangeStatus = 'sending' | 'pending_approval' | 'answered' | 'refused' | 'failed'

export interface ExchangeTable {
  id: string
  upload_id: string
  isa_id: string
  isa_version: number
  isa_digest: string
  clause_id: string
  status: ExchangeStatus
  epoch: number
  key_kcv: string
  rows_sent: number
  rows_flagged: number | null
  index_as_of: ColumnType<string | null, string | null, string | null>
  request_digest: string | null
  error_code: string | null
  error_message: string | null
  requested_by: string
  created_at: Timestamp
  answered_at: Timestamp | null
  /** unused (the council keeps only the digest of what it sent); JSON text */
  signed_request: string | null
  /** the verified signed answer's JSON text */
  signed_answer: string | null
  purged_at: ColumnType<Date | null, Date | string | null | undefined, Date | string | null>
}

export interface ExchangeRowTable {
  exchange_id: string
  row_ref: string
  upload_id: string
  row_no: number
  active: boolean | null
}

/** migrations/council/0006: an exchange request's Idempotency-Key, per user. */
export interface ExchangeRequestKeyTable {
  requested_by: string
  idem_key: string
  upload_id: string
  isa_id: string
  clause_id: string
  exchange_id: string
  claimed_at: Timestamp
}

export interface LedgerViewTable {
  id: number
  size: number
  root: string
  note: string
  seen_at: Generated<Date>
}

export interface CouncilDB extends IsaTables, OutboxTables {
  upload: UploadTable
  candidate: CandidateTable
  validation_issue: ValidationIssueTable
  exchange: ExchangeTable
  exchange_row: ExchangeRowTable
  exchange_request_key: ExchangeRequestKeyTable
  ledger_view: LedgerViewTable
}
