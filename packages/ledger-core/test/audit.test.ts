import { ed25519 } from '@noble/curves/ed25519.js'
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import {
  RootBuilder,
  auditExport,
  auditLog,
  emptyRoot,
  entryBytes,
  fastLeafHash,
  fastNodeHash,
  fastSignCheckpoint,
  fastVerifyEntry,
  fromBase64Url,
  inclusionProof,
  leafHash,
  nodeHash,
  rootFromLeaves,
  signCheckpoint,
  signEntry,
  toBase64,
  toBase64Url,
  toHex,
  verifyEntry,
  consistencyProof,
  type AuditRow,
  type LedgerEntry,
  type LedgerExport,
  type SignedEntry,
} from '../src/index.js'

const council = new Uint8Array(32).fill(1)
const trust = new Uint8Array(32).fill(2)
const ledgerSeed = new Uint8Array(32).fill(3)
const origin = 'example.test/ledger'
const signer = { name: origin, origin, privateKey: ledgerSeed }
const ledgerKey = { name: origin, publicKey: ed25519.getPublicKey(ledgerSeed) }
const partyKeys = new Map([
  ['council', ed25519.getPublicKey(council)],
  ['trust', ed25519.getPublicKey(trust)],
])

function entry(i: number): SignedEntry {
  const party = i % 2 === 0 ? 'council' : 'trust'
  const e: LedgerEntry = {
    type: i % 2 === 0 ? 'exchange.requested' : 'exchange.answered',
    isa_id: 'ISA-1',
    isa_digest: 'a'.repeat(64),
    clause_id: 'c1',
    exchange_id: `x-${i}`,
    party,
    at: new Date(Date.UTC(2026, 10, 1) + i * 1000).toISOString(),
    counts: { rows: i },
  }
  return signEntry(e, party === 'council' ? council : trust, party)
}

const bodies = (n: number): Uint8Array[] => Array.from({ length: n }, (_, i) => entryBytes(entry(i)))
const rowsOf = (bs: Uint8Array[]): AuditRow[] => bs.map((body, index) => ({ index, body }))
const checkpointOf = (bs: Uint8Array[]): string => signCheckpoint({ origin, size: bs.length, rootHash: rootFromLeaves(bs.map(leafHash)) }, signer)

describe('fast hashing and signature checks agree with the noble reference', () => {
  it('hashes leaves and nodes exactly as leafHash and nodeHash do', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 600 }), fc.uint8Array({ minLength: 32, maxLength: 32 }), (b, r) => {
        expect(toHex(fastLeafHash(b))).toBe(toHex(leafHash(b)))
        expect(toHex(fastNodeHash(b, r))).toBe(toHex(nodeHash(b, r)))
      }),
    )
  })

  it('signs checkpoints byte for byte as signCheckpoint does', () => {
    for (const size of [0, 1, 7, 1000]) {
      const cp = { origin, size, rootHash: leafHash(Uint8Array.of(size & 0xff)) }
      expect(fastSignCheckpoint(cp, signer)).toBe(signCheckpoint(cp, signer))
    }
  })

  it('builds the same root as rootFromLeaves for every size up to 130', () => {
    const leaves = Array.from({ length: 130 }, (_, i) => leafHash(Uint8Array.of(i)))
    const b = new RootBuilder()
    expect(toHex(b.root())).toBe(toHex(emptyRoot()))
    leaves.forEach((l, i) => {
      b.push(l)
      expect(toHex(b.root())).toBe(toHex(rootFromLeaves(leaves.slice(0, i + 1))))
    })
  })

  it('accepts and refuses exactly the signatures verifyEntry accepts and refuses', () => {
    const pub = partyKeys.get('council')!
    const good = entry(0)
    const sig = fromBase64Url(good.signature)!
    const variants: SignedEntry[] = [good, { ...good, entry: { ...good.entry, counts: { rows: 1 } } }]
    for (let bit = 0; bit < 512; bit += 37) {
      const s = sig.slice()
      s[bit >> 3] = s[bit >> 3]! ^ (1 << (bit & 7))
      variants.push({ ...good, signature: toBase64Url(s) })
    }
    // S + L: the same signature with a non-canonical scalar must be refused by both.
    const L = 2n ** 252n + 27742317777372353535851937790883648493n
    let s = 0n
    for (let i = 63; i >= 32; i--) s = (s << 8n) | BigInt(sig[i]!)
    s += L
    const big = sig.slice()
    for (let i = 32; i < 64; i++) {
      big[i] = Number(s & 0xffn)
      s >>= 8n
    }
    if (s === 0n) variants.push({ ...good, signature: toBase64Url(big) })
    // A public key with a non-canonical y (y = p + 1 encodes the same point as y = 1) is refused by both.
    const nonCanonicalKey = Uint8Array.from(Buffer.from('eeffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f', 'hex'))
    expect(fastVerifyEntry(good, nonCanonicalKey)).toBe(false)
    expect(verifyEntry(good, nonCanonicalKey)).toBe(false)
    for (const v of variants) expect(fastVerifyEntry(v, pub)).toBe(verifyEntry(v, pub))
    expect(fastVerifyEntry(good, pub)).toBe(true)
    expect(fastVerifyEntry(good, partyKeys.get('trust')!)).toBe(false)
  })
})

describe('auditLog', () => {
  const bs = bodies(21)

  it('passes an untouched log against its checkpoint and an earlier one', async () => {
    const r = await auditLog(rowsOf(bs), { ledgerKey, origin, partyKeys, requireCovered: true, checkpoints: [{ label: 'latest', note: checkpointOf(bs) }, { label: 'earlier', note: checkpointOf(bs.slice(0, 8)) }] })
    expect(r.problems).toEqual([])
    expect(r).toMatchObject({ ok: true, size: 21, signaturesChecked: 21, checkpointsChecked: 2, root: toHex(rootFromLeaves(bs.map(leafHash))) })
  })

  it('finds an edited body, a gap, a swap, a forged row and a truncation', async () => {
    const latest = { label: 'latest', note: checkpointOf(bs) }
    const edited = bs.slice()
    edited[4] = entryBytes({ ...entry(4), entry: { ...entry(4).entry, counts: { rows: 999 } } })
    const gap = rowsOf(bs).filter((r) => r.index !== 7)
    const swapped = bs.slice()
    ;[swapped[2], swapped[3]] = [swapped[3]!, swapped[2]!]
    const forgedEntry = signEntry({ ...entry(0).entry, exchange_id: 'forged' }, new Uint8Array(32).fill(9), 'council')
    const forged = [...bs, entryBytes(forgedEntry)]
    const cases: [string, AuditRow[], RegExp][] = [
      ['edited', rowsOf(edited), /signature does not verify|rewritten/],
      ['gap', gap, /missing/],
      ['swapped', rowsOf(swapped), /rewritten/],
      ['forged', rowsOf(forged), /signature does not verify/],
    ]
    for (const [, rows, why] of cases) {
      const r = await auditLog(rows, { ledgerKey, origin, partyKeys, requireCovered: true, checkpoints: [latest] })
      expect(r.ok).toBe(false)
      expect(r.problems.join('\n')).toMatch(why)
    }
    const truncated = await auditLog(rowsOf(bs.slice(0, 15)), { ledgerKey, origin, partyKeys, checkpoints: [{ label: 'own', note: checkpointOf(bs.slice(0, 15)) }, { label: 'earlier', note: latest.note }] })
    expect(truncated.ok).toBe(false)
    expect(truncated.problems.join('\n')).toMatch(/truncated/)
  })

  it('refuses a checkpoint signed by another key and rows past the last checkpoint', async () => {
    const other = signCheckpoint({ origin, size: bs.length, rootHash: rootFromLeaves(bs.map(leafHash)) }, { name: origin, privateKey: new Uint8Array(32).fill(4) })
    const r = await auditLog(rowsOf(bs), { ledgerKey, origin, partyKeys, requireCovered: true, checkpoints: [{ label: 'latest', note: other }] })
    expect(r.problems.join('\n')).toMatch(/does not open/)
    expect(r.problems.join('\n')).toMatch(/not covered/)
  })

  it('reports a copied row and query columns that disagree with the body', async () => {
    const rows = rowsOf([...bs, bs[3]!])
    rows[1] = { ...rows[1]!, columns: { type: 'exchange.answered', isa_id: 'ISA-1', clause_id: 'c1', exchange_id: 'x-1', party: 'council', at: entry(1).entry.at } }
    const all = [...bs, bs[3]!]
    const r = await auditLog(rows, { ledgerKey, origin, partyKeys, requireCovered: true, checkpoints: [{ label: 'latest', note: checkpointOf(all) }] })
    expect(r.problems).toEqual(['entry 1: query columns disagree with the signed body', 'entry 21: repeats entry 3 (a copied row)'])
  })
})

describe('auditExport', () => {
  const bs = bodies(13)
  const leaves = bs.map(leafHash)
  const exportOf = (from: number, to: number, since?: number): LedgerExport => ({
    format: 'healthflag-ledger-export/v1',
    origin,
    checkpoint: checkpointOf(bs),
    from,
    to,
    entries: bs.slice(from, to).map((b, k) => ({ index: from + k, body: toBase64(b), proof: inclusionProof(leaves, from + k).map(toBase64) })),
    ...(since !== undefined ? { consistency: { from_size: since, proof: consistencyProof(leaves, since).map(toBase64) } } : {}),
  })

  it('verifies a partial export and proves an earlier checkpoint is its prefix', () => {
    const r = auditExport(exportOf(5, 9, 6), { ledgerKey, origin, partyKeys, earlier: [{ label: 'earlier', note: checkpointOf(bs.slice(0, 6)) }] })
    expect(r.problems).toEqual([])
    expect(r).toMatchObject({ ok: true, size: 13, leavesRehashed: 4, signaturesChecked: 4, checkpointsChecked: 2 })
  })

  it('refuses an edited body, a missing entry and a rewritten earlier history', () => {
    const doc = exportOf(0, 13)
    const edited = structuredClone(doc)
    edited.entries[2]!.body = toBase64(entryBytes({ ...entry(2), entry: { ...entry(2).entry, counts: { rows: 5 } } }))
    expect(auditExport(edited, { ledgerKey, origin, partyKeys }).problems.join('\n')).toMatch(/not included/)
    const missing = structuredClone(doc)
    missing.entries.splice(4, 1)
    expect(auditExport(missing, { ledgerKey, origin, partyKeys }).problems.join('\n')).toMatch(/missing/)
    const otherHistory = bodies(6).map((b, i) => (i === 1 ? entryBytes({ ...entry(1), entry: { ...entry(1).entry, reason: 'x' } }) : b))
    const forkedEarlier = signCheckpoint({ origin, size: 6, rootHash: rootFromLeaves(otherHistory.map(leafHash)) }, signer)
    expect(auditExport(doc, { ledgerKey, origin, partyKeys, earlier: [{ label: 'earlier', note: forkedEarlier }] }).problems.join('\n')).toMatch(/rewritten/)
    const bigger = signCheckpoint({ origin, size: 20, rootHash: emptyRoot().map(() => 7) }, signer)
    expect(auditExport(doc, { ledgerKey, origin, partyKeys, earlier: [{ label: 'earlier', note: bigger }] }).problems.join('\n')).toMatch(/truncated/)
  })
})
