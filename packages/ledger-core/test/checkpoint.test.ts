import { ed25519 } from '@noble/curves/ed25519.js'
import { describe, expect, it } from 'vitest'
import {
  appendLeaves,
  checkConsistency,
  consistencyProof,
  emptyCompactRange,
  encodeSignerKey,
  encodeVerifierKey,
  formatCheckpoint,
  openCheckpoint,
  openNote,
  parseCheckpoint,
  parseSignerKey,
  parseVerifierKey,
  rootFromLeaves,
  signCheckpoint,
  signNote,
  type Checkpoint,
} from '../src/index.js'
import { syntheticLeaves } from './helpers.js'
import go from './vectors/signed-note-go.json' with { type: 'json' }

describe('signed notes against the Go sumdb/note vectors', () => {
  it('parses the published verifier and signer keys and re-encodes them identically', () => {
    const v = parseVerifierKey(go.verifierKey)
    expect(v.name).toBe(go.name)
    expect(encodeVerifierKey(v.name, v.publicKey)).toBe(go.verifierKey)
    const s = parseSignerKey(go.signerKey)
    expect(ed25519.getPublicKey(s.privateKey)).toEqual(v.publicKey)
    expect(encodeSignerKey(s)).toBe(go.signerKey)
  })

  it('signs the published text to the published note byte for byte', () => {
    expect(signNote(go.text, parseSignerKey(go.signerKey))).toBe(go.note)
  })

  it('opens the published note, also when another key has cosigned it', () => {
    const v = parseVerifierKey(go.verifierKey)
    expect(openNote(go.note, v)).toBe(go.text)
    expect(openNote(go.note + go.otherSignatureLine, v)).toBe(go.text)
    expect(openNote(go.note + go.otherSignatureLine, parseVerifierKey(go.otherVerifierKey))).toBe(go.text)
  })

  it('rejects a tampered text, a corrupted signature and notes with bad syntax', () => {
    const v = parseVerifierKey(go.verifierKey)
    expect(() => openNote(go.note.replace('cryptography', 'cryptographY'), v)).toThrow('invalid')
    const sigLine = go.note.slice(go.text.length + 1)
    const corrupted = `${go.text}\n${sigLine.slice(0, 60)}ABCD${sigLine.slice(60)}`
    expect(() => openNote(corrupted, v)).toThrow()
    const bad = [
      go.text,
      `${go.text}\n`,
      `${go.text}\n${sigLine.slice(0, -1)}`,
      `\u0001${go.text}\n${sigLine}`,
      `${go.text}\n\u2014 Bad Name x08go/ZJkuBS9UG/SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FFYC2pZSNXgKvqfqdngotpRZb6KE6RyyBwJnAM=\n`,
      `${go.text}\n${sigLine}Unexpected line.\n`,
      `${go.text}\n${sigLine.repeat(101)}`,
    ]
    for (const note of bad) expect(() => openNote(note, v), JSON.stringify(note.slice(-30))).toThrow()
  })

  it('rejects mangled verifier keys', () => {
    expect(() => parseVerifierKey(go.verifierKey.replace('c74f20a3', 'c74f20a4'))).toThrow()
    expect(() => parseVerifierKey(go.verifierKey.replace('PeterNeumann', 'PeterNeuman'))).toThrow()
    expect(() => parseVerifierKey('PeterNeumann+173116ae+ZRpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW')).toThrow()
    expect(() => parseVerifierKey(go.verifierKey.slice(0, -1))).toThrow()
    expect(() => parseVerifierKey(go.verifierKey.slice(1))).toThrow()
  })
})

const logKey = { name: 'ledger.healthflag.example', privateKey: new Uint8Array(32).fill(3) }
const logVerifier = { name: logKey.name, publicKey: ed25519.getPublicKey(logKey.privateKey) }
const leaves = syntheticLeaves(20)
const cpAt = (n: number): Checkpoint => ({ origin: 'ledger.healthflag.example/brfc-sssft', size: n, rootHash: rootFromLeaves(leaves.slice(0, n)) })

describe('checkpoints', () => {
  it('formats the C2SP body as origin, decimal size and base64 root, one per line', () => {
    const cp = cpAt(7)
    expect(formatCheckpoint(cp)).toBe(`${cp.origin}\n7\n${Buffer.from(cp.rootHash).toString('base64')}\n`)
    expect(parseCheckpoint(formatCheckpoint(cp))).toEqual(cp)
  })

  it('round-trips through sign and open', () => {
    const cp = cpAt(13)
    const note = signCheckpoint(cp, logKey)
    expect(note.startsWith(formatCheckpoint(cp) + '\n\u2014 ledger.healthflag.example ')).toBe(true)
    expect(openCheckpoint(note, logVerifier)).toEqual(cp)
    expect(openCheckpoint(note, logVerifier, { origin: cp.origin })).toEqual(cp)
  })

  it('matches the key hash of the published vkey form, so Go verifiers can read our notes', () => {
    const vkey = encodeVerifierKey(logVerifier.name, logVerifier.publicKey)
    const note = signCheckpoint(cpAt(3), logKey)
    const hashInNote = Buffer.from(note.trimEnd().split(' ').pop() as string, 'base64').subarray(0, 4).toString('hex')
    expect(vkey.split('+')[1]).toBe(hashInNote)
    expect(openCheckpoint(note, parseVerifierKey(vkey))).toEqual(cpAt(3))
  })

  it('rejects a note signed by another key, under another name, or for another origin', () => {
    const note = signCheckpoint(cpAt(5), logKey)
    const otherKey = { name: logKey.name, publicKey: ed25519.getPublicKey(new Uint8Array(32).fill(4)) }
    expect(() => openCheckpoint(note, otherKey)).toThrow('no signature by the expected key')
    expect(() => openCheckpoint(note, { ...logVerifier, name: 'other.log' })).toThrow('no signature by the expected key')
    expect(() => openCheckpoint(note, logVerifier, { origin: 'other/log' })).toThrow('different log')
  })

  it('rejects a note whose body was changed after signing', () => {
    const note = signCheckpoint(cpAt(5), logKey)
    expect(() => openCheckpoint(note.replace('\n5\n', '\n6\n'), logVerifier)).toThrow('invalid')
    const forged = formatCheckpoint(cpAt(6)) + note.slice(formatCheckpoint(cpAt(5)).length)
    expect(() => openCheckpoint(forged, logVerifier)).toThrow('invalid')
  })

  it('rejects malformed bodies: leading zeros, missing lines, bad base64, short roots', () => {
    const root = Buffer.from(cpAt(2).rootHash).toString('base64')
    for (const body of ['o\n07\n' + root + '\n', 'o\n7\n', '\n7\n' + root + '\n', 'o\n7\n' + root, 'o\n-1\n' + root + '\n', 'o\n7\n' + root.slice(0, -4) + '\n', 'o\n7\nnot base64!\n']) {
      expect(() => parseCheckpoint(body), JSON.stringify(body)).toThrow()
    }
    expect(parseCheckpoint(`o\n7\n${root}\nextension line\n`).size).toBe(7)
  })
})

describe("a party's consistency check", () => {
  it('accepts a checkpoint that extends the previous one and a first sighting', () => {
    expect(() => checkConsistency(cpAt(5), cpAt(12), consistencyProof(leaves.slice(0, 12), 5))).not.toThrow()
    expect(() => checkConsistency(cpAt(12), cpAt(12), [])).not.toThrow()
    expect(() => checkConsistency(null, cpAt(12), [])).not.toThrow()
  })

  it('catches a log that shrank', () => {
    expect(() => checkConsistency(cpAt(12), cpAt(5), [])).toThrow(/shrank/)
  })

  it('catches a forked log: same size, different root', () => {
    const forked = { ...cpAt(12), rootHash: rootFromLeaves([...leaves.slice(0, 11), leaves[19] as Uint8Array]) }
    expect(() => checkConsistency(cpAt(12), forked, [])).toThrow(/forked/)
  })

  it('catches a rewritten history even when the attacker sends a proof for their own tree', () => {
    const rewritten = [...leaves.slice(0, 3), leaves[19] as Uint8Array, ...leaves.slice(4, 12)]
    const theirs = { ...cpAt(12), rootHash: rootFromLeaves(rewritten) }
    expect(() => checkConsistency(cpAt(5), theirs, consistencyProof(rewritten, 5))).toThrow(/not an extension/)
  })

  it('catches checkpoints from two different logs', () => {
    expect(() => checkConsistency(cpAt(5), { ...cpAt(12), origin: 'elsewhere' }, consistencyProof(leaves.slice(0, 12), 5))).toThrow(/different logs/)
  })

  it('works with roots produced by the incremental appender', () => {
    const { range } = appendLeaves(emptyCompactRange(), leaves.slice(0, 9))
    expect(range.size).toBe(9)
    expect(() => checkConsistency(cpAt(9), cpAt(20), consistencyProof(leaves, 9))).not.toThrow()
  })
})
