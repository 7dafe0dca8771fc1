/**
 * The trust's view of the ledger: the latest checkpoint it accepted. Every append carries it, every
 * checkpoint the ledger answers with must extend it, and the council's view in each request must be
 * part of the same log, so a ledger that forks or rolls back is caught at the next exchange.
 */
import { sql } from 'kysely'
import { partyLedger, type DrainResult, type EntryInput, type LedgerView, type PeerView } from '@healthflag/ledger-client'
import type { SidecarContext } from './context.js'

export async function getLedgerView(ctx: SidecarContext): Promise<LedgerView | null> {
  const row = await ctx.db.selectFrom('ledger_view').select(['size', 'root', 'note']).where('id', '=', 1).executeTakeFirst()
  return row ? { size: Number(row.size), root: row.root, note: row.note } : null
}

async function saveLedgerView(ctx: SidecarContext, v: LedgerView): Promise<void> {
  // Never replace a larger view with a smaller one (answers to concurrent appends arrive in any order).
  await ctx.db
    .insertInto('ledger_view')
    .values({ id: 1, size: v.size, root: v.root, note: v.note })
    .onConflict((oc) => oc.column('id').doUpdateSet({ size: v.size, root: v.root, note: v.note, seen_at: sql`now()` }).where('ledger_view.size', '<', v.size))
    .execute()
}

/** Our appends, each carrying our view and proving the ledger's answer extends it (ledger-client's partyLedger). */
function ours(ctx: SidecarContext) {
  return partyLedger(ctx.ledger, { load: () => getLedgerView(ctx), save: (v) => saveLedgerView(ctx, v) })
}

/** Appends with our view attached, then proves the ledger's answer extends that view and keeps it. */
export async function appendAndRemember(ctx: SidecarContext, entry: EntryInput): Promise<void> {
  await ours(ctx).append(entry)
}

/**
 * Appends the entries queued with committed changes (packages/ledger-client/src/outbox.ts). Called after each such
 * change and by the sweep; a ledger that is down leaves them queued, with a warning, until it is back.
 */
export function drainLedgerQueue(ctx: SidecarContext): Promise<DrainResult> {
  return ours(ctx).drain(ctx.db, ctx.log)
}

/** Checks the council's view from an exchange request against ours; with no view yet, adopts it once proven. */
export async function checkCouncilView(ctx: SidecarContext, peer: PeerView): Promise<void> {
  const own = await getLedgerView(ctx)
  await ctx.ledger.checkPeerView(own, peer)
  if (peer.note && (!own || peer.size > own.size)) await saveLedgerView(ctx, await ctx.ledger.advanceView(own, peer.note))
}
