/**
 * Starting an exchange with an Idempotency-Key: a repeat (a double click, a retry after a lost response) answers with
 * the exchange the first request started and sends nothing to the trust again. Real services over HTTP; the council's
 * own table is read only to plant a claim left by a stopped process.
 */
import { randomUUID } from 'node:crypto'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { api } from '../scripts/lib/client.js'
import { parseIdempotencyKey } from '../services/council/src/request-key.js'
import { adminCall, batch, candidatesCsv, clock, ledgerEntries, patientsCsv, sendUpload, startIsaHarness, type IsaHarness } from './isa-fixtures.js'

const clk = clock(new Date(Date.now() + 3_600_000))
let h: IsaHarness
const everyone = batch(120, 0, { active: 36, inactive: 36 })
let nextList = 0

/** A fresh upload of ten people (a new file each time, so a new upload). */
async function upload(): Promise<string> {
  const list = everyone.slice(nextList * 10, nextList * 10 + 10)
  nextList++
  return (await api.upload(h.stack.urls.council, h.stack.tokens.analyst, candidatesCsv(list))).body.upload_id
}

const send = (uploadId: string, key: string | undefined, opts: { token?: string; body?: unknown } = {}) => sendUpload(h.stack, uploadId, { ...opts, ...(key !== undefined ? { key } : {}) })

async function exchangesOf(uploadId: string): Promise<string[]> {
  const list = (await adminCall(h.stack.urls.council, h.stack.tokens.analyst, 'GET', '/v1/exchanges')).body as { exchange_id: string; upload_id: string }[]
  return list.filter((e) => e.upload_id === uploadId).map((e) => e.exchange_id)
}

async function requestedInLedger(): Promise<string[]> {
  return (await ledgerEntries(h.stack, '?limit=5000')).filter((e) => e.entry.type === 'exchange.requested').map((e) => e.entry.exchange_id!)
}

beforeAll(async () => {
  h = await startIsaHarness('idem', {
    now: clk.now,
    isa: (doc) => {
      for (const c of doc.clauses) c.frequency = { max_exchanges: 1000, period_days: 30 }
      return doc
    },
  })
  await api.importIndex(h.stack.urls.sidecar, h.stack.tokens.igOfficer, patientsCsv(everyone), clk.today())
})

afterAll(async () => {
  await h?.drop()
})

describe('an exchange request with an Idempotency-Key', () => {
  it('is sent once: the repeat answers with the first exchange, marked as replayed, and the ledger has one request', async () => {
    const up = await upload()
    const key = randomUUID()
    const first = await send(up, key)
    expect(first.status).toBe(200)
    expect(first.body.status).toBe('answered')
    expect(first.replayed).toBeNull()
    const again = await send(up, key)
    expect(again.status).toBe(200)
    expect(again.replayed).toBe('true')
    expect(again.body.exchange_id).toBe(first.body.exchange_id)
    expect(await exchangesOf(up)).toEqual([first.body.exchange_id])
    expect((await requestedInLedger()).filter((id) => id === first.body.exchange_id)).toHaveLength(1)
  })

  it('without a key, or with a new one, is a new exchange', async () => {
    const up = await upload()
    const a = await send(up, undefined)
    const b = await send(up, undefined)
    const c = await send(up, randomUUID())
    expect(new Set([a.body.exchange_id, b.body.exchange_id, c.body.exchange_id]).size).toBe(3)
    expect(await exchangesOf(up)).toHaveLength(3)
  })

  it('sent twice at the same moment makes one exchange: the other request waits (409) or is answered with it', async () => {
    const up = await upload()
    const key = randomUUID()
    const before = (await requestedInLedger()).length
    const both = await Promise.all([send(up, key), send(up, key)])
    const made = await exchangesOf(up)
    expect(made).toHaveLength(1)
    for (const r of both) {
      if (r.status === 409) expect(r.body.code).toBe('IDEMPOTENCY_KEY_IN_USE')
      else expect([r.status, r.body.exchange_id]).toEqual([200, made[0]])
    }
    expect(both.filter((r) => r.status === 200 && r.replayed === null)).toHaveLength(1)
    expect((await requestedInLedger()).length).toBe(before + 1)
  })

  it('belongs to its user: another user with the same key makes an exchange of their own', async () => {
    const up = await upload()
    const key = randomUUID()
    const analyst = await send(up, key)
    const admin = await send(up, key, { token: h.stack.tokens.admin })
    expect(analyst.status).toBe(200)
    expect(admin.status).toBe(200)
    expect(admin.replayed).toBeNull()
    expect(admin.body.exchange_id).not.toBe(analyst.body.exchange_id)
    const listed = (await adminCall(h.stack.urls.council, h.stack.tokens.analyst, 'GET', '/v1/exchanges')).body as { exchange_id: string; requested_by: string }[]
    expect(listed.filter((e) => [analyst.body.exchange_id, admin.body.exchange_id].includes(e.exchange_id)).map((e) => e.requested_by).sort()).toEqual(['central-analyst', 'council-admin'])
  })

  it('is refused for another upload or clause (422), and that request sends nothing', async () => {
    const up = await upload()
    const other = await upload()
    const key = randomUUID()
    expect((await send(up, key)).status).toBe(200)
    const before = (await requestedInLedger()).length
    const otherUpload = await send(other, key)
    expect([otherUpload.status, otherUpload.body.code]).toEqual([422, 'IDEMPOTENCY_KEY_REUSED'])
    const otherClause = await send(up, key, { body: { clause_id: 'no-such-clause' } })
    expect([otherClause.status, otherClause.body.code]).toEqual([422, 'IDEMPOTENCY_KEY_REUSED'])
    expect(await exchangesOf(other)).toEqual([])
    expect((await requestedInLedger()).length).toBe(before)
  })

  it('is let go when the request is refused, so the retry is checked afresh and, once right, sent', async () => {
    const up = await upload()
    const key = randomUUID()
    const refused = await send(up, key, { body: { clause_id: 'no-such-clause' } })
    expect([refused.status, refused.body.code]).toEqual([403, 'CLAUSE_UNKNOWN'])
    const again = await send(up, key, { body: { clause_id: 'no-such-clause' } })
    expect([again.status, again.body.code]).toEqual([403, 'CLAUSE_UNKNOWN'])
    // Let go, not tied to the refused request: the same key now sends the right request.
    const right = await send(up, key)
    expect(right.status).toBe(200)
    expect(right.replayed).toBeNull()
  })

  it('is refused while another request holds it (409), and taken over once that claim is ten minutes old', async () => {
    const up = await upload()
    const key = randomUUID()
    const db = h.stack.council.healthflagDb
    const isaId = h.stack.isa.id
    const clauseId = h.stack.isa.clauses[0]!.id
    // As a council process leaves it when it stops between claiming the key and storing the exchange.
    await db.insertInto('exchange_request_key').values({ requested_by: 'central-analyst', idem_key: key, upload_id: up, isa_id: isaId, clause_id: clauseId, exchange_id: randomUUID(), claimed_at: clk.now() }).execute()
    const busy = await send(up, key)
    expect([busy.status, busy.body.code]).toEqual([409, 'IDEMPOTENCY_KEY_IN_USE'])
    expect(busy.body.message).toMatch(/still being sent/)
    expect(await exchangesOf(up)).toEqual([])
    clk.set(new Date(clk.now().getTime() + 11 * 60_000))
    const taken = await send(up, key)
    expect(taken.status).toBe(200)
    expect(taken.replayed).toBeNull()
    expect(await exchangesOf(up)).toEqual([taken.body.exchange_id])
  })

  it('is taken over, not replayed, when the exchange its stopped process left turns out never to have been sent', async () => {
    const up = await upload()
    const key = randomUUID()
    const db = h.stack.council.healthflagDb
    const isa = h.stack.isa
    const digest = (await db.selectFrom('isa_version').select('digest').where('isa_id', '=', isa.id).orderBy('version', 'desc').executeTakeFirstOrThrow()).digest
    const stopped = randomUUID()
    // A process that claimed the key and the clause's place, then stopped before building the request.
    await db.insertInto('exchange_request_key').values({ requested_by: 'central-analyst', idem_key: key, upload_id: up, isa_id: isa.id, clause_id: isa.clauses[0]!.id, exchange_id: stopped, claimed_at: clk.now() }).execute()
    await db
      .insertInto('exchange')
      .values({ id: stopped, upload_id: up, isa_id: isa.id, isa_version: isa.version, isa_digest: digest, clause_id: isa.clauses[0]!.id, status: 'sending', epoch: 1, key_kcv: 'AAAAAAAAAAA', rows_sent: 10, requested_by: 'central-analyst', request_digest: null, created_at: clk.now() })
      .execute()
    clk.set(new Date(clk.now().getTime() + 6 * 60_000))
    // Collected as failed on the repeat: nothing to replay, so the repeat sends the list.
    const retried = await send(up, key)
    expect(retried.status).toBe(200)
    expect(retried.replayed).toBeNull()
    expect(retried.body).toMatchObject({ status: 'answered' })
    expect(retried.body.exchange_id).not.toBe(stopped)
    expect(await api.exchange(h.stack.urls.council, h.stack.tokens.analyst, stopped)).toMatchObject({ status: 'failed' })
  })

  it('lasts a day: after it, the same key starts a new exchange', async () => {
    const up = await upload()
    const key = randomUUID()
    const first = await send(up, key)
    clk.set(new Date(clk.now().getTime() + 23 * 3_600_000))
    expect((await send(up, key)).body.exchange_id).toBe(first.body.exchange_id)
    clk.set(new Date(clk.now().getTime() + 2 * 3_600_000))
    const later = await send(up, key)
    expect(later.status).toBe(200)
    expect(later.replayed).toBeNull()
    expect(later.body.exchange_id).not.toBe(first.body.exchange_id)
  })

  it('must be 1 to 255 printable ASCII characters', async () => {
    const up = await upload()
    for (const bad of ['', 'x'.repeat(256), 'tab\there']) {
      const r = await send(up, bad)
      expect([r.status, r.body.code], JSON.stringify(bad)).toEqual([400, 'BAD_REQUEST'])
      expect(r.body.message).toMatch(/Idempotency-Key/)
    }
    expect(await exchangesOf(up)).toEqual([])
  })
})

describe('the council API description (/docs)', () => {
  it('documents the Idempotency-Key header of the send route', async () => {
    const doc = (await (await fetch(new URL('/docs/json', h.stack.urls.council))).json()) as { paths: Record<string, Record<string, { parameters?: { in: string; name: string }[]; description?: string }>> }
    const send = doc.paths['/v1/uploads/{id}/exchanges']!.post!
    expect(send.parameters?.filter((p) => p.in === 'header').map((p) => p.name)).toEqual(['idempotency-key'])
    expect(send.description).toMatch(/Idempotent-Replayed/)
  })
})

describe('parseIdempotencyKey', () => {
  it('takes the bare text or a structured-field string, unescaping it', () => {
    expect(parseIdempotencyKey(undefined)).toBeUndefined()
    expect(parseIdempotencyKey('8e03978e-40d5-43e8-bc93-6894a57f9324')).toBe('8e03978e-40d5-43e8-bc93-6894a57f9324')
    expect(parseIdempotencyKey('"8e03978e-40d5-43e8-bc93-6894a57f9324"')).toBe('8e03978e-40d5-43e8-bc93-6894a57f9324')
    expect(parseIdempotencyKey('"a\\"b\\\\c"')).toBe('a"b\\c')
    expect(() => parseIdempotencyKey(['a', 'b'])).toThrow(/one Idempotency-Key/)
    expect(() => parseIdempotencyKey('""')).toThrow(/1 to 255/)
  })
})
