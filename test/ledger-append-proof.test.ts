/**
 * A party appends through a dishonest host: the real ledger service behind a small HTTP proxy that rewrites its
 * answers. The party must not take an append as done unless the ledger proves the entry is in the checkpoint it
 * answers with (LEDGER_INCONSISTENT otherwise), and must tell a ledger that does not answer (LEDGER_UNAVAILABLE, 503)
 * from one whose proofs fail (LEDGER_INCONSISTENT, 409).
 */
import http from 'node:http'
import type { AddressInfo } from 'node:net'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { entryBytes, leafHash, toBase64, toHex, type SignedEntry } from '@healthflag/ledger-core'
import { createLedgerClient, type LedgerClient } from '@healthflag/ledger-client'
import { startLedger, type TestLedger } from '../services/ledger/test/helpers.js'

type Mode =
  | 'honest'
  /** answers an append itself, never storing it: a made-up index, the right leaf hash, the ledger's genuine checkpoint */
  | 'censor'
  | 'wrong index'
  | 'wrong leaf hash'
  | 'index beyond the checkpoint'
  /** forwards a batch, then moves its last entry onto the first one's index */
  | 'one batch entry misplaced'
  /** proofs answered with 503, as a ledger that is overloaded or restarting */
  | 'proofs unavailable'
  /** consistency proofs answered with made-up hashes */
  | 'bogus consistency proof'

let L: TestLedger & { drop(): Promise<void> }
let proxy: http.Server
let proxyUrl: string
let mode: Mode = 'honest'

const leafHex = (signed: SignedEntry) => toHex(leafHash(entryBytes(signed)))

async function forward(method: string, url: string, headers: http.IncomingHttpHeaders, body: Buffer): Promise<{ status: number; text: string; type: string }> {
  const h: Record<string, string> = {}
  for (const [k, v] of Object.entries(headers)) if (typeof v === 'string' && !['host', 'connection', 'content-length'].includes(k)) h[k] = v
  const res = await fetch(new URL(url, L.url), { method, headers: h, ...(method === 'POST' ? { body } : {}) })
  return { status: res.status, text: await res.text(), type: res.headers.get('content-type') ?? 'application/json' }
}

async function dishonest(req: http.IncomingMessage, body: Buffer): Promise<{ status: number; text: string; type: string }> {
  const path = (req.url ?? '/').split('?')[0] ?? '/'
  const json = (status: number, x: unknown) => ({ status, text: JSON.stringify(x), type: 'application/json' })
  const checkpoint = async () => await (await fetch(new URL('/v1/checkpoint', L.url))).text()
  if (req.method === 'POST' && mode === 'censor') {
    const note = await checkpoint()
    const size = Number(note.split('\n')[1])
    const sent = JSON.parse(body.toString('utf8')) as SignedEntry | { entries: SignedEntry[] }
    if (path === '/v1/entries/batch') return json(201, { appended: (sent as { entries: SignedEntry[] }).entries.map((e, i) => ({ index: i, leaf_hash: leafHex(e) })), checkpoint: note })
    return json(201, { index: size - 1, leaf_hash: leafHex(sent as SignedEntry), checkpoint: note })
  }
  if (mode === 'proofs unavailable' && path.startsWith('/v1/proof/')) return json(503, { code: 'INTERNAL', message: 'internal error' })
  const res = await forward(req.method ?? 'GET', req.url ?? '/', req.headers, body)
  if (mode === 'bogus consistency proof' && path === '/v1/proof/consistency' && res.status === 200) {
    const p = JSON.parse(res.text) as { proof: string[] }
    return json(200, { ...p, proof: p.proof.map(() => toBase64(new Uint8Array(32).fill(7))) })
  }
  if (req.method !== 'POST' || res.status >= 300) return res
  const a = JSON.parse(res.text) as { index: number; leaf_hash: string; appended: { index: number; leaf_hash: string }[] }
  if (mode === 'wrong index') a.index = a.index - 1
  if (mode === 'wrong leaf hash') a.leaf_hash = 'cd'.repeat(32)
  if (mode === 'index beyond the checkpoint') a.index = 1_000_000
  if (mode === 'one batch entry misplaced') a.appended[a.appended.length - 1]!.index = a.appended[0]!.index
  return json(res.status, a)
}

beforeAll(async () => {
  L = await startLedger('append_proof')
  proxy = http.createServer((req, res) => {
    const chunks: Buffer[] = []
    req.on('data', (c: Buffer) => chunks.push(c))
    req.on('end', () => {
      dishonest(req, Buffer.concat(chunks)).then(
        (r) => res.writeHead(r.status, { 'content-type': r.type }).end(r.text),
        (e: unknown) => res.writeHead(502).end(String(e)),
      )
    })
  })
  await new Promise<void>((resolve) => proxy.listen(0, '127.0.0.1', resolve))
  proxyUrl = `http://127.0.0.1:${(proxy.address() as AddressInfo).port}`
})
afterAll(async () => {
  await new Promise((resolve) => proxy?.close(resolve))
  await L?.drop()
})

let n = 0
const entry = () => ({ type: 'exchange.requested' as const, isa_id: 'ISA-P', isa_digest: 'ab'.repeat(32), clause_id: 'c1', exchange_id: `p-${++n}-${Date.now()}`, counts: { rows: n } })
const council = (): LedgerClient => createLedgerClient({ url: proxyUrl, key: { party: 'council', privateKey: L.parties.council } })
const logSize = async () => ((await (await fetch(new URL('/v1/log', L.url))).json()) as { size: number }).size

describe('an append through a dishonest host', () => {
  it('is taken when the host passes the answer on unchanged, one entry or a batch', async () => {
    mode = 'honest'
    const c = council()
    await c.append(entry())
    const one = await c.append(entry())
    const many = await c.appendMany([entry(), entry(), entry()])
    expect(many.appended.map((a) => a.index)).toEqual([one.index + 1, one.index + 2, one.index + 3])
    // A re-sent entry (200, the index it already has) proves the same way.
    const e = { ...entry(), at: '2026-11-01T00:00:00.000Z' }
    const first = await c.append(e)
    expect((await c.append(e)).index).toBe(first.index)
  })

  for (const [m, what] of [
    ['censor', 'a made-up index for an entry it never stored'],
    ['wrong index', 'another index'],
    ['wrong leaf hash', 'another leaf hash'],
    ['index beyond the checkpoint', 'an index beyond its checkpoint'],
  ] as const) {
    it(`is refused with LEDGER_INCONSISTENT when the host answers with ${what}`, async () => {
      mode = 'honest'
      await council().append(entry())
      const before = await logSize()
      mode = m
      await expect(council().append(entry())).rejects.toMatchObject({ code: 'LEDGER_INCONSISTENT', statusCode: 409, message: expect.stringMatching(/did not prove it holds our entry/) })
      if (m === 'censor') expect(await logSize()).toBe(before)
    })
  }

  for (const m of ['censor', 'one batch entry misplaced'] as const) {
    it(`refuses a batch with LEDGER_INCONSISTENT when the host ${m === 'censor' ? 'never stores it but answers with indexes' : 'misplaces one of its entries'}`, async () => {
      mode = m
      await expect(council().appendMany([entry(), entry(), entry()])).rejects.toMatchObject({ code: 'LEDGER_INCONSISTENT' })
    })
  }
})

describe('a ledger that does not answer', () => {
  it('is LEDGER_UNAVAILABLE (503), not LEDGER_INCONSISTENT, when nothing listens at its address', async () => {
    const closed = http.createServer()
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve))
    const port = (closed.address() as AddressInfo).port
    await new Promise((resolve) => closed.close(resolve))
    const c = createLedgerClient({ url: `http://127.0.0.1:${port}`, key: { party: 'council', privateKey: L.parties.council } })
    await expect(c.checkpoint()).rejects.toMatchObject({ code: 'LEDGER_UNAVAILABLE', statusCode: 503, message: expect.stringMatching(/try again later/) })
    await expect(c.verifier()).rejects.toMatchObject({ code: 'LEDGER_UNAVAILABLE', statusCode: 503 })
  })

  it('is LEDGER_UNAVAILABLE when it answers a proof with 503, and LEDGER_INCONSISTENT when the proof it gives fails', async () => {
    mode = 'honest'
    const c = council()
    const view = await c.advanceView(null, (await c.append(entry())).checkpoint)
    const later = (await c.append(entry())).checkpoint
    mode = 'proofs unavailable'
    await expect(c.advanceView(view, later)).rejects.toMatchObject({ code: 'LEDGER_UNAVAILABLE', statusCode: 503, message: expect.stringMatching(/HTTP 503; try again later/) })
    await expect(c.append(entry())).rejects.toMatchObject({ code: 'LEDGER_UNAVAILABLE' })
    mode = 'bogus consistency proof'
    await expect(c.advanceView(view, later)).rejects.toMatchObject({ code: 'LEDGER_INCONSISTENT', statusCode: 409 })
    mode = 'honest'
    expect((await c.advanceView(view, later)).size).toBe(view.size + 1)
  })
})
