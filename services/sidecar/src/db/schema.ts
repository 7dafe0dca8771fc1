/** The side-car database, exactly as migrations/sidecar/*.sql create it. */
import type { ColumnType, Generated } from 'kysely'
import type { IsaTables } from '@healthflag/isa'
import type { OutboxTables } from '@healthflag/ledger-client'

type Timestamp = ColumnType<Date, Date | string | undefined, Date | string>
type Json<T = unknown> = ColumnType<T, string, string>

export interface IndexVersionTable {
  id: Generated<number>
  status: 'loading' | 'live' | 'retired' | 'failed'
  as_of: ColumnType<string, string, string>
  source_digest: string
  epoch: number
  key_kcv: string
  rows_read: Generated<number>
  rows_loaded: Generated<number>
  rows_rejected: Generated<number>
  started_at: Generated<Date>
  live_at: Timestamp | null
  retired_at: Timestamp | null
  /** the clause whose definition of active the import applied (null: imported before migration 0014) */
  clause_id: string | null
  /** activeDefinitionDigest of that clause (@healthflag/isa) */
  definition_digest: string | null
}

export interface IndexPatientTable {
  version_id: number
  seq: number
  patient_id: string
  active: boolean
  restricted: boolean
  tokens: Json<Record<string, string[]>>
}

export interface SidecarExchangeTable {
  id: string
  isa_id: string
  isa_digest: string
  clause_id: string
  party: string
  /** 'answering': checks passed, frequency place taken, being matched (migration 0015) */
  status: 'pending' | 'answering' | 'answered' | 'refused' | 'expired'
  rows_received: number
  rows_flagged: number | null
  request_digest: string
  index_version_id: number | null
  received_at: Generated<Date>
  expires_at: Timestamp | null
  decided_at: Timestamp | null
  decided_by: string | null
  reason: string | null
  error_code: string | null
  /** the signed answer's JSON text */
  signed_answer: string | null
}

export interface PendingRequestTable {
  exchange_id: string
  /** the held request's JSON text */
  request: string
}

export interface SeenNonceTable {
  party: string
  nonce: string
  seen_at: Timestamp
}

export interface LedgerViewTable {
  id: number
  size: number
  root: string
  note: string
  seen_at: Generated<Date>
}

export interface SidecarDB extends IsaTables, OutboxTables {
  index_version: IndexVersionTable
  index_patient: IndexPatientTable
  exchange: SidecarExchangeTable
  pending_request: PendingRequestTable
  seen_nonce: SeenNonceTable
  ledger_view: LedgerViewTable
}
