/**
 * An index version is built for one clause's definition of active (its services), and answers exchanges under that
 * definition only. Before, every import applied the first clause's definition, and an exchange under a second clause
 * (here one listing only CAMHS), or under the first after a variation changed its services, was answered with flags
 * derived from a list the clause does not permit: a CMHT patient flagged active under a CAMHS-only clause. Real
 * services over HTTP; the agreement has two clauses, the second held for IG approval.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { IsaDocument } from '@healthflag/isa'
import { api } from '../scripts/lib/client.js'
import { adminCall, candidatesCsv, clock, exchangeTrail, people, startIsaHarness, type IsaHarness } from './isa-fixtures.js'

const clk = clock(new Date(Date.now() + 3_600_000))
let h: IsaHarness
const A = 'brfc-mh-1'
const B = 'brfc-camhs-1'

/** The example's clause A (CMHT, EIP, CAMHS, IAPT, Crisis), and clause B: CAMHS only, decided by an IG officer. */
function twoClauses(doc: IsaDocument): IsaDocument {
  const next = structuredClone(doc)
  next.valid_to = '2099-12-31'
  next.review_date = '2099-01-01'
  const a = next.clauses[0]!
  a.frequency = { max_exchanges: 1000, period_days: 30 }
  a.active_definition.max_index_age_days = 3650
  const b = structuredClone(a)
  b.id = B
  b.title = 'Flag of an open CAMHS referral for BRFC candidate children'
  b.active_definition.services = ['CAMHS']
  b.approval = { required: true, window_hours: 72 }
  next.clauses.push(b)
  return next
}

/** Twelve candidates; the trust holds referrals for the first three. */
const persons = people(Array.from({ length: 12 }, () => ({ district: 'Tamworth' })), 360)
const CMHT = persons[0]!
const CAMHS = persons[1]!
const EIP = persons[2]!
const referred: [typeof CMHT, string][] = [
  [CMHT, 'CMHT'],
  [CAMHS, 'CAMHS'],
  [EIP, 'EIP'],
]

function referralCsv(): string {
  const lines = ['patient_id,nhs_number,given_name,family_name,date_of_birth,sex,postcode,service,referred_on,discharged_on']
  for (const [p, service] of referred) lines.push([p.patientId, p.nhs, p.given, p.family, p.dob, p.sex, p.postcode, service, '2020-01-01', ''].join(','))
  return lines.join('\n') + '\n'
}

/** POST /v1/index for `clause` (the agreement's first when not given). */
async function importFor(clause?: string): Promise<{ status: number; body: any }> {
  const q = new URLSearchParams({ as_of: clk.today(), ...(clause ? { clause_id: clause } : {}) })
  const res = await fetch(new URL(`/v1/index?${q}`, h.stack.urls.sidecar), { method: 'POST', headers: { authorization: `Bearer ${h.stack.tokens.igOfficer}`, 'content-type': 'text/csv' }, body: referralCsv() })
  return { status: res.status, body: await res.json() }
}

let uploadId: string
const send = (clause: string) => api.startExchange(h.stack.urls.council, h.stack.tokens.analyst, uploadId, { clause_id: clause })

/** Flags of the three referred people, by their service. */
async function flags(exchangeId: string): Promise<Record<string, boolean | null | undefined>> {
  const rows = new Map((await api.results(h.stack.urls.council, h.stack.tokens.analyst, exchangeId)).rows.map((r) => [r.ref, r.active_service]))
  return Object.fromEntries(referred.map(([p, service]) => [service, rows.get(p.ref)]))
}

const approve = (id: string) => adminCall(h.stack.urls.sidecar, h.stack.tokens.igOfficer, 'POST', `/v1/ig/exchanges/${id}/approve`)

beforeAll(async () => {
  h = await startIsaHarness('clause_index', { isa: twoClauses, now: clk.now })
  uploadId = (await api.upload(h.stack.urls.council, h.stack.tokens.analyst, candidatesCsv(persons))).body.upload_id
})

afterAll(async () => {
  await h?.drop()
})

describe('the clause an index is built for', () => {
  it('builds the index for the first clause unless told otherwise, and answers under it with its services', async () => {
    expect(await importFor()).toMatchObject({ status: 201, body: { clause_id: A, patients_loaded: 3 } })
    const ex = await send(A)
    expect(ex.body.status).toBe('answered')
    expect(await flags(ex.body.exchange_id)).toEqual({ CMHT: true, CAMHS: true, EIP: true })
  })

  it('refuses an exchange under another clause whose definition of active differs (INDEX_NOT_LOADED), rather than answer with the first clause’s', async () => {
    const refused = await send(B).catch((e: unknown) => e)
    expect(refused).toMatchObject({ status: 503, code: 'INDEX_NOT_LOADED' })
    expect((refused as Error).message).toContain(`built for clause ${A}'s definition of active`)
    expect((refused as Error).message).toContain(`clause_id=${B}`)
    const [ex] = await h.stack.council.healthflagDb.selectFrom('exchange').select('id').where('clause_id', '=', B).execute()
    expect(await exchangeTrail(h.stack, ex!.id)).toEqual(['council exchange.requested', 'trust exchange.refused INDEX_NOT_LOADED'])
  })

  it('answers under the second clause from an index imported for it, re-checking at approval that the live index is still the one for its clause', async () => {
    expect(await importFor(B)).toMatchObject({ status: 201, body: { clause_id: B } })
    const held = await send(B)
    expect(held.body.status).toBe('pending_approval')
    // The trust goes back to the first clause's index while the exchange waits: approving it now would answer from it.
    await importFor(A)
    const early = await approve(held.body.exchange_id)
    expect(early).toMatchObject({ status: 503, body: { code: 'INDEX_NOT_LOADED' } })
    expect((await api.exchange(h.stack.urls.council, h.stack.tokens.analyst, held.body.exchange_id)).status).toBe('pending_approval')
    await importFor(B)
    expect(await approve(held.body.exchange_id)).toMatchObject({ status: 200, body: { status: 'answered' } })
    expect(await api.exchange(h.stack.urls.council, h.stack.tokens.analyst, held.body.exchange_id)).toMatchObject({ status: 'answered' })
    expect(await flags(held.body.exchange_id)).toEqual({ CMHT: false, CAMHS: true, EIP: false })
    // ...and the first clause is now the one refused.
    await expect(send(A)).rejects.toMatchObject({ status: 503, code: 'INDEX_NOT_LOADED' })
  })

  it('refuses an unknown clause for an import (CLAUSE_UNKNOWN), leaving the live index as it was', async () => {
    expect(await importFor('no-such-clause')).toMatchObject({ status: 403, body: { code: 'CLAUSE_UNKNOWN' } })
    const versions = (await adminCall(h.stack.urls.sidecar, h.stack.tokens.igOfficer, 'GET', '/v1/index')).body as { status: string; clause_id: string | null }[]
    expect(versions.find((v) => v.status === 'live')?.clause_id).toBe(B)
  })

  it('refuses, once a variation changes the clause’s services, the index built under the earlier wording; a new import answers with the new list', async () => {
    expect((await importFor(A)).status).toBe(201)
    expect((await send(A)).body.status).toBe('answered')
    // Both parties register a variation of clause A: EIP only.
    const at = new Date(clk.now().getTime() + 60_000)
    const before = (await adminCall(h.stack.urls.council, h.stack.tokens.admin, 'GET', `/v1/isas/${h.stack.isa.id}/versions`)).body as { doc: IsaDocument }[]
    const changes = { clauses: before.at(-1)!.doc.clauses.map((c) => (c.id === A ? { ...c, active_definition: { ...c.active_definition, services: ['EIP'] } } : c)) }
    const varied = await adminCall(h.stack.urls.council, h.stack.tokens.admin, 'POST', `/v1/isas/${h.stack.isa.id}/variations`, { changes, effective_from: at.toISOString() })
    expect(varied.status, JSON.stringify(varied.body)).toBe(201)
    const versions = (await adminCall(h.stack.urls.council, h.stack.tokens.admin, 'GET', `/v1/isas/${h.stack.isa.id}/versions`)).body as { doc: IsaDocument }[]
    expect((await adminCall(h.stack.urls.sidecar, h.stack.tokens.admin, 'POST', '/v1/isas', versions.at(-1)!.doc)).status).toBe(201)
    clk.set(new Date(at.getTime() + 1000))

    const refused = await send(A).catch((e: unknown) => e)
    expect(refused).toMatchObject({ status: 503, code: 'INDEX_NOT_LOADED' })
    expect((refused as Error).message).toContain(`an earlier version of clause ${A}'s definition of active`)
    expect((await importFor(A)).status).toBe(201)
    const ex = await send(A)
    expect(ex.body.status).toBe('answered')
    expect(await flags(ex.body.exchange_id)).toEqual({ CMHT: false, CAMHS: false, EIP: true })
  })

  it('takes a version imported before the side-car recorded its clause as built for the first clause of the agreement then in effect', async () => {
    // As migration 0014 leaves such a version: no clause, no digest. Its import started under the variation above.
    const db = h.stack.sidecar.healthflagDb
    await db.updateTable('index_version').set({ clause_id: null, definition_digest: null, started_at: clk.now() }).where('status', '=', 'live').execute()
    expect((await send(A)).body.status).toBe('answered')
    await expect(send(B)).rejects.toMatchObject({ status: 503, code: 'INDEX_NOT_LOADED' })
    // Started before the variation took effect: built for the earlier services, so refused under the new ones.
    await db.updateTable('index_version').set({ started_at: new Date(clk.now().getTime() - 30 * 60_000) }).where('status', '=', 'live').execute()
    const refused = await send(A).catch((e: unknown) => e)
    expect(refused).toMatchObject({ status: 503, code: 'INDEX_NOT_LOADED' })
    expect((refused as Error).message).toContain(`an earlier version of clause ${A}'s definition of active`)
  })
})
