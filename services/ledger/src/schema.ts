/** The ledger database, exactly as migrations/ledger/*.sql create it. */
import type { ColumnType, Generated } from 'kysely'

type Bytes = ColumnType<Uint8Array, Uint8Array, Uint8Array>

export interface LedgerDB {
  party: { id: string; signing_key: string; registered_at: Generated<Date> }
  log_head: { id: number; size: number; root: Bytes }
  entry: {
    idx: number
    body: Bytes
    leaf_hash: Bytes
    type: string
    isa_id: string
    clause_id: string | null
    exchange_id: string | null
    party: string
    at: ColumnType<Date, Date | string, never>
    recorded_at: Generated<Date>
  }
  node: { level: number; idx: number; hash: Bytes }
  checkpoint: { size: number; root: Bytes; note: string; created_at: Generated<Date> }
}
