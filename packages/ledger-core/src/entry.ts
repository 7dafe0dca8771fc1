// Ledger entries: the shape every party must send, the Ed25519 signature over its RFC 8785 (JCS) form,
// and the canonical bytes of the signed envelope that become a Merkle leaf.
import { ed25519 } from '@noble/curves/ed25519.js'
import { Ajv, type ErrorObject, type ValidateFunction } from 'ajv'
import { canonicalize } from 'json-canonicalize'
import { Type, type Static } from 'typebox'
import { fromBase64Url, toBase64Url } from './encoding.js'

export const ENTRY_TYPES = [
  'isa.registered',
  'isa.varied',
  'isa.suspended',
  'tokens.epoch',
  'key.replaced',
  'index.loaded',
  'exchange.requested',
  'exchange.approved',
  'exchange.refused',
  'exchange.answered',
  'exchange.received',
  'data.purged',
] as const

export type EntryType = (typeof ENTRY_TYPES)[number]

/** Signature domain: prefixed to JCS(entry) so an entry signature can never pass as any other message. */
export const ENTRY_SIGNATURE_DOMAIN = 'healthflag/v1/ledger-entry\n'

/** Ids in an entry (ISA, clause, exchange, party, key): 1–128 of letters, digits, `.`, `_`, `:`, `-`, starting with a letter or digit. */
export const LEDGER_ID_PATTERN = '^[A-Za-z0-9][A-Za-z0-9._:-]{0,127}$'
const ID = LEDGER_ID_PATTERN
const KEY = '^[a-z][a-z0-9_.-]{0,63}$'
// lower-case hex of 16–64 bytes, or unpadded base64url of 16–64 bytes (a length of 4k+1 cannot be base64url)
const DIGEST = '^(?:[0-9a-f]{32,128}|(?=[A-Za-z0-9_-]{22,86}$)(?:[A-Za-z0-9_-]{4})*(?:[A-Za-z0-9_-]{2,3})?)$'
// exactly 32 bytes (SHA-256): 64 hex digits or 43 base64url characters
const DIGEST32 = '^(?:[0-9a-f]{64}|[A-Za-z0-9_-]{43})$'
const KCV = '^(?:[0-9a-f]{16}|[A-Za-z0-9_-]{11})$'
// Years 2000–2999 and at most milliseconds (what toISOString gives): PostgreSQL refuses year 0000, and its timestamptz
// keeps microseconds, so 23:59:59.9999999 would be stored rounded into the next day (or month) and disagree with the body.
const UTC = '^2[0-9]{3}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}(?:\\.[0-9]{1,3})?Z$'
const SIG = '^[A-Za-z0-9_-]{86}$'
// A reason is a code or a short status ('ISA_EXPIRED', 'retention period ended'), never free text about a person:
// ASCII letters, digits, spaces and . _ : -
const REASON = '^[A-Za-z0-9 ._:-]*$'
/**
 * Six or more digits in a row, however separated by spaces or . _ : -: an NHS number (943 476 5919), a date of birth
 * (1990-01-02), a phone number or a record number. No reason or map key a party sends holds one.
 */
const DIGIT_RUN = /[0-9](?:[ ._:-]*[0-9]){5}/
const MAX_MAP_KEYS = 64

export const LedgerEntrySchema = Type.Object(
  {
    type: Type.Enum([...ENTRY_TYPES]),
    isa_id: Type.String({ pattern: ID }),
    isa_digest: Type.String({ pattern: DIGEST32 }),
    clause_id: Type.Optional(Type.String({ pattern: ID })),
    exchange_id: Type.Optional(Type.String({ pattern: ID })),
    party: Type.String({ pattern: ID }),
    at: Type.String({ pattern: UTC }),
    counts: Type.Optional(
      Type.Record(Type.String({ pattern: KEY }), Type.Integer({ minimum: 0, maximum: Number.MAX_SAFE_INTEGER }), {
        additionalProperties: false,
        maxProperties: MAX_MAP_KEYS,
      }),
    ),
    digests: Type.Optional(
      Type.Record(Type.String({ pattern: KEY }), Type.String({ pattern: DIGEST }), {
        additionalProperties: false,
        maxProperties: MAX_MAP_KEYS,
      }),
    ),
    key_kcv: Type.Optional(Type.String({ pattern: KCV })),
    reason: Type.Optional(Type.String({ minLength: 1, maxLength: 200, pattern: REASON })),
    checkpoint: Type.Optional(
      Type.Object(
        {
          size: Type.Integer({ minimum: 0, maximum: Number.MAX_SAFE_INTEGER }),
          root: Type.String({ pattern: DIGEST32 }),
        },
        { additionalProperties: false },
      ),
    ),
  },
  { additionalProperties: false },
)

export const SignedEntrySchema = Type.Object(
  {
    entry: LedgerEntrySchema,
    key_id: Type.String({ pattern: ID }),
    signature: Type.String({ pattern: SIG }),
  },
  { additionalProperties: false },
)

export interface LedgerEntry {
  type: EntryType
  isa_id: string
  isa_digest: string
  clause_id?: string
  exchange_id?: string
  party: string
  at: string /* ISO-8601 UTC */
  counts?: Record<string, number>
  digests?: Record<string, string>
  key_kcv?: string
  reason?: string
  checkpoint?: { size: number; root: string }
}

export interface SignedEntry {
  entry: LedgerEntry
  key_id: string
  signature: string /* base64url Ed25519 over domain || JCS(entry) */
}

// Compile-time check that the hand-written interfaces and the schemas agree.
type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false
const schemaMatchesInterface: Same<Static<typeof SignedEntrySchema>, SignedEntry> = true
void schemaMatchesInterface

let validators: { entry: ValidateFunction; signed: ValidateFunction } | undefined
function getValidators(): { entry: ValidateFunction; signed: ValidateFunction } {
  if (!validators) {
    const ajv = new Ajv({ allErrors: true, strict: true })
    validators = { entry: ajv.compile(LedgerEntrySchema), signed: ajv.compile(SignedEntrySchema) }
  }
  return validators
}

const KNOWN_FIELDS = new Set([
  ...Object.keys(SignedEntrySchema.properties),
  ...Object.keys(LedgerEntrySchema.properties),
  'size',
  'root',
])

/** A JSON pointer with every segment that is not one of our field names masked, so data never leaks. */
function safePath(pointer: string): string {
  if (pointer === '') return '(root)'
  return pointer
    .split('/')
    .slice(1)
    .map((s) => (KNOWN_FIELDS.has(s) ? s : '*'))
    .join('.')
}

function describe(e: ErrorObject): string {
  const where = safePath(e.instancePath)
  switch (e.keyword) {
    case 'additionalProperties': {
      const name = String((e.params as { additionalProperty?: unknown }).additionalProperty)
      const shown = /^[a-z_]{1,32}$/.test(name) && !where.endsWith('counts') && !where.endsWith('digests') ? ` "${name}"` : ''
      return `${where}: field${shown} is not allowed here`
    }
    case 'required':
      return `${where}: missing required field "${String((e.params as { missingProperty?: unknown }).missingProperty)}"`
    case 'pattern':
      return `${where}: has the wrong format`
    case 'enum':
      return `${where}: is not one of the allowed values`
    default:
      return `${where}: ${e.message ?? 'is invalid'}`
  }
}

/** Calendar check the pattern cannot do (e.g. 2026-02-30). */
function isRealUtcInstant(at: string): boolean {
  const ms = Date.parse(at)
  if (Number.isNaN(ms)) return false
  return new Date(ms).toISOString().slice(0, 19) === at.slice(0, 19)
}

function reasons(validate: ValidateFunction, x: unknown, entryOf: (x: unknown) => LedgerEntry, prefix: string): string[] {
  if (!validate(x)) return [...new Set((validate.errors ?? []).map(describe))]
  const entry = entryOf(x)
  const out: string[] = []
  if (!isRealUtcInstant(entry.at)) out.push(`${prefix}at: is not a real UTC date and time`)
  if (entry.reason !== undefined && DIGIT_RUN.test(entry.reason)) out.push(`${prefix}reason: holds a run of 6 or more digits, which could identify a person`)
  for (const field of ['counts', 'digests'] as const) {
    if (Object.keys(entry[field] ?? {}).some((k) => DIGIT_RUN.test(k))) out.push(`${prefix}${field}: a key holds a run of 6 or more digits, which could identify a person`)
  }
  return out
}

/**
 * Checks that `x` is a well-formed LedgerEntry: [] when it is, otherwise one sentence per problem naming
 * the field and the reason (never the value). Fields outside the schema are rejected.
 */
export function validateEntryShape(x: unknown): string[] {
  return reasons(getValidators().entry, x, (e) => e as LedgerEntry, '')
}

/** As validateEntryShape, for a whole SignedEntry envelope. */
export function validateSignedEntryShape(x: unknown): string[] {
  return reasons(getValidators().signed, x, (s) => (s as SignedEntry).entry, 'entry.')
}

function assertShape(problems: string[], what: string): void {
  if (problems.length > 0) throw new Error(`${what} is malformed: ${problems.join('; ')}`)
}

/** The exact bytes an entry signature covers: UTF-8(ENTRY_SIGNATURE_DOMAIN || JCS(entry)). */
export function entrySigningBytes(entry: LedgerEntry): Uint8Array {
  return new TextEncoder().encode(ENTRY_SIGNATURE_DOMAIN + canonicalize(entry))
}

/**
 * Signs an entry with the party's Ed25519 private key (32-byte seed). Throws if the entry is malformed,
 * so a party can never put a leaf on the log that others would reject.
 */
export function signEntry(entry: LedgerEntry, privateKey: Uint8Array, keyId: string): SignedEntry {
  assertShape(validateEntryShape(entry), 'ledger entry')
  const signature = toBase64Url(ed25519.sign(entrySigningBytes(entry), privateKey))
  const signed: SignedEntry = { entry, key_id: keyId, signature }
  assertShape(validateSignedEntryShape(signed), 'signed ledger entry')
  return signed
}

/** True when the envelope is well-formed and its signature verifies under `publicKey` (strict RFC 8032). */
export function verifyEntry(signed: SignedEntry, publicKey: Uint8Array): boolean {
  if (validateSignedEntryShape(signed).length > 0) return false
  const sig = fromBase64Url(signed.signature)
  if (sig === null || sig.length !== 64 || publicKey.length !== 32) return false
  try {
    return ed25519.verify(sig, entrySigningBytes(signed.entry), publicKey, { zip215: false })
  } catch {
    return false
  }
}

/**
 * The leaf bytes: UTF-8 of JCS({entry, key_id, signature}). Throws on a malformed envelope. Only the
 * three envelope fields are taken, so stray runtime properties cannot change the leaf.
 */
export function entryBytes(signed: SignedEntry): Uint8Array {
  const envelope = { entry: signed.entry, key_id: signed.key_id, signature: signed.signature }
  assertShape(validateSignedEntryShape(envelope), 'signed ledger entry')
  return new TextEncoder().encode(canonicalize(envelope))
}

/** Parses leaf bytes back into a SignedEntry, checking shape and that the bytes are canonical JCS. */
export function parseEntryBytes(bytes: Uint8Array): SignedEntry {
  let x: unknown
  try {
    x = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes))
  } catch {
    throw new Error('leaf bytes are not UTF-8 JSON')
  }
  assertShape(validateSignedEntryShape(x), 'signed ledger entry')
  const signed = x as SignedEntry
  const again = entryBytes(signed)
  if (again.length !== bytes.length || !again.every((b, i) => b === bytes[i])) {
    throw new Error('leaf bytes are not in canonical (RFC 8785) form')
  }
  return signed
}
