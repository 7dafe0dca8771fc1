// Our own format vectors, checked twice: our code must reproduce them, and node:crypto (an implementation
// independent of @noble) must agree with the hashes and signatures in them.
import { createHash, createPublicKey, verify as nodeVerify } from 'node:crypto'
import { describe, expect, it } from 'vitest'
import {
  entryBytes,
  entrySigningBytes,
  leafHash,
  openCheckpoint,
  parseVerifierKey,
  rootFromLeaves,
  signCheckpoint,
  signEntry,
  toHex,
  verifyEntry,
  type LedgerEntry,
} from '../src/index.js'
import v from './vectors/ledger-entry.json' with { type: 'json' }

const hex = (h: string): Uint8Array => new Uint8Array(Buffer.from(h, 'hex'))
type Party = keyof typeof v.parties

function nodeEd25519Verify(publicKeyHex: string, msg: Uint8Array, sig: Uint8Array): boolean {
  const spki = Buffer.concat([Buffer.from('302a300506032b6570032100', 'hex'), Buffer.from(publicKeyHex, 'hex')])
  return nodeVerify(null, msg, createPublicKey({ key: spki, format: 'der', type: 'spki' }), sig)
}

describe('ledger entry format vectors', () => {
  it('reproduces the signing bytes, signature, leaf bytes and leaf hash of every vector entry', () => {
    for (const e of v.entries) {
      const entry = e.entry as LedgerEntry
      const party = v.parties[entry.party as Party]
      expect(new TextDecoder().decode(entrySigningBytes(entry))).toBe(e.signingBytes)
      const signed = signEntry(entry, hex(party.privateKey), entry.party)
      expect(signed).toEqual(e.signed)
      expect(new TextDecoder().decode(entryBytes(signed))).toBe(e.leafBytes)
      expect(toHex(leafHash(new TextEncoder().encode(e.leafBytes)))).toBe(e.leafHash)
      expect(verifyEntry(signed, hex(party.publicKey))).toBe(true)
    }
  })

  it('agrees with node:crypto on every leaf hash and entry signature', () => {
    for (const e of v.entries) {
      const leaf = createHash('sha256').update(Buffer.from([0])).update(e.leafBytes, 'utf8').digest('hex')
      expect(leaf).toBe(e.leafHash)
      const sig = Buffer.from(e.signed.signature, 'base64url')
      const party = v.parties[e.entry.party as Party]
      expect(nodeEd25519Verify(party.publicKey, new TextEncoder().encode(e.signingBytes), sig)).toBe(true)
    }
  })

  it('reproduces the signed checkpoint over the vector entries, and node:crypto verifies it', () => {
    const root = rootFromLeaves(v.entries.map((e) => hex(e.leafHash)))
    expect(toHex(root)).toBe(v.log.checkpoint.rootHash)
    const cp = { origin: v.log.checkpoint.origin, size: v.log.checkpoint.size, rootHash: root }
    expect(signCheckpoint(cp, { name: cp.origin, privateKey: hex(v.log.privateKey) })).toBe(v.log.note)
    expect(openCheckpoint(v.log.note, parseVerifierKey(v.log.verifierKey), { origin: cp.origin })).toEqual(cp)

    const [body, sigLine] = v.log.note.split('\n\n') as [string, string]
    const blob = Buffer.from(sigLine.trim().split(' ')[2] as string, 'base64')
    const pub = Buffer.from(parseVerifierKey(v.log.verifierKey).publicKey).toString('hex')
    expect(nodeEd25519Verify(pub, new TextEncoder().encode(`${body}\n`), blob.subarray(4))).toBe(true)
    const keyHash = createHash('sha256').update(`${cp.origin}\n`).update(Buffer.from([1])).update(Buffer.from(pub, 'hex')).digest()
    expect(blob.subarray(0, 4)).toEqual(keyHash.subarray(0, 4))
  })
})
