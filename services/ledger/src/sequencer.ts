/**
 * Group commit: appends that arrive while a transaction is running wait and go into the next one, so
 * many entries share one transaction, one lock hold and one signed checkpoint. The head-row lock in
 * appendEntries still sequences appends across processes; this only batches within one.
 */
import type { Kysely } from 'kysely'
import type { NoteSigner, SignedEntry } from '@healthflag/ledger-core'
import type { LedgerDB } from './schema.js'
import { appendEntries, type Appended, type FrontierCache, type PreparedEntry } from './store.js'

export interface AppendOutcome {
  appended: Appended[]
  checkpoint: string
  size: number
}

export interface Sequencer {
  append(entries: readonly (SignedEntry | PreparedEntry)[]): Promise<AppendOutcome>
  /** Transactions committed and entries written since start (for the bench and tests). */
  stats(): { transactions: number; entries: number }
}

interface Waiting {
  entries: readonly (SignedEntry | PreparedEntry)[]
  resolve: (o: AppendOutcome) => void
  reject: (e: unknown) => void
}

export function createSequencer(db: Kysely<LedgerDB>, signer: NoteSigner & { origin: string }, opts: { maxBatch?: number; singleRoundTrip?: boolean } = {}): Sequencer {
  const maxBatch = opts.maxBatch ?? 1000
  const queue: Waiting[] = []
  let running = false
  let transactions = 0
  let written = 0
  const frontier: FrontierCache = { singleRoundTrip: opts.singleRoundTrip ?? false }

  async function commit(batch: Waiting[]): Promise<void> {
    const all = batch.flatMap((w) => w.entries)
    const res = await appendEntries(db, all, signer, frontier)
    transactions++
    written += all.length
    let pos = 0
    for (const w of batch) {
      w.resolve({ appended: res.appended.slice(pos, pos + w.entries.length), checkpoint: res.checkpoint, size: res.size })
      pos += w.entries.length
    }
  }

  async function drain(): Promise<void> {
    running = true
    try {
      while (queue.length > 0) {
        const batch: Waiting[] = [queue.shift()!]
        let n = batch[0]!.entries.length
        while (queue.length > 0 && n + queue[0]!.entries.length <= maxBatch) {
          n += queue[0]!.entries.length
          batch.push(queue.shift()!)
        }
        try {
          await commit(batch)
        } catch (e) {
          // One request's failure (e.g. a duplicate racing its twin) must not fail the others: retry alone.
          if (batch.length === 1) batch[0]!.reject(e)
          else for (const w of batch) await commit([w]).catch(w.reject)
        }
      }
    } finally {
      running = false
    }
  }

  return {
    append(entries) {
      return new Promise<AppendOutcome>((resolve, reject) => {
        queue.push({ entries, resolve, reject })
        if (!running) void drain()
      })
    },
    stats: () => ({ transactions, entries: written }),
  }
}
