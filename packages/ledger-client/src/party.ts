/**
 * A party's appends with its view of the ledger: every entry carries the party's latest accepted checkpoint (size and
 * root), and the checkpoint the ledger answers with must extend it (LEDGER_INCONSISTENT otherwise: a fork or a
 * rollback) before it becomes the party's view. The council and the side-car keep their view in their own database;
 * `views` reads and keeps it (a store keeps a view only if it is larger than the one held).
 */
import { fromBase64, toHex } from '@healthflag/ledger-core'
import type { EntryInput, LedgerClient, LedgerView } from './index.js'
import { drainOutbox, type DrainResult, type ServiceDb } from './outbox.js'

export interface ViewStore {
  load(): Promise<LedgerView | null>
  save(view: LedgerView): Promise<void>
}

export interface PartyLedger {
  /** The entry with the party's view attached (its `checkpoint`). */
  withView(entry: EntryInput): Promise<EntryInput>
  /** Appends an entry as it is, then proves and keeps the view the ledger answers with. */
  appendPrepared(entry: EntryInput): Promise<void>
  /** withView, then appendPrepared. */
  append(entry: EntryInput): Promise<void>
  /**
   * Appends the entries queued in `db`'s ledger outbox (outbox.ts), oldest first; a ledger that does not take them
   * leaves them queued, with a warning to `log`, until it does.
   */
  drain(db: ServiceDb, log?: { warn(obj: object, msg: string): void }): Promise<DrainResult>
}

export function partyLedger(client: LedgerClient, views: ViewStore): PartyLedger {
  const party: PartyLedger = {
    async withView(entry) {
      const view = await views.load()
      const root = view ? fromBase64(view.root) : null
      return view && root?.length === 32 ? { ...entry, checkpoint: { size: view.size, root: toHex(root) } } : entry
    },
    async appendPrepared(entry) {
      const view = await views.load()
      const res = await client.append(entry)
      const next = await client.advanceView(view, res.checkpoint)
      if (next !== view) await views.save(next)
    },
    async append(entry) {
      await party.appendPrepared(await party.withView(entry))
    },
    async drain(db, log) {
      const r = await drainOutbox(db, { prepare: party.withView, append: party.appendPrepared })
      if (r.error) log?.warn({ err: r.error, waiting: r.waiting }, 'ledger entries queued; they are appended once the ledger answers')
      return r
    },
  }
  return party
}
