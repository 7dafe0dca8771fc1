/**
 * Ledger entries that record a change already committed (an answer stored, a refusal, a purge, an index gone live)
 * are queued in the same transaction as the change and appended from the queue: a ledger that is down, or a process
 * that stops between the commit and the append, delays the entry but never loses it. Appending before the commit
 * instead would record changes that then fail.
 *
 * An entry's time is fixed when it is queued; the party's ledger view it carries is fixed, and stored, before its
 * first send. A retry therefore sends the same bytes (Ed25519 signatures are deterministic), which the ledger answers
 * with the entry it already holds, so an append whose answer was lost is not recorded twice.
 */
import type { ColumnType, Generated, Kysely } from 'kysely'
import type { EntryInput } from './index.js'

export interface LedgerOutboxTable {
  id: Generated<number>
  /** the entry as JSON: as queued, then with the party's view once `prepared` */
  entry: string
  prepared: Generated<boolean>
  queued_at: Generated<Date>
  attempts: Generated<number>
  last_error: ColumnType<string | null, string | null | undefined, string | null>
}

export interface OutboxTables {
  ledger_outbox: LedgerOutboxTable
}

/** Queues `entry` in the caller's transaction; it reaches the ledger only if that transaction commits. */
export async function queueEntry(db: ServiceDb, entry: EntryInput): Promise<void> {
  await outbox(db)
    .insertInto('ledger_outbox')
    .values({ entry: JSON.stringify({ ...entry, at: entry.at ?? new Date().toISOString() }) })
    .execute()
}

export interface OutboxSteps {
  /** The entry with what it carries of the party's ledger view (its checkpoint), fixed before the first send. */
  prepare(entry: EntryInput): Promise<EntryInput>
  /** Appends a prepared entry and keeps the view the ledger answers with. */
  append(entry: EntryInput): Promise<void>
}

export interface DrainResult {
  appended: number
  /** entries still queued after a failure (the next drain retries them, oldest first) */
  waiting: number
  error?: unknown
}

const running = new WeakMap<object, Promise<unknown>>()

/**
 * A service's database or transaction whose schema includes OutboxTables. Kysely's types are invariant in the schema
 * (and its inference gives up on a transaction of a larger one), so the outbox sees it through its own table alone.
 */
export type ServiceDb = Kysely<any>

function outbox(db: ServiceDb): Kysely<OutboxTables> {
  return db as Kysely<OutboxTables>
}

/**
 * Appends the queued entries oldest first, each removed once the ledger holds it. Stops at the first failure, so the
 * entries keep their order; the next drain (the service's sweep, or its next queued change) starts again there.
 * Drains of one database in one process run one after another.
 */
export function drainOutbox(service: ServiceDb, steps: OutboxSteps): Promise<DrainResult> {
  const db = outbox(service)
  const run = async (): Promise<DrainResult> => {
    let appended = 0
    for (;;) {
      const row = await db.selectFrom('ledger_outbox').select(['id', 'entry', 'prepared']).orderBy('id').limit(1).executeTakeFirst()
      if (!row) return { appended, waiting: 0 }
      try {
        let entry = JSON.parse(row.entry) as EntryInput
        if (!row.prepared) {
          entry = await steps.prepare(entry)
          await db.updateTable('ledger_outbox').set({ entry: JSON.stringify(entry), prepared: true }).where('id', '=', row.id).execute()
        }
        await steps.append(entry)
        await db.deleteFrom('ledger_outbox').where('id', '=', row.id).execute()
        appended++
      } catch (error) {
        const message = error instanceof Error ? error.message : String(error)
        await db
          .updateTable('ledger_outbox')
          .set((eb) => ({ attempts: eb('attempts', '+', 1), last_error: message.slice(0, 500) }))
          .where('id', '=', row.id)
          .execute()
          .catch(() => undefined)
        const waiting = await db.selectFrom('ledger_outbox').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirst().catch(() => undefined)
        return { appended, waiting: Number(waiting?.n ?? 1), error }
      }
    }
  }
  const previous = running.get(db) ?? Promise.resolve()
  const next = previous.then(run, run)
  running.set(db, next)
  return next
}
