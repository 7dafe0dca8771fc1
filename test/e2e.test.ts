/**
 * One real exchange end to end: three services over real HTTP, each on its own database (real PostgreSQL
 * when DATABASE_URL is set), flags checked against the generator's ground truth, signatures enforced, and
 * no personal data or token anywhere it must not be.
 */
import { readFile, readdir } from 'node:fs/promises'
import { join } from 'node:path'
import { createHash } from 'node:crypto'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { generatePopulation, toCsv, PATIENT_COLUMNS, CANDIDATE_COLUMNS, MARKERS, type Population } from '@healthflag/synth'
import { createTokeniser, deriveEpochKey, normalisePerson } from '@healthflag/tokens'
import { ExchangeRequest, fromBase64Url, signRequest, type SignedAnswer } from '@healthflag/protocol'
import { generatePartyKeys } from '@healthflag/service-kit'
import { api } from '../scripts/lib/client.js'
import { dumpTables, startHarness, type Harness } from './support/harness.js'

let h: Harness
let pop: Population
let exchangeId: string
let uploadReport: Awaited<ReturnType<typeof api.upload>>['body']

const csv = <T extends object>(rows: T[], cols: readonly string[]) => toCsv(rows, [...cols] as (keyof T)[])

beforeAll(async () => {
  h = await startHarness('e2e')
  pop = generatePopulation({ seed: 7, patients: 1500, candidates: 200, tier: 'clean', invalidRows: true, markers: true })
  await api.importIndex(h.stack.urls.sidecar, h.stack.tokens.igOfficer, csv(pop.patients, PATIENT_COLUMNS))
  uploadReport = (await api.upload(h.stack.urls.council, h.stack.tokens.analyst, csv(pop.candidates, CANDIDATE_COLUMNS))).body
  const ex = await api.startExchange(h.stack.urls.council, h.stack.tokens.analyst, uploadReport.upload_id)
  expect(ex.body.status).toBe('answered')
  exchangeId = ex.body.exchange_id
})

afterAll(async () => {
  await h?.drop()
})

describe('an exchange end to end', () => {
  it('flags exactly the candidates the ground truth says are active patients (clean data)', async () => {
    const results = await api.results(h.stack.urls.council, h.stack.tokens.analyst, exchangeId)
    const got = new Map(results.rows.map((r) => [r.ref, r.active_service]))
    const sent = pop.truth.filter((t) => t.sent)
    expect(got.size).toBe(sent.length)
    const wrong = sent.filter((t) => got.get(t.ref) !== t.expectedActive)
    expect(wrong.map((t) => t.ref)).toEqual([])
    expect(sent.some((t) => t.expectedActive)).toBe(true)
    expect(sent.some((t) => !t.expectedActive && t.patientId !== null)).toBe(true)
  })

  it('reports every unsent row with its reason and sends the rest', () => {
    const unsent = new Set(pop.truth.filter((t) => !t.sent).map((t) => t.ref))
    const excluded = uploadReport.rows.filter((r) => r.verdict === 'excluded')
    expect(new Set(excluded.map((r) => r.ref))).toEqual(unsent)
    for (const r of excluded) expect(r.issues.some((i) => i.severity === 'error' && i.message.length > 10)).toBe(true)
  })

  it('writes a results CSV with one row per sent candidate, the upload refs and true/false', async () => {
    const text = await api.resultsCsv(h.stack.urls.council, h.stack.tokens.analyst, exchangeId)
    const [header, ...lines] = text.trim().split('\n')
    expect(header!.split(',').slice(0, 2)).toEqual(['ref', 'active_service'])
    const sentRefs = new Set(pop.truth.filter((t) => t.sent).map((t) => t.ref))
    expect(lines.length).toBe(sentRefs.size)
    for (const l of lines) {
      const [ref, active] = l.split(',')
      expect(sentRefs.has(ref!)).toBe(true)
      expect(['true', 'false']).toContain(active)
    }
  })

  it('records request, answer and receipt in the ledger with counts and digests only', async () => {
    const entries = await api.ledgerEntries(h.stack.urls.ledger, h.stack.tokens.auditor)
    const types = entries.filter((e) => e.entry.entry.exchange_id === exchangeId).map((e) => e.entry.entry.type)
    expect(types).toEqual(['exchange.requested', 'exchange.answered', 'exchange.received'])
    expect(entries.some((e) => e.entry.entry.type === 'index.loaded')).toBe(true)
    for (const e of entries) expect(Object.keys(e.entry.entry).every((k) => ['type', 'isa_id', 'isa_digest', 'clause_id', 'exchange_id', 'party', 'at', 'counts', 'digests', 'key_kcv', 'reason', 'checkpoint'].includes(k))).toBe(true)
    // The answer's counts are the rows and the flags the council receives anyway; nothing about rows answered false
    // (how many met two or more patients would say that people the trust answered "no" for resemble its patients).
    const answered = entries.find((e) => e.entry.entry.exchange_id === exchangeId && e.entry.entry.type === 'exchange.answered')!
    expect(Object.keys(answered.entry.entry.counts as object).sort()).toEqual(['flagged', 'rows'])
  })
})

describe('the side-car answer', () => {
  it('declares a response schema that admits only refs and booleans per row', async () => {
    const res = await fetch(new URL('/docs/json', h.stack.urls.sidecar))
    const doc = (await res.json()) as { paths: Record<string, Record<string, { responses: Record<string, { content: Record<string, { schema: any }> }> }>> }
    const schema = doc.paths['/v1/exchanges']!.post!.responses['200']!.content['application/json']!.schema
    const row = schema.properties.answer.properties.results.items
    expect(Object.keys(row.properties).sort()).toEqual(['active', 'ref'])
    expect(row.additionalProperties).toBe(false)
    expect(row.properties.active.type).toBe('boolean')
    expect(schema.properties.answer.additionalProperties).toBe(false)
  })

  it('binds the answer and every ledger entry to one request digest, which the council keeps instead of the tokens', async () => {
    const council = await h.stack.council.healthflagDb.selectFrom('exchange').select(['request_digest', 'signed_request', 'signed_answer']).where('id', '=', exchangeId).executeTakeFirstOrThrow()
    const sidecar = await h.stack.sidecar.healthflagDb.selectFrom('exchange').select('request_digest').where('id', '=', exchangeId).executeTakeFirstOrThrow()
    expect(council.request_digest).toMatch(/^[0-9a-f]{64}$/)
    expect(sidecar.request_digest).toBe(council.request_digest)
    expect((JSON.parse(council.signed_answer!) as SignedAnswer).answer.request_digest).toBe(council.request_digest)
    const entries = (await api.ledgerEntries(h.stack.urls.ledger, h.stack.tokens.auditor)).filter((e) => e.entry.entry.exchange_id === exchangeId)
    expect(entries.map((e) => (e.entry.entry.digests as Record<string, string>).request)).toEqual([council.request_digest, council.request_digest, council.request_digest])
    expect(council.signed_request).toBeNull()
  })

  it('carries exactly {ref, active} for every row of a real answer', async () => {
    const ex = await h.stack.council.healthflagDb.selectFrom('exchange').select('signed_answer').where('id', '=', exchangeId).executeTakeFirstOrThrow()
    const signed = JSON.parse(ex.signed_answer!) as SignedAnswer
    expect(signed.answer.results.length).toBeGreaterThan(0)
    for (const r of signed.answer.results) expect(Object.keys(r).sort()).toEqual(['active', 'ref'])
  })
})

/** A well-formed exchange request the side-car will refuse on its ISA checks (unknown digest, key check value). */
function sampleRequest(): ExchangeRequest {
  return {
    exchange_id: crypto.randomUUID(),
    isa_id: h.stack.isa.id,
    isa_digest: '0'.repeat(64),
    clause_id: 'brfc-mh-1',
    purpose: 'brfc.mental_health_flag',
    epoch: 1,
    key_kcv: '0'.repeat(16),
    match_keys: ['nhs'],
    returned_fields: ['active_service'],
    attestation: { min_criteria: 2, rows: 1, statement: 'x' },
    rows: [{ ref: 'A'.repeat(22), tokens: { nhs: ['B'.repeat(22)] } }],
    sent_at: new Date().toISOString(),
  }
}

describe('signed traffic', () => {
  const body = () => new TextEncoder().encode(JSON.stringify(sampleRequest()))
  const post = (url: string, path: string, bytes: Uint8Array, headers: Record<string, string>) =>
    fetch(new URL(path, url), { method: 'POST', body: bytes, headers: { 'content-type': 'application/json', ...headers } })

  it('refuses an exchange request without a signature', async () => {
    const res = await post(h.stack.urls.sidecar, '/v1/exchanges', body(), {})
    expect(res.status).toBe(401)
    expect(((await res.json()) as { code: string }).code).toBe('SIGNATURE_MISSING')
  })

  it('refuses an exchange request signed with a key that is not the council\'s', async () => {
    const bytes = body()
    const impostor = generatePartyKeys()
    const res = await post(h.stack.urls.sidecar, '/v1/exchanges', bytes, signRequest({ party: 'council', privateKey: impostor.signing.privateKey }, 'POST', '/v1/exchanges', bytes))
    expect(res.status).toBe(401)
    expect(((await res.json()) as { code: string }).code).toBe('SIGNATURE_INVALID')
  })

  it('refuses a correctly signed request whose body was changed in transit', async () => {
    const bytes = body()
    const headers = signRequest({ party: 'council', privateKey: h.stack.keys.council.signing.privateKey }, 'POST', '/v1/exchanges', bytes)
    const altered = body()
    const res = await post(h.stack.urls.sidecar, '/v1/exchanges', altered, headers)
    expect(res.status).toBe(401)
    expect(((await res.json()) as { code: string }).code).toBe('SIGNATURE_INVALID')
  })

  it('records a refused request under the SHA-256 of its exact bytes, the digest its signature covers', async () => {
    const bytes = body()
    const id = (JSON.parse(new TextDecoder().decode(bytes)) as ExchangeRequest).exchange_id
    const res = await post(h.stack.urls.sidecar, '/v1/exchanges', bytes, signRequest({ party: 'council', privateKey: h.stack.keys.council.signing.privateKey }, 'POST', '/v1/exchanges', bytes))
    expect(res.status).toBeGreaterThanOrEqual(400)
    const row = await h.stack.sidecar.healthflagDb.selectFrom('exchange').select(['request_digest', 'status']).where('id', '=', id).executeTakeFirstOrThrow()
    expect(row.status).toBe('refused')
    expect(row.request_digest).toBe(createHash('sha256').update(bytes).digest('hex'))
  })

  it('refuses a ledger append without a signature, and one signed by an unregistered party', async () => {
    const bytes = new TextEncoder().encode('{}')
    const unsigned = await post(h.stack.urls.ledger, '/v1/entries', bytes, {})
    expect(unsigned.status).toBe(401)
    const stranger = generatePartyKeys()
    const res = await post(h.stack.urls.ledger, '/v1/entries', bytes, signRequest({ party: 'stranger', privateKey: stranger.signing.privateKey }, 'POST', '/v1/entries', bytes))
    expect(res.status).toBe(401)
    expect(((await res.json()) as { code: string }).code).toBe('UNKNOWN_PARTY')
  })
})

describe('personal data and tokens stay where they must', () => {
  function markerForms(): string[] {
    const forms = new Set<string>()
    for (const m of MARKERS) {
      for (const v of [m.given_name, m.family_name, m.postcode]) {
        forms.add(v)
        forms.add(v.toUpperCase())
        forms.add(v.toUpperCase().replace(/\s+/g, ''))
      }
      forms.add(m.nhs_number)
      forms.add(`${m.nhs_number.slice(0, 3)} ${m.nhs_number.slice(3, 6)} ${m.nhs_number.slice(6)}`)
      forms.add(m.date_of_birth)
      forms.add(m.date_of_birth.replace(/\D/g, ''))
      const [y, mo, d] = m.date_of_birth.split('-')
      forms.add(`${d}/${mo}/${y}`)
      forms.add(`${d}${mo}${y}`)
    }
    return [...forms]
  }

  function markerTokens(only?: number): string[] {
    const isa = h.stack.isa
    const party = (id: string) => isa.parties.find((p) => p.id === id)!
    const key = deriveEpochKey({
      ownPrivateKey: h.stack.keys.council.agreement.privateKey,
      peerPublicKey: fromBase64Url(party('trust').agreement_key),
      isaId: isa.id,
      epoch: 1,
      councilPublicKey: fromBase64Url(party('council').agreement_key),
      trustPublicKey: fromBase64Url(party('trust').agreement_key),
    })
    const tok = createTokeniser(key)
    return MARKERS.flatMap((m, i) => (only === undefined || only === i ? Object.values(tok.tokens(normalisePerson({ ...m, sex: ['M', 'F', 'M'][i]! }).person)).flat() : []))
  }

  it('finds marker tokens for every marker (the search can hit)', () => {
    expect(markerTokens().length).toBeGreaterThan(10)
    expect(markerForms()).toContain('QUAXWORTH')
  })

  it('keeps marker values and tokens out of every ledger table', async () => {
    const tables = await dumpTables(h.stack.ledger.healthflagDb)
    expect(tables.size).toBeGreaterThanOrEqual(4)
    const needles = [...markerForms(), ...markerTokens()]
    const hits = [...tables].flatMap(([t, text]) => needles.filter((n) => text.includes(n)).map((n) => `${t}: ${n.length}`))
    expect(hits).toEqual([])
  })

  it("keeps marker values out of every side-car table, and marker tokens out of all but the trust's own index file of its own patient", async () => {
    const db = h.stack.sidecar.healthflagDb
    const tables = await dumpTables(db)
    const values = markerForms()
    // Tokens in text form and as the hex of their bytes (the index stores raw 16-byte tokens).
    const forms = (i: number) => markerTokens(i).flatMap((t) => [t, Buffer.from(t, 'base64url').toString('hex')])
    const valueHits = [...tables].flatMap(([t, text]) => values.filter((n) => text.includes(n)).map((n) => `${t}: ${n.length}`))
    expect(valueHits).toEqual([])
    // No marker's token is in any table: the index's token bytes are in its file.
    const tokenHits = [...tables].flatMap(([t, text]) => [...forms(0), ...forms(1), ...forms(2)].filter((n) => text.includes(n)).map(() => t))
    expect(tokenHits).toEqual([])
    // The index directory: marker 0 is the trust's patient, so its tokens are in the live version's file; markers 1
    // and 2 are candidates only, and no value of any marker is there in any form.
    const dir = h.stack.sidecar.healthflagIndexDir
    const files = await Promise.all((await readdir(dir)).map((n) => readFile(join(dir, n))))
    expect(files.length).toBeGreaterThan(0)
    const holds = (needle: Buffer) => files.some((f) => f.includes(needle))
    const raw = (i: number) => markerTokens(i).map((t) => Buffer.from(t, 'base64url'))
    expect(raw(0).filter(holds).length).toBeGreaterThan(0)
    expect([...raw(1), ...raw(2)].filter(holds)).toEqual([])
    expect(values.filter((v) => holds(Buffer.from(v)))).toEqual([])
  })

  it('keeps marker values and tokens out of every log line of the three services', () => {
    const logs = h.logs()
    expect(logs.length).toBeGreaterThan(1000)
    const needles = [...markerForms(), ...markerTokens()]
    expect(needles.filter((n) => logs.includes(n))).toEqual([])
  })
})

describe('closed schemas', () => {
  it('refuses a signed request carrying a field its schema does not name, rather than dropping it silently', async () => {
    const req = sampleRequest()
    // A name beside a row's tokens: exactly what the closed schema must keep from ever reaching the trust.
    ;(req.rows[0] as Record<string, unknown>).given_name = 'Extra'
    const bytes = new TextEncoder().encode(JSON.stringify(req))
    const headers = signRequest({ party: 'council', privateKey: h.stack.keys.council.signing.privateKey }, 'POST', '/v1/exchanges', bytes)
    const res = await fetch(new URL('/v1/exchanges', h.stack.urls.sidecar), { method: 'POST', body: bytes, headers: { 'content-type': 'application/json', ...headers } })
    expect(res.status).toBe(400)
    const body = (await res.json()) as { code: string; message: string }
    expect(body.code).toBe('BAD_REQUEST')
    expect(body.message).toContain('/rows/0')
    const stored = await h.stack.sidecar.healthflagDb.selectFrom('exchange').select('id').where('id', '=', req.exchange_id).execute()
    expect(stored).toEqual([])
  })
})

describe('signature before validation', () => {
  it('answers an unsigned request with a malformed body 401, not a schema error', async () => {
    const res = await fetch(new URL('/v1/exchanges', h.stack.urls.sidecar), { method: 'POST', body: '{"rows": 5}', headers: { 'content-type': 'application/json' } })
    expect(res.status).toBe(401)
    expect(((await res.json()) as { code: string }).code).toBe('SIGNATURE_MISSING')
  })
})
