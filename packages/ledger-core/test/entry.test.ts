import { ed25519 } from '@noble/curves/ed25519.js'
import { canonicalize } from 'json-canonicalize'
import { describe, expect, it } from 'vitest'
import {
  ENTRY_SIGNATURE_DOMAIN,
  entryBytes,
  entrySigningBytes,
  fromBase64Url,
  parseEntryBytes,
  signEntry,
  validateEntryShape,
  validateSignedEntryShape,
  verifyEntry,
  type LedgerEntry,
  type SignedEntry,
} from '../src/index.js'

const seed = new Uint8Array(32).fill(7)
const pub = ed25519.getPublicKey(seed)
const otherPub = ed25519.getPublicKey(new Uint8Array(32).fill(8))

const entry: LedgerEntry = {
  type: 'exchange.answered',
  isa_id: 'ISA-BRFC-SSSFT-2026-01',
  isa_digest: 'a'.repeat(64),
  clause_id: 'c1',
  exchange_id: '0f8e2a54-1b9c-4c55-9d3e-2f7c1a6b8e90',
  party: 'SSSFT',
  at: '2026-11-25T12:00:00.123Z',
  counts: { rows: 120, matched: 17, active: 9 },
  digests: { request: 'b'.repeat(64), response: 'q2F0Y2h5X2RpZ2VzdF9mb3JfdGVzdF9vbmx5X19fXw' },
  key_kcv: '0123456789abcdef',
  checkpoint: { size: 41, root: 'c'.repeat(64) },
}

describe('entry shape', () => {
  it('accepts a complete, well-formed entry and a minimal one', () => {
    expect(validateEntryShape(entry)).toEqual([])
    const { type, isa_id, isa_digest, party, at } = entry
    expect(validateEntryShape({ type, isa_id, isa_digest, party, at })).toEqual([])
  })

  it('rejects a field that is not in the schema, at the top level and inside the checkpoint', () => {
    expect(validateEntryShape({ ...entry, nhs_number: '9434765919' })).toEqual(['(root): field "nhs_number" is not allowed here'])
    expect(validateEntryShape({ ...entry, checkpoint: { size: 1, root: 'c'.repeat(64), extra: 1 } })).toHaveLength(1)
  })

  it('rejects negative, fractional and non-numeric counts', () => {
    for (const bad of [-1, 1.5, '3', Number.MAX_SAFE_INTEGER + 2]) {
      const problems = validateEntryShape({ ...entry, counts: { rows: bad } })
      expect(problems.length, String(bad)).toBeGreaterThan(0)
      expect(problems.join(' ')).toContain('counts')
    }
  })

  it('rejects digests that are neither lower-case hex nor base64url, and a malformed isa_digest', () => {
    for (const bad of ['not a digest!', 'A'.repeat(25), 'ab'.repeat(8), 'q2F0Y2h5+/', 'f'.repeat(130)]) {
      expect(validateEntryShape({ ...entry, digests: { request: bad } }).length, bad).toBeGreaterThan(0)
    }
    expect(validateEntryShape({ ...entry, isa_digest: 'sha256:' + 'a'.repeat(64) })).toEqual(['isa_digest: has the wrong format'])
  })

  it('accepts hex and base64url digests of 16 to 64 bytes', () => {
    for (const ok of ['ab'.repeat(16), 'ab'.repeat(64), 'A'.repeat(22), 'A_-z'.repeat(21) + 'AB']) {
      expect(validateEntryShape({ ...entry, digests: { request: ok } }), ok).toEqual([])
    }
  })

  it('accepts a reason of 200 characters and rejects one of 201', () => {
    expect(validateEntryShape({ ...entry, type: 'exchange.refused', reason: 'x'.repeat(200) })).toEqual([])
    expect(validateEntryShape({ ...entry, type: 'exchange.refused', reason: 'x'.repeat(201) })).toHaveLength(1)
  })

  it('rejects a reason with control characters, an unpaired surrogate or anything but ASCII letters, digits, spaces and ._:-', () => {
    for (const bad of ['line\nbreak', 'half \ud800 pair', 'Größe überschritten 😀', 'see notes (flat 4)', "O'Brien", 'a/b', 'x@y']) {
      expect(validateEntryShape({ ...entry, reason: bad }), bad).toEqual(['reason: has the wrong format'])
    }
    for (const ok of ['ISA_EXPIRED', 'retention period ended', 'BATCH_TOO_LARGE: the clause allows at most 200 rows', 'v1.2-rc:3']) {
      expect(validateEntryShape({ ...entry, reason: ok }), ok).toEqual([])
    }
  })

  it('rejects a reason or a counts or digests key holding 6 or more digits in a run, however separated', () => {
    for (const bad of ['9434765919', 'Patient John Smith NHS 943 476 5919', 'born 1990-01-02', '01632.960.001', '12:34:56', 'ref 123456']) {
      expect(validateEntryShape({ ...entry, reason: bad }), bad).toEqual(['reason: holds a run of 6 or more digits, which could identify a person'])
    }
    expect(validateEntryShape({ ...entry, reason: 'at most 12345 rows in 2026' })).toEqual([])
    expect(validateEntryShape({ ...entry, counts: { 'nhs.9434765919': 1 } })).toEqual(['counts: a key holds a run of 6 or more digits, which could identify a person'])
    expect(validateEntryShape({ ...entry, digests: { 'p943-476_5919': 'b'.repeat(64) } })).toEqual(['digests: a key holds a run of 6 or more digits, which could identify a person'])
    expect(validateEntryShape({ ...entry, counts: { 'rows.2026': 1, 'v12345': 2 } })).toEqual([])
  })

  it('rejects an unknown type, a missing party and a time that is not UTC or not a real date', () => {
    expect(validateEntryShape({ ...entry, type: 'exchange.deleted' })).toEqual(['type: is not one of the allowed values'])
    const { party: _omit, ...noParty } = entry
    expect(validateEntryShape(noParty)).toEqual(['(root): missing required field "party"'])
    expect(validateEntryShape({ ...entry, at: '2026-11-25T12:00:00+01:00' })).toEqual(['at: has the wrong format'])
    expect(validateEntryShape({ ...entry, at: '2026-02-30T12:00:00Z' })).toEqual(['at: is not a real UTC date and time'])
  })

  it('rejects a time in year 0000 or outside 2000–2999, which PostgreSQL cannot store or no party sends', () => {
    for (const at of ['0000-01-01T00:00:00Z', '0001-01-01T00:00:00.000Z', '1999-12-31T23:59:59.999Z', '3000-01-01T00:00:00.000Z']) {
      expect(validateEntryShape({ ...entry, at }), at).toEqual(['at: has the wrong format'])
    }
  })

  it('rejects more than 3 fractional digits, which PostgreSQL would round into another instant (even another month)', () => {
    for (const at of ['2026-02-28T23:59:59.9999999Z', '2026-02-28T23:59:59.9995Z', '2026-11-25T12:00:00.123456Z', '2026-11-25T12:00:00.Z']) {
      expect(validateEntryShape({ ...entry, at }), at).toEqual(['at: has the wrong format'])
    }
  })

  it('accepts every time a party sends: Date.toISOString() output, whole seconds, and the ends of the year range', () => {
    for (const at of [new Date().toISOString(), new Date(Date.UTC(2000, 0, 1)).toISOString(), '2999-12-31T23:59:59.999Z', '2026-11-25T09:30:02Z', '2026-11-25T09:30:02.5Z', '2026-11-25T09:30:02.12Z']) {
      expect(validateEntryShape({ ...entry, at }), at).toEqual([])
      expect(verifyEntry(signEntry({ ...entry, at }, seed, 'k'), pub), at).toBe(true)
    }
  })

  it('never repeats a rejected value or an unknown map key in its reasons', () => {
    const secret = 'SMITH 9434765919'
    const problems = validateEntryShape({
      ...entry,
      reason: secret.repeat(20),
      counts: { [secret]: 1 },
      digests: { request: secret },
      [secret]: 1,
    })
    expect(problems.length).toBeGreaterThan(0)
    expect(problems.join('\n')).not.toContain('SMITH')
    expect(problems.join('\n')).not.toContain('9434765919')
  })

  it('rejects things that are not objects at all', () => {
    for (const bad of [null, 42, 'entry', [entry]]) expect(validateEntryShape(bad).length).toBeGreaterThan(0)
  })
})

describe('signed entries', () => {
  it('signs over the domain string followed by the JCS form of the entry', () => {
    const signed = signEntry(entry, seed, 'sssft-2026')
    const msg = new TextEncoder().encode(ENTRY_SIGNATURE_DOMAIN + canonicalize(entry))
    expect(entrySigningBytes(entry)).toEqual(msg)
    const sig = fromBase64Url(signed.signature)
    expect(sig).not.toBeNull()
    expect(ed25519.verify(sig as Uint8Array, msg, pub)).toBe(true)
    expect(verifyEntry(signed, pub)).toBe(true)
  })

  it('signs the same entry to the same bytes whatever the order of its keys', () => {
    const reordered = Object.fromEntries(Object.entries(entry).reverse()) as unknown as LedgerEntry
    expect(entryBytes(signEntry(reordered, seed, 'k'))).toEqual(entryBytes(signEntry(entry, seed, 'k')))
  })

  it('rejects a signature under another key', () => {
    expect(verifyEntry(signEntry(entry, seed, 'k'), otherPub)).toBe(false)
  })

  it('rejects an entry changed after signing, field by field', () => {
    const signed = signEntry(entry, seed, 'k')
    const tampered: LedgerEntry[] = [
      { ...entry, type: 'exchange.received' },
      { ...entry, party: 'BRFC' },
      { ...entry, at: '2026-11-25T12:00:01.123Z' },
      { ...entry, counts: { ...entry.counts, active: 10 } },
      { ...entry, digests: { ...entry.digests, request: 'd'.repeat(64) } },
      { ...entry, checkpoint: { size: 42, root: 'c'.repeat(64) } },
      { ...entry, reason: 'added later' },
    ]
    for (const t of tampered) expect(verifyEntry({ ...signed, entry: t }, pub)).toBe(false)
  })

  it('rejects a signature with one bit flipped and one that is not base64url of 64 bytes', () => {
    const signed = signEntry(entry, seed, 'k')
    const sig = fromBase64Url(signed.signature) as Uint8Array
    sig[10] = (sig[10] as number) ^ 1
    expect(verifyEntry({ ...signed, signature: Buffer.from(sig).toString('base64url') }, pub)).toBe(false)
    expect(verifyEntry({ ...signed, signature: signed.signature.slice(0, -1) }, pub)).toBe(false)
    expect(verifyEntry({ ...signed, signature: `${signed.signature.slice(0, -2)}+/` }, pub)).toBe(false)
  })

  it('rejects a signature made without the domain string', () => {
    const raw = ed25519.sign(new TextEncoder().encode(canonicalize(entry)), seed)
    const signed: SignedEntry = { entry, key_id: 'k', signature: Buffer.from(raw).toString('base64url') }
    expect(verifyEntry(signed, pub)).toBe(false)
  })

  it('refuses to sign a malformed entry, naming the field but not the value', () => {
    const bad = { ...entry, counts: { rows: -4 } }
    expect(() => signEntry(bad, seed, 'k')).toThrow(/counts/)
    expect(() => signEntry({ ...entry, party: 'has space' }, seed, 'k')).toThrow(/party: has the wrong format/)
    expect(() => signEntry(entry, seed, 'bad key id')).toThrow(/key_id/)
  })
})

describe('leaf bytes', () => {
  it('are the UTF-8 JCS of the envelope and parse back to it', () => {
    const signed = signEntry(entry, seed, 'sssft-2026')
    const bytes = entryBytes(signed)
    expect(new TextDecoder().decode(bytes)).toBe(canonicalize({ entry, key_id: 'sssft-2026', signature: signed.signature }))
    expect(parseEntryBytes(bytes)).toEqual(signed)
  })

  it('ignore runtime properties outside the envelope', () => {
    const signed = signEntry(entry, seed, 'k')
    const extra = { ...signed, received_at: 'x' } as SignedEntry
    expect(entryBytes(extra)).toEqual(entryBytes(signed))
  })

  it('are refused for a malformed envelope', () => {
    const signed = signEntry(entry, seed, 'k')
    expect(() => entryBytes({ ...signed, entry: { ...entry, counts: { rows: -1 } } })).toThrow(/counts/)
    expect(validateSignedEntryShape({ ...signed, signature: 'short' })).toEqual(['signature: has the wrong format'])
  })

  it('are refused on parse when not canonical, even if the JSON means the same', () => {
    const signed = signEntry(entry, seed, 'k')
    const pretty = new TextEncoder().encode(JSON.stringify(signed, null, 2))
    expect(() => parseEntryBytes(pretty)).toThrow('canonical')
    expect(() => parseEntryBytes(new Uint8Array([0xff, 0xfe]))).toThrow('UTF-8')
  })
})
