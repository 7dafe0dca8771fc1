/** What the side-car's routes need, built once in app.ts and passed down. */
import type { FastifyBaseLogger } from 'fastify'
import type { Kysely } from 'kysely'
import type { IsaDb } from '@healthflag/isa'
import type { LedgerClient } from '@healthflag/ledger-client'
import type { PartyKeys } from '@healthflag/service-kit'
import type { SidecarDB } from './db/schema.js'
import type { IndexCache } from './index-cache.js'

export interface SidecarContext {
  db: Kysely<SidecarDB>
  /** The same database seen through the ISA registry's tables (kysely's types are invariant in DB). */
  isaDb: IsaDb
  keys: PartyKeys
  party: string
  ledger: LedgerClient
  epoch: number
  indexes: IndexCache
  /** Where the index versions' token files are (import/token-file.ts) */
  indexDir: string
  now: () => Date
  /** the service's logger, for work done after a request has been answered (the ledger queue) */
  log?: FastifyBaseLogger
}
