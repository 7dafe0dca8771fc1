/** `healthflag ledger verify --export`: an auditor checks an export offline, against keys and checkpoints they hold. */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { ed25519 } from '@noble/curves/ed25519.js'
import { encodeVerifierKey, entryBytes, signEntry, toBase64, toBase64Url, type LedgerExport } from '@healthflag/ledger-core'
import { createLedgerClient } from '@healthflag/ledger-client'
import { main } from '../packages/cli/src/main.js'
import { startLedger, type TestLedger } from '../services/ledger/test/helpers.js'

let L: TestLedger & { drop(): Promise<void> }
let dir: string
let vkey: string
let earlier: string
let exportFile: string

const get = async (p: string) => (await fetch(new URL(p, L.url), { headers: { authorization: `Bearer ${L.auditorToken}` } })).text()

beforeAll(async () => {
  L = await startLedger('verify_export')
  dir = mkdtempSync(path.join(tmpdir(), 'hf-export-'))
  vkey = encodeVerifierKey(L.origin, ed25519.getPublicKey(L.signingKey))
  const council = createLedgerClient({ url: L.url, key: { party: 'council', privateKey: L.parties.council } })
  for (let i = 0; i < 9; i++) {
    const res = await council.append({ type: 'exchange.requested', isa_id: 'ISA-E', isa_digest: 'ab'.repeat(32), exchange_id: `e-${i}`, counts: { rows: i + 10 } })
    if (i === 4) writeFileSync((earlier = path.join(dir, 'earlier.checkpoint')), res.checkpoint)
  }
  writeFileSync((exportFile = path.join(dir, 'export.json')), await get('/v1/export'))
})
afterAll(async () => {
  await L?.drop()
})

async function verify(...args: string[]): Promise<{ code: number; out: string }> {
  let out = ''
  const code = await main(['node', 'healthflag', 'ledger', 'verify', '--ledger-key', vkey, ...args], (s) => (out += s), (s) => (out += s))
  return { code, out }
}
const keys = () => ['--party-key', `council=${toBase64Url(ed25519.getPublicKey(L.parties.council))}`, '--party-key', `trust=${toBase64Url(ed25519.getPublicKey(L.parties.trust))}`]

describe('ledger verify --export', () => {
  it('passes an untouched export with the party keys and an earlier checkpoint', async () => {
    const r = await verify('--export', exportFile, '--earlier', earlier, ...keys())
    expect(r.out).toMatch(/OK — 9 entries rehashed, 9 signatures checked/)
    expect(r.code).toBe(0)
  })

  it('fails an export whose entry body was edited', async () => {
    const doc = JSON.parse(readFileSync(exportFile, 'utf8')) as LedgerExport
    const body = JSON.parse(Buffer.from(doc.entries[3]!.body, 'base64').toString()) as { entry: { counts: { rows: number } } }
    body.entry.counts.rows = 1
    doc.entries[3]!.body = Buffer.from(JSON.stringify(body)).toString('base64')
    const file = path.join(dir, 'edited.json')
    writeFileSync(file, JSON.stringify(doc))
    const r = await verify('--export', file, ...keys())
    expect(r.code).toBe(1)
    expect(r.out).toMatch(/entry 3: its body is not included/)
  })

  it('fails an export from a log that was cut back and regrown, given the earlier checkpoint', async () => {
    // An export signed by the same ledger key over a different history: what a host rewriting the log would hand out.
    const other = await startLedger('verify_export_other', { signingKey: L.signingKey, parties: L.parties })
    try {
      const c = createLedgerClient({ url: other.url, key: { party: 'council', privateKey: L.parties.council } })
      for (let i = 0; i < 9; i++) await c.append({ type: 'exchange.requested', isa_id: 'ISA-E', isa_digest: 'ab'.repeat(32), exchange_id: `other-${i}` })
      const file = path.join(dir, 'other.json')
      const res = await fetch(new URL('/v1/export', other.url), { headers: { authorization: `Bearer ${other.auditorToken}` } })
      writeFileSync(file, await res.text())
      expect((await verify('--export', file, ...keys())).code).toBe(0)
      const r = await verify('--export', file, '--earlier', earlier, ...keys())
      expect(r.code).toBe(1)
      expect(r.out).toMatch(/not a prefix of the exported log/)
    } finally {
      await other.drop()
    }
  })

  it('fails an export holding an entry signed by a key that is not the party key', async () => {
    const doc = JSON.parse(readFileSync(exportFile, 'utf8')) as LedgerExport
    const forged = signEntry({ type: 'exchange.refused', isa_id: 'ISA-E', isa_digest: 'ab'.repeat(32), party: 'council', at: new Date().toISOString(), reason: 'X' }, ed25519.utils.randomSecretKey(), 'council')
    doc.entries[0]!.body = toBase64(entryBytes(forged))
    const file = path.join(dir, 'forged.json')
    writeFileSync(file, JSON.stringify(doc))
    const r = await verify('--export', file, ...keys())
    expect(r.code).toBe(1)
    expect(r.out).toMatch(/entry 0: signature does not verify/)
  })

  it('says how to call it when neither or both sources are given', async () => {
    expect((await verify()).code).toBe(2)
    expect((await verify('--export', exportFile, '--database-url', 'postgres://x/y')).code).toBe(2)
  })
})
