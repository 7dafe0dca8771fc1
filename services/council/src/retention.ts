/**
 * Retention: an upload's personal data and results are purged once the shortest retention period of the
 * clauses it was exchanged under has passed since its last use (upload, exchange or answer). An upload
 * never exchanged is held for the shortest retention period of the agreement in effect. Each purge is a
 * `data.purged` ledger entry with counts.
 */
import { isaByDigest, isaInEffect, type IsaVersion } from '@healthflag/isa'
import type { CouncilContext } from './context.js'
import { queueEntry } from '@healthflag/ledger-client'
import { drainLedgerQueue } from './exchange.js'
import * as store from './store.js'

const DAY_MS = 86_400_000

export interface PurgeReport {
  uploads_purged: number
  candidates_deleted: number
  results_deleted: number
}

function retentionDays(isa: IsaVersion, clauseId?: string): number {
  const clauses = clauseId ? isa.doc.clauses.filter((c) => c.id === clauseId) : isa.doc.clauses
  return Math.min(...(clauses.length ? clauses : isa.doc.clauses).map((c) => c.retention_days))
}

/** Purges every upload whose retention period has passed at ctx.now(). */
export async function purgeExpired(ctx: CouncilContext, defaultIsaId: string): Promise<PurgeReport> {
  const now = ctx.now()
  const report: PurgeReport = { uploads_purged: 0, candidates_deleted: 0, results_deleted: 0 }
  for (const u of await store.unpurgedUploads(ctx.db)) {
    let days = Infinity
    let governing: { isa: IsaVersion; clauseId?: string; exchangeId?: string } | undefined
    let lastUse = new Date(u.uploaded_at).getTime()
    for (const e of u.exchanges) {
      const isa = await isaByDigest(ctx.isaDb, e.isa_digest)
      if (!isa) continue
      days = Math.min(days, retentionDays(isa, e.clause_id))
      governing = { isa, clauseId: e.clause_id, exchangeId: e.id }
      lastUse = Math.max(lastUse, new Date(e.created_at).getTime(), e.answered_at ? new Date(e.answered_at).getTime() : 0)
    }
    if (!governing) {
      const isa = await isaInEffect(ctx.isaDb, defaultIsaId, now)
      if (!isa) continue
      days = retentionDays(isa)
      governing = { isa }
    }
    if (now.getTime() <= lastUse + days * DAY_MS) continue
    const { isa, clauseId, exchangeId } = governing
    // The purge and its ledger entry commit together: the entry is queued with the deletion, then appended (now, or by
    // a later sweep should the ledger be down), so no purge goes unrecorded.
    const purged = await ctx.db.transaction().execute(async (trx) => {
      const done = await store.purgeUpload(trx, u.id, now)
      if (!done) return null // purged meanwhile by another run, which records it
      await queueEntry(trx, {
        type: 'data.purged',
        isa_id: isa.doc.id,
        isa_digest: isa.digest,
        ...(clauseId ? { clause_id: clauseId } : {}),
        ...(exchangeId ? { exchange_id: exchangeId } : {}),
        counts: { candidates: done.candidates, results: done.results, exchanges: done.exchanges, retention_days: days },
        reason: 'retention period ended',
      })
      return done
    })
    if (!purged) continue
    report.uploads_purged++
    report.candidates_deleted += purged.candidates
    report.results_deleted += purged.results
  }
  await drainLedgerQueue(ctx)
  return report
}
