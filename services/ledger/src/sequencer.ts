/**
 * Group commit: appends that arrive while a transaction is running wait and go into the next one, so
 * many entries share one transaction, one lock hold and one signed checkpoint. The head-row lock in
 * appendEntries still sequences appends across processes; this only batches within one.
 */
import type { Kysely } from 'kysely'
import type { NoteSigner, SignedEntry } from '@healthflag/ledger-core'
import type { LedgerDB } from './schema.js'
import { appendEntries, indexesByLeaf, latestCheckpoint, prepareEntry, type Appended, type FrontierCache, type PreparedEntry } from './store.js'

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

  /**
   * Appends the batch's distinct leaves. Two requests carrying the same entry can both miss the route's lookup: a
   * twin in the same batch is merged into the first, and a leaf another transaction committed first (the unique index
   * entry_leaf_hash refuses it) is looked up again and answered with its index, as a re-sent entry is.
   */
  async function commit(batch: Waiting[]): Promise<void> {
    const prepared = batch.map((w) => w.entries.map((e) => ('leaf' in e ? e : prepareEntry(e))))
    const distinct = new Map<string, PreparedEntry>()
    for (const p of prepared.flat()) if (!distinct.has(hex(p.leaf))) distinct.set(hex(p.leaf), p)
    const index = new Map<string, { index: number; existed: boolean }>()
    const out = await appendDistinct([...distinct.values()], index)
    const answered = new Set<string>()
    for (const [k, w] of batch.entries()) {
      const appended = prepared[k]!.map((p): Appended => {
        const h = hex(p.leaf)
        const at = index.get(h)!
        // Only the first of identical entries is the new one; the others are answered as re-sent.
        const existed = at.existed || answered.has(h)
        answered.add(h)
        return { index: at.index, leafHash: p.leaf, ...(existed ? { existed: true } : {}) }
      })
      w.resolve({ appended, checkpoint: out.checkpoint, size: out.size })
    }
  }

  /** Appends `pending`, recording each leaf's index in `index`; a leaf already stored is recorded as existing instead. */
  async function appendDistinct(pending: PreparedEntry[], index: Map<string, { index: number; existed: boolean }>): Promise<{ checkpoint: string; size: number }> {
    for (;;) {
      if (pending.length === 0) {
        const latest = await latestCheckpoint(db)
        if (!latest) throw new Error('the ledger holds entries but no checkpoint')
        return { checkpoint: latest.note, size: latest.size }
      }
      try {
        const res = await appendEntries(db, pending, signer, frontier)
        transactions++
        written += pending.length
        for (const a of res.appended) index.set(hex(a.leafHash), { index: a.index, existed: false })
        return res
      } catch (e) {
        if (!isLeafConflict(e)) throw e
        // Each round removes at least one leaf, so this ends.
        const found = await indexesByLeaf(db, pending.map((p) => p.leaf))
        if (found.size === 0) throw e
        for (const [h, i] of found) index.set(h, { index: i, existed: true })
        pending = pending.filter((p) => !found.has(hex(p.leaf)))
      }
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
          // One request's failure (e.g. an entry the database refuses) must not fail the others: retry alone.
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

const hex = (b: Uint8Array): string => Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString('hex')

/** PostgreSQL's (and PGlite's) unique violation on the one-leaf-per-entry index of 0002_unique_leaf.sql. */
function isLeafConflict(e: unknown): boolean {
  const err = e as { code?: unknown; constraint?: unknown } | null
  return typeof err === 'object' && err !== null && err.code === '23505' && err.constraint === 'entry_leaf_hash'
}
