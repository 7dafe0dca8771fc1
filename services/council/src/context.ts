/** What the council's routes need, built once in app.ts and passed down (no globals, no env reads). */
import type { FastifyBaseLogger } from 'fastify'
import type { Kysely } from 'kysely'
import type { IsaDb, IsaDocument } from '@healthflag/isa'
import type { LedgerClient } from '@healthflag/ledger-client'
import type { PartyKeys } from '@healthflag/service-kit'
import type { CouncilDB } from './db/schema.js'

export interface CouncilContext {
  db: Kysely<CouncilDB>
  /** The same database seen through the ISA registry's tables (kysely's types are invariant in DB). */
  isaDb: IsaDb
  keys: PartyKeys
  /** The party id this service signs as (the ISA's 'council' party). */
  party: string
  sidecarUrl: string
  ledger: LedgerClient
  /** Token epoch in force. */
  epoch: number
  now: () => Date
  /** the service's logger, for work done after a request has been answered (the ledger queue) */
  log?: FastifyBaseLogger
}

export type { IsaDocument }
