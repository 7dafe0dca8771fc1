/**
 * Every ISA check, on each side where it applies, through real exchanges over HTTP: the refusal code the
 * caller sees and the `exchange.refused` ledger entry that records it (reason = code). The agreement is
 * changed between tests the way it is in production: a variation registered on both sides through the
 * admin routes, in effect from the service clock's "now", which the tests move.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { isaDigest, type Clause, type IsaDocument } from '@healthflag/isa'
import { type ExchangeRequest } from '@healthflag/protocol'
import { signedFetch } from '@healthflag/service-kit'
import { api } from '../scripts/lib/client.js'
import { exchangeRequest } from './support/sidecar-requests.js'
import { adminCall, batch, candidatesCsv, clock, ledgerEntries, patientsCsv, startIsaHarness, type IsaHarness, type LedgerEntry, unhinderedIsa } from './isa-fixtures.js'

const start = new Date(Date.now() + 86_400_000)
const clk = clock(start)
let h: IsaHarness
let uploadId: string
const everyone = batch(12, 0, { active: 4, inactive: 4 })

const base = unhinderedIsa

const council = () => h.stack.urls.council
const sidecar = () => h.stack.urls.sidecar

async function current(url = council()): Promise<IsaDocument> {
  const versions = (await adminCall(url, h.stack.tokens.admin, 'GET', `/v1/isas/${h.stack.isa.id}/versions`)).body as { doc: IsaDocument; effective_from: string }[]
  const inEffect = versions.filter((v) => Date.parse(v.effective_from) <= clk.now().getTime())
  return inEffect.at(-1)!.doc
}

/**
 * Varies the agreement on the council and registers the same document on the side-car (one party drafts,
 * the other registers the agreed text), in effect one minute from the clock's now, which then moves there.
 */
async function vary(change: (doc: IsaDocument) => Partial<IsaDocument>, opts: { sidecar?: boolean; effectiveInMinutes?: number } = {}): Promise<{ digest: string; doc: IsaDocument }> {
  const at = new Date(clk.now().getTime() + (opts.effectiveInMinutes ?? 1) * 60_000)
  const changes = change(structuredClone(await current()))
  const r = await adminCall(council(), h.stack.tokens.admin, 'POST', `/v1/isas/${h.stack.isa.id}/variations`, { changes, effective_from: at.toISOString() })
  expect(r.status, JSON.stringify(r.body)).toBe(201)
  const versions = (await adminCall(council(), h.stack.tokens.admin, 'GET', `/v1/isas/${h.stack.isa.id}/versions`)).body as { doc: IsaDocument; digest: string }[]
  const doc = versions.at(-1)!.doc
  if (opts.sidecar !== false) {
    const s = await adminCall(sidecar(), h.stack.tokens.admin, 'POST', '/v1/isas', doc)
    expect(s.status, JSON.stringify(s.body)).toBe(201)
    expect(s.body.digest).toBe(r.body.digest)
  }
  if (!opts.effectiveInMinutes || opts.effectiveInMinutes <= 1) clk.set(new Date(at.getTime() + 1000))
  return { digest: r.body.digest, doc }
}

function clauseChange(f: (c: Clause) => void) {
  return (doc: IsaDocument) => {
    const clauses = structuredClone(doc.clauses)
    f(clauses[0]!)
    return { clauses }
  }
}

async function refusals(): Promise<LedgerEntry[]> {
  return ledgerEntries(h.stack, '?type=exchange.refused&limit=5000')
}

/** Runs `fn`, expects it to fail with `code`, and returns the one new exchange.refused entry it caused. */
async function expectRefused(fn: () => Promise<unknown>, code: string, party: 'council' | 'trust'): Promise<LedgerEntry> {
  const before = new Set((await refusals()).map((e) => e.index))
  await expect(fn()).rejects.toMatchObject({ code })
  const added = (await refusals()).filter((e) => !before.has(e.index))
  expect(added).toHaveLength(1)
  expect(added[0]!.entry).toMatchObject({ type: 'exchange.refused', party, reason: code })
  return added[0]!
}

const exchange = (body: { isa_id?: string; clause_id?: string } = {}) => api.startExchange(council(), h.stack.tokens.analyst, uploadId, body)

/** A request as the council would sign it, built by hand so the side-car's own checks can be reached. */
async function crafted(over: Partial<ExchangeRequest> & { rowCount?: number } = {}): Promise<{ id: string; send: () => Promise<unknown> }> {
  const { rowCount, ...rest } = over
  const req: ExchangeRequest = { ...exchangeRequest(await current(sidecar()), '0123456789abcdef', { rows: rowCount ?? 12, sentAt: clk.now() }), ...rest }
  const key = { party: 'council', privateKey: h.stack.keys.council.signing.privateKey }
  return { id: req.exchange_id, send: () => signedFetch(sidecar(), key, 'POST', '/v1/exchanges', req) }
}

async function expectTrustRefused(over: Parameters<typeof crafted>[0], code: string): Promise<void> {
  const req = await crafted(over)
  const entry = await expectRefused(req.send, code, 'trust')
  expect(entry.entry.exchange_id).toBe(req.id)
}

async function importIndex(asOf = clk.today()): Promise<void> {
  await api.importIndex(sidecar(), h.stack.tokens.igOfficer, patientsCsv(everyone), asOf)
}

beforeAll(async () => {
  h = await startIsaHarness('isa_checks', { isa: base, now: clk.now })
  uploadId = (await api.upload(council(), h.stack.tokens.analyst, candidatesCsv(everyone))).body.upload_id
})

afterAll(async () => {
  await h?.drop()
})

describe('checks that need the trust index', () => {
  it('refuses on the trust side while no patient index is loaded (INDEX_NOT_LOADED)', async () => {
    await expectRefused(() => exchange(), 'INDEX_NOT_LOADED', 'trust')
  })

  it('answers once an index is loaded, flagging exactly the active patients', async () => {
    await importIndex()
    const ex = await exchange()
    expect(ex.body.status).toBe('answered')
    expect(ex.body.rows_flagged).toBe(4)
    expect(ex.body.index_as_of).toBe(clk.today())
  })

  it('refuses on the trust side an index older than the clause allows (INDEX_TOO_OLD)', async () => {
    await vary(clauseChange((c) => (c.active_definition.max_index_age_days = 5)))
    await importIndex(new Date(clk.now().getTime() - 9 * 86_400_000).toISOString().slice(0, 10))
    await expectRefused(() => exchange(), 'INDEX_TOO_OLD', 'trust')
    await importIndex()
    expect((await exchange()).body.status).toBe('answered')
    await vary(clauseChange((c) => (c.active_definition.max_index_age_days = 3650)))
  })

  it('refuses on the trust side a request whose token key check value differs (KEY_MISMATCH)', async () => {
    await expectTrustRefused({ key_kcv: 'ffffffffffffffff' }, 'KEY_MISMATCH')
  })
})

describe('agreement-level checks', () => {
  it('records the agreement each side loaded at start-up in the ledger, once per party', async () => {
    const registered = (await ledgerEntries(h.stack, '?type=isa.registered')).filter((e) => e.entry.isa_digest === isaDigest(h.stack.isa))
    expect(registered.map((e) => e.entry.party).sort()).toEqual(['council', 'trust'])
  })

  it('refuses an ISA id neither side holds (ISA_UNKNOWN), on the council and on the trust', async () => {
    const entry = await expectRefused(() => exchange({ isa_id: 'no-such-isa' }), 'ISA_UNKNOWN', 'council')
    expect(entry.entry.isa_digest).toBe('0'.repeat(64))
    await expectTrustRefused({ isa_id: 'no-such-isa' }, 'ISA_UNKNOWN')
  })

  it('refuses a draft agreement (ISA_NOT_ACTIVE), on the council and on the trust', async () => {
    await vary(() => ({ status: 'draft' }))
    await expectRefused(() => exchange(), 'ISA_NOT_ACTIVE', 'council')
    await expectTrustRefused({}, 'ISA_NOT_ACTIVE')
    await vary(() => ({ status: 'active' }))
    expect((await exchange()).body.status).toBe('answered')
  })

  it('refuses a suspended agreement (ISA_SUSPENDED) and records the suspension, on both sides', async () => {
    const at = new Date(clk.now().getTime() + 60_000).toISOString()
    const c = await adminCall(council(), h.stack.tokens.admin, 'POST', `/v1/isas/${h.stack.isa.id}/suspend`, { reason: 'DPIA under review', effective_from: at })
    const s = await adminCall(sidecar(), h.stack.tokens.admin, 'POST', `/v1/isas/${h.stack.isa.id}/suspend`, { reason: 'DPIA under review', effective_from: at })
    expect([c.status, s.status]).toEqual([201, 201])
    expect(s.body.digest).toBe(c.body.digest)
    const suspended = (await ledgerEntries(h.stack, '?type=isa.suspended')).filter((e) => e.entry.isa_digest === c.body.digest)
    expect(suspended.map((e) => e.entry.party).sort()).toEqual(['council', 'trust'])
    clk.set(new Date(Date.parse(at) + 1000))
    await expectRefused(() => exchange(), 'ISA_SUSPENDED', 'council')
    await expectTrustRefused({}, 'ISA_SUSPENDED')
    await vary(() => ({ status: 'active' }))
    expect((await exchange()).body.status).toBe('answered')
  })

  it('refuses once the agreement is past its valid_to date (ISA_EXPIRED), on both sides', async () => {
    const yesterday = new Date(clk.now().getTime() - 86_400_000).toISOString().slice(0, 10)
    await vary(() => ({ valid_to: yesterday, review_date: yesterday }))
    await expectRefused(() => exchange(), 'ISA_EXPIRED', 'council')
    await expectTrustRefused({}, 'ISA_EXPIRED')
    await vary(() => ({ valid_to: '2099-12-31', review_date: '2099-01-01' }))
  })

  it('refuses before the agreement’s valid_from date (ISA_NOT_YET_VALID), on both sides', async () => {
    const later = new Date(clk.now().getTime() + 10 * 86_400_000).toISOString().slice(0, 10)
    await vary(() => ({ valid_from: later }))
    await expectRefused(() => exchange(), 'ISA_NOT_YET_VALID', 'council')
    await expectTrustRefused({}, 'ISA_NOT_YET_VALID')
    await vary(() => ({ valid_from: '2016-03-01' }))
  })

  it('warns past the review date when the ISA says warn, and refuses (ISA_REVIEW_OVERDUE) when it says refuse', async () => {
    const yesterday = new Date(clk.now().getTime() - 86_400_000).toISOString().slice(0, 10)
    await vary(() => ({ review_date: yesterday, review_overdue: 'warn' }))
    const warned = await exchange()
    expect(warned.body.status).toBe('answered')
    expect(warned.body.warnings).toEqual([expect.stringContaining(`was due for review on ${yesterday}`)])
    await vary(() => ({ review_overdue: 'refuse' }))
    await expectRefused(() => exchange(), 'ISA_REVIEW_OVERDUE', 'council')
    await expectTrustRefused({}, 'ISA_REVIEW_OVERDUE')
    await vary(() => ({ review_date: '2099-01-01', review_overdue: 'warn' }))
    expect((await exchange()).body.warnings ?? []).toEqual([])
  })

  it('refuses on the trust side a request quoting an ISA digest it does not hold (ISA_DIGEST_MISMATCH), until it registers that version', async () => {
    const { digest, doc } = await vary(clauseChange((c) => (c.batch.max = 50_000)), { sidecar: false })
    const entry = await expectRefused(() => exchange(), 'ISA_DIGEST_MISMATCH', 'trust')
    expect(entry.entry.isa_digest).not.toBe(digest)
    const s = await adminCall(sidecar(), h.stack.tokens.admin, 'POST', '/v1/isas', doc)
    expect(s.body.digest).toBe(digest)
    expect((await exchange()).body.status).toBe('answered')
  })
})

describe('clause-level checks', () => {
  it('refuses a clause the agreement does not have (CLAUSE_UNKNOWN), on both sides', async () => {
    await expectRefused(() => exchange({ clause_id: 'no-such-clause' }), 'CLAUSE_UNKNOWN', 'council')
    await expectTrustRefused({ clause_id: 'no-such-clause' }, 'CLAUSE_UNKNOWN')
  })

  it('answers 400 naming clause_id, and records nothing, for a clause id the ledger could not hold (a trailing space)', async () => {
    const before = (await refusals()).length
    await expect(exchange({ clause_id: `${h.stack.isa.clauses[0]!.id} ` })).rejects.toMatchObject({ status: 400, code: 'BAD_REQUEST', message: expect.stringContaining('body/clause_id') })
    expect(await refusals()).toHaveLength(before)
  })

  it('refuses on the trust side a purpose the clause does not permit (PURPOSE_NOT_PERMITTED)', async () => {
    await expectTrustRefused({ purpose: 'marketing.campaign' }, 'PURPOSE_NOT_PERMITTED')
  })

  it('refuses a match key the clause does not permit (MATCH_KEY_NOT_PERMITTED), on both sides', async () => {
    await expectTrustRefused({ match_keys: ['nhs', 'retina_scan'] }, 'MATCH_KEY_NOT_PERMITTED')
    // The council only computes permitted keys; a clause permitting none it can compute leaves nothing to send.
    await vary(clauseChange((c) => (c.permitted_match_keys = ['retina_scan'])))
    await expectRefused(() => exchange(), 'MATCH_KEY_NOT_PERMITTED', 'council')
    await vary(() => ({ clauses: structuredClone(h.stack.isa.clauses) }))
  })

  it('refuses when the attested criteria are below the clause precondition (PRECONDITION_NOT_ATTESTED), on both sides', async () => {
    await expectTrustRefused({ attestation: { min_criteria: 1, rows: 12, statement: 'test' } }, 'PRECONDITION_NOT_ATTESTED')
    await expectTrustRefused({ attestation: { min_criteria: 2, rows: 11, statement: 'test' } }, 'PRECONDITION_NOT_ATTESTED')
    await vary(clauseChange((c) => (c.precondition.min_criteria = 3)))
    await expectRefused(() => exchange(), 'PRECONDITION_NOT_ATTESTED', 'council')
    await vary(clauseChange((c) => (c.precondition.min_criteria = 2)))
  })

  it('refuses a batch below the clause minimum (BATCH_TOO_SMALL), on both sides', async () => {
    await expectTrustRefused({ rowCount: 3 }, 'BATCH_TOO_SMALL')
    await vary(clauseChange((c) => (c.batch.min = 13)))
    await expectRefused(() => exchange(), 'BATCH_TOO_SMALL', 'council')
    await vary(clauseChange((c) => (c.batch.min = 10)))
  })

  it('refuses on the council side, sending nothing, a batch whose rows with a permitted match key are below the clause minimum (BATCH_TOO_SMALL)', async () => {
    // 12 accepted rows (the minimum is 10), but 9 carry only a date of birth and criteria: no match key can be formed.
    const lines = candidatesCsv(batch(12, 200)).split('\n')
    const thin = lines.map((line, i) => {
      if (i < 4 || line === '') return line
      const [ref, , , , dob, , , criteria, district, family] = line.split(',')
      return [ref, '', '', '', dob, '', '', criteria, district, family].join(',')
    })
    const up = (await api.upload(council(), h.stack.tokens.analyst, thin.join('\n'))).body
    expect(up.summary.accepted).toBe(12)
    const before = new Set((await ledgerEntries(h.stack, '?limit=5000')).map((e) => e.index))
    const refused = await api.startExchange(council(), h.stack.tokens.analyst, up.upload_id).catch((e: unknown) => e)
    expect(refused).toMatchObject({ status: 422, code: 'BATCH_TOO_SMALL', message: expect.stringContaining('only 3 of the 12 accepted rows') })
    // Nothing reached the trust: the only new ledger entry is the council's refusal, counting the rows it would have sent.
    const added = (await ledgerEntries(h.stack, '?limit=5000')).filter((e) => !before.has(e.index))
    expect(added.map((e) => `${e.entry.party} ${e.entry.type} ${e.entry.reason}`)).toEqual(['council exchange.refused BATCH_TOO_SMALL'])
    expect(added[0]!.entry.counts).toEqual({ rows: 3 })
  })

  it('refuses a batch above the clause maximum (BATCH_TOO_LARGE), on both sides', async () => {
    await vary(clauseChange((c) => (c.batch = { min: 2, max: 11 })))
    await expectRefused(() => exchange(), 'BATCH_TOO_LARGE', 'council')
    await expectTrustRefused({ rowCount: 12 }, 'BATCH_TOO_LARGE')
    await vary(clauseChange((c) => (c.batch = { min: 10, max: 60_000 })))
  })

  it('refuses more exchanges in the period than the clause allows (FREQUENCY_EXCEEDED), on both sides', async () => {
    clk.advanceDays(31) // leave the earlier exchanges outside the window
    await importIndex()
    await vary(clauseChange((c) => (c.frequency = { max_exchanges: 2, period_days: 30 })))
    expect((await exchange()).body.status).toBe('answered')
    expect((await exchange()).body.status).toBe('answered')
    await expectRefused(() => exchange(), 'FREQUENCY_EXCEEDED', 'council')
    await expectTrustRefused({}, 'FREQUENCY_EXCEEDED')
    clk.advanceDays(31)
    await importIndex()
    expect((await exchange()).body.status).toBe('answered')
    await vary(clauseChange((c) => (c.frequency = { max_exchanges: 1000, period_days: 30 })))
  })

  it('refuses on the trust side, by the wire schema, a request asking for any field but active_service', async () => {
    const req = await crafted({ returned_fields: ['diagnosis' as 'active_service'] })
    await expect(req.send()).rejects.toMatchObject({ code: 'BAD_REQUEST', statusCode: 400 })
  })
})

describe('variations', () => {
  it('changes behaviour from its effective time on, and keeps both versions readable with their digests', async () => {
    const before = await current()
    const { digest, doc } = await vary(clauseChange((c) => (c.batch.min = 20)), { effectiveInMinutes: 24 * 60 })
    expect((await exchange()).body.status).toBe('answered') // the old version is still in effect
    clk.advanceDays(1.01)
    await expectRefused(() => exchange(), 'BATCH_TOO_SMALL', 'council')
    for (const url of [council(), sidecar()]) {
      const versions = (await adminCall(url, h.stack.tokens.admin, 'GET', `/v1/isas/${h.stack.isa.id}/versions`)).body as { version: number; digest: string; doc: IsaDocument }[]
      const old = versions.find((v) => v.version === before.version)!
      const next = versions.find((v) => v.version === doc.version)!
      expect(isaDigest(old.doc)).toBe(old.digest)
      expect(old.doc.clauses[0]!.batch.min).toBe(10)
      expect(next.digest).toBe(digest)
      expect(isaDigest(next.doc)).toBe(digest)
      expect(next.doc.supersedes).toBe(old.digest)
    }
    const varied = (await ledgerEntries(h.stack, '?type=isa.varied&limit=5000')).filter((e) => e.entry.isa_digest === digest)
    expect(varied.map((e) => e.entry.party).sort()).toEqual(['council', 'trust'])
    await vary(clauseChange((c) => (c.batch.min = 10)))
  })

  it('refuses for good once the agreement is expired through the registry (ISA_EXPIRED)', async () => {
    const at = new Date(clk.now().getTime() + 60_000).toISOString()
    for (const url of [council(), sidecar()]) {
      const r = await adminCall(url, h.stack.tokens.admin, 'POST', `/v1/isas/${h.stack.isa.id}/expire`, { reason: 'Programme ended', effective_from: at })
      expect(r.status).toBe(201)
    }
    clk.set(new Date(Date.parse(at) + 1000))
    await expectRefused(() => exchange(), 'ISA_EXPIRED', 'council')
    await expectTrustRefused({}, 'ISA_EXPIRED')
    const again = await adminCall(council(), h.stack.tokens.admin, 'POST', `/v1/isas/${h.stack.isa.id}/suspend`, { reason: 'too late' })
    expect(again.status).toBe(409)
  })
})
