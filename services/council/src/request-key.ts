/**
 * Idempotency-Key for starting an exchange (draft-ietf-httpapi-idempotency-key-header). An analyst's double click, a
 * browser's or a script's retry after a lost response would otherwise send the same list to the trust twice: two
 * requests in the ledger, a second count against the clause's frequency limit, and two exchanges to tell apart. With a
 * key, the second request gets the exchange the first one started.
 *
 * - Keys are per user and last a day from their claim.
 * - The same key with another upload, agreement or clause is refused (422 IDEMPOTENCY_KEY_REUSED).
 * - While the first request is still being sent, a repeat is refused (409 IDEMPOTENCY_KEY_IN_USE); read it again in a
 *   moment.
 * - A key whose attempt ended without an exchange to show (refused by the council's checks, refused or not answered by
 *   the trust at once) is let go, so a retry is checked and sent afresh. A key whose exchange was accepted (answered,
 *   or held for the trust's approval, whatever became of it later) replays that exchange.
 * - A claim left by a process that stopped mid-send is taken over after ten minutes, unless its exchange, collected
 *   from the trust first (approval.ts), turns out to have been answered or held: then that exchange is replayed. One
 *   collected as failed (never sent, or never received by the trust) is taken over at once.
 */
import { randomUUID } from 'node:crypto'
import { errors } from '@healthflag/protocol'
import { refreshExchange } from './approval.js'
import type { CouncilContext } from './context.js'
import * as store from './store.js'

export const REQUEST_KEY_LIFETIME_MS = 24 * 3600_000
export const ABANDONED_CLAIM_MS = 10 * 60_000

/** The header's value: a structured-field string (`"…"`) or the bare text, 1 to 255 printable ASCII characters. */
export function parseIdempotencyKey(header: string | string[] | undefined): string | undefined {
  if (header === undefined) return undefined
  if (Array.isArray(header)) throw errors.badRequest('Send one Idempotency-Key header, not several.')
  const quoted = /^"((?:[\x20\x21\x23-\x5b\x5d-\x7e]|\\["\\])*)"$/.exec(header)
  const key = quoted ? quoted[1]!.replace(/\\(["\\])/g, '$1') : header
  if (key.length < 1 || key.length > 255 || !/^[\x20-\x7e]+$/.test(key)) {
    throw errors.badRequest('Idempotency-Key must be 1 to 255 printable ASCII characters (a UUID is a good key).')
  }
  return key
}

type StoredExchange = NonNullable<Awaited<ReturnType<typeof store.getExchange>>>

export type KeyClaim = { kind: 'claimed'; exchangeId: string; release(): Promise<void> } | { kind: 'replay'; exchange: StoredExchange }

/** Claims `key` for a new exchange, or names the exchange an earlier request with it started. */
export async function claimRequestKey(ctx: CouncilContext, p: { requestedBy: string; key: string; uploadId: string; isaId: string; clauseId: string }): Promise<KeyClaim> {
  const now = ctx.now()
  await store.dropRequestKeysClaimedBefore(ctx.db, new Date(now.getTime() - REQUEST_KEY_LIFETIME_MS))
  const mine: store.RequestKey = { ...p, exchangeId: randomUUID(), claimedAt: now }
  const claimed: KeyClaim = { kind: 'claimed', exchangeId: mine.exchangeId, release: () => store.releaseRequestKey(ctx.db, p.requestedBy, p.key, mine.exchangeId) }
  // Twice at most: a key let go between our insert and our read is simply claimed on the second turn.
  for (let turn = 0; turn < 2; turn++) {
    if (await store.insertRequestKey(ctx.db, mine)) return claimed
    const held = await store.getRequestKey(ctx.db, p.requestedBy, p.key)
    if (!held) continue
    if (held.upload_id !== p.uploadId || held.isa_id !== p.isaId || held.clause_id !== p.clauseId) {
      throw errors.idempotencyKeyReused('This Idempotency-Key was used for another request (another upload, agreement or clause); use a new key for a new request.')
    }
    let exchange = await store.getExchange(ctx.db, held.exchange_id)
    if (exchange?.status === 'sending') {
      // One a stopped process left `sending` is collected first (approval.ts): the trust may have answered it.
      await refreshExchange(ctx, exchange.id)
      exchange = await store.getExchange(ctx.db, exchange.id)
    }
    // Failed is only ever a stopped process's exchange, collected (a request that fails in hand lets its key go): it
    // has nothing to show, so the key goes to this request, which sends the list.
    if (exchange?.status === 'failed') {
      if (await store.takeOverRequestKey(ctx.db, mine, held.exchange_id)) return claimed
      continue
    }
    if (exchange && exchange.status !== 'sending') return { kind: 'replay', exchange }
    if (now.getTime() - new Date(held.claimed_at).getTime() < ABANDONED_CLAIM_MS) {
      throw errors.idempotencyKeyInUse('An exchange with this Idempotency-Key is still being sent; read it again in a moment.')
    }
    if (await store.takeOverRequestKey(ctx.db, mine, held.exchange_id)) return claimed
  }
  throw errors.idempotencyKeyInUse('Another request with this Idempotency-Key is being sent; read it again in a moment.')
}
