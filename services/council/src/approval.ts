/**
 * Picks up the trust's decision on an exchange that waits for IG approval: a signed GET to the side-car,
 * then the answer is verified and stored as for an immediate answer, or the refusal/expiry is recorded.
 */
import { isHealthflagError } from '@healthflag/protocol'
import { isaByDigest } from '@healthflag/isa'
import { signedFetch } from '@healthflag/service-kit'
import type { CouncilContext } from './context.js'
import { acceptAnswer } from './exchange.js'
import * as store from './store.js'

/**
 * Asks the side-car once. Leaves the exchange pending when the trust has not decided yet or cannot be
 * reached (the next status read asks again). Returns the exchange's status afterwards.
 */
export async function refreshExchange(ctx: CouncilContext, exchangeId: string): Promise<string | undefined> {
  const e = await store.getExchange(ctx.db, exchangeId)
  if (!e || e.status !== 'pending_approval') return e?.status
  const isa = await isaByDigest(ctx.isaDb, e.isa_digest)
  if (!isa || !e.request_digest) return e.status
  let res
  try {
    res = await signedFetch<unknown>(ctx.sidecarUrl, { party: ctx.party, privateKey: ctx.keys.signing.privateKey }, 'GET', `/v1/exchanges/${exchangeId}`)
  } catch (err) {
    if (!isHealthflagError(err) || err.statusCode >= 500) return e.status // unreachable: ask again later
    await store.setExchangeStatus(ctx.db, exchangeId, 'refused', { code: err.code, message: err.message })
    return 'refused'
  }
  if (res.status === 202) return e.status
  await acceptAnswer(ctx, isa, exchangeId, e.request_digest, res.body)
  return 'answered'
}
