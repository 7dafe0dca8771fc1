/**
 * Exchange requests signed with the council's key and sent straight to the side-car, as the council would send them,
 * so that the side-car's own behaviour can be tested without the council's checks in front of it.
 */
import { randomBytes, randomUUID } from 'node:crypto'
import { isaDigest, type IsaDocument } from '@healthflag/isa'
import { HealthflagError, type ExchangeRequest } from '@healthflag/protocol'
import { signedFetch } from '@healthflag/service-kit'
import type { Stack } from '../../scripts/lib/stack.js'

export interface SidecarReply {
  status: number
  body: { code?: string; message?: string; answer?: { exchange_id: string; results: { ref: string; active: boolean }[] }; status?: string }
}

/** A signed call to the side-car as the council; a refusal comes back as its status and body, not thrown. */
export async function asCouncil(stack: Stack, method: 'GET' | 'POST', path: string, body?: unknown, privateKey = stack.keys.council.signing.privateKey): Promise<SidecarReply> {
  try {
    const r = await signedFetch<SidecarReply['body']>(stack.urls.sidecar, { party: 'council', privateKey }, method, path, body)
    return { status: r.status, body: r.body }
  } catch (e) {
    if (e instanceof HealthflagError) return { status: e.statusCode, body: { code: e.code, message: e.message } }
    throw e
  }
}

/** The agreement version in effect on the side-car at `now` (the service clock). */
export async function sidecarIsa(stack: Stack, now: Date): Promise<IsaDocument> {
  const res = await fetch(new URL(`/v1/isas/${stack.isa.id}/versions`, stack.urls.sidecar), { headers: { authorization: `Bearer ${stack.tokens.admin}` } })
  const versions = (await res.json()) as { doc: IsaDocument; effective_from: string }[]
  return versions.filter((v) => Date.parse(v.effective_from) <= now.getTime()).at(-1)!.doc
}

/**
 * A request under `doc`'s clause (the first unless named) with `rows` rows of random tokens (they match no patient),
 * the key check value the trust's import reported, and a fresh exchange id.
 */
export function exchangeRequest(doc: IsaDocument, kcv: string, opts: { rows?: number; clauseId?: string; sentAt?: Date } = {}): ExchangeRequest {
  const clause = opts.clauseId ? doc.clauses.find((c) => c.id === opts.clauseId)! : doc.clauses[0]!
  const rows = Array.from({ length: opts.rows ?? 12 }, () => ({ ref: randomBytes(16).toString('base64url'), tokens: { nhs: [randomBytes(16).toString('base64url')] } }))
  return {
    exchange_id: randomUUID(),
    isa_id: doc.id,
    isa_digest: isaDigest(doc),
    clause_id: clause.id,
    purpose: clause.purpose,
    epoch: 1,
    key_kcv: kcv,
    match_keys: ['nhs'],
    returned_fields: ['active_service'],
    attestation: { min_criteria: clause.precondition.min_criteria, rows: rows.length, statement: 'Every row meets the programme criteria the clause requires.' },
    rows,
    sent_at: (opts.sentAt ?? new Date()).toISOString(),
  }
}
