/**
 * Wire messages between council, side-car and ledger, as TypeBox schemas (validated by ajv in fastify
 * and by `assertValid` below in clients). Every object is closed (additionalProperties: false) so a
 * field that is not in the schema cannot travel.
 */
import { Type, type Static, type TSchema } from 'typebox'
import { Ajv } from 'ajv'
import addFormatsModule from 'ajv-formats'
import { createHash } from 'node:crypto'
import { canonicalJson } from './canonical-json.js'
import { fromBase64Url, toBase64Url, utf8 } from './encoding.js'
import { ed25519Sign, ed25519Verify } from './ed25519-node.js'
import { errors } from './errors.js'

const Closed = { additionalProperties: false } as const

export const Base64Url = (opts: { minLength?: number; maxLength?: number } = {}) =>
  Type.String({ pattern: '^[A-Za-z0-9_-]+$', ...opts })
export const HexDigest = Type.String({ pattern: '^[0-9a-f]{64}$' })
/** A per-exchange row reference: random, never the council's own ref. */
export const RowRef = Type.String({ pattern: '^[A-Za-z0-9_-]{22}$', description: 'random per-exchange row reference' })
/** A match token: HMAC-SHA256 truncated to 16 bytes, base64url without padding. */
export const Token = Type.String({ pattern: '^[A-Za-z0-9_-]{22}$' })
export const MatchKeyName = Type.String({ pattern: '^[a-z0-9_]{1,40}$' })

export const CheckpointRef = Type.Object(
  { size: Type.Integer({ minimum: 0 }), root: Type.String({ pattern: '^[A-Za-z0-9+/=]{44}$' }), note: Type.Optional(Type.String({ maxLength: 4096 })) },
  Closed,
)

export const ExchangeRow = Type.Object(
  {
    ref: RowRef,
    // Closed like every object here: a member whose name is not a match-key name (a "given name" with a plaintext
    // value, say) is refused by the schema, not only by the side-car's check of the declared kinds.
    tokens: Type.Record(MatchKeyName, Type.Array(Token, { minItems: 1, maxItems: 16 }), { ...Closed, maxProperties: 32 }),
  },
  Closed,
)

export const Attestation = Type.Object(
  {
    min_criteria: Type.Integer({ minimum: 0 }),
    rows: Type.Integer({ minimum: 0 }),
    statement: Type.String({ maxLength: 500 }),
  },
  Closed,
)

export const ExchangeRequest = Type.Object(
  {
    exchange_id: Type.String({ format: 'uuid' }),
    isa_id: Type.String({ minLength: 1, maxLength: 100 }),
    isa_digest: HexDigest,
    clause_id: Type.String({ minLength: 1, maxLength: 100 }),
    purpose: Type.String({ minLength: 1, maxLength: 100 }),
    epoch: Type.Integer({ minimum: 0 }),
    key_kcv: Type.String({ pattern: '^[0-9a-f]{16}$' }),
    match_keys: Type.Array(MatchKeyName, { minItems: 1, maxItems: 32 }),
    returned_fields: Type.Array(Type.Literal('active_service'), { minItems: 1, maxItems: 1 }),
    attestation: Attestation,
    rows: Type.Array(ExchangeRow, { minItems: 1, maxItems: 100_000 }),
    checkpoint: Type.Optional(CheckpointRef),
    sent_at: Type.String({ format: 'date-time' }),
  },
  Closed,
)
export type ExchangeRequest = Static<typeof ExchangeRequest>

export const ResultRow = Type.Object({ ref: RowRef, active: Type.Boolean() }, Closed)

/** What the side-car answers: one boolean per row and nothing else about any person. */
export const ExchangeAnswer = Type.Object(
  {
    exchange_id: Type.String({ format: 'uuid' }),
    isa_digest: HexDigest,
    clause_id: Type.String(),
    index_as_of: Type.String({ format: 'date' }),
    request_digest: HexDigest,
    results: Type.Array(ResultRow),
    answered_at: Type.String({ format: 'date-time' }),
  },
  Closed,
)
export type ExchangeAnswer = Static<typeof ExchangeAnswer>

export const SignedAnswer = Type.Object(
  { answer: ExchangeAnswer, party: Type.String(), signature: Base64Url({ minLength: 86, maxLength: 86 }) },
  Closed,
)
export type SignedAnswer = Static<typeof SignedAnswer>

export const PendingAnswer = Type.Object(
  {
    exchange_id: Type.String({ format: 'uuid' }),
    status: Type.Literal('pending_approval'),
    expires_at: Type.String({ format: 'date-time' }),
  },
  Closed,
)
export type PendingAnswer = Static<typeof PendingAnswer>

export const ErrorBody = Type.Object(
  {
    code: Type.String(),
    message: Type.String(),
    requestId: Type.Optional(Type.String()),
    details: Type.Optional(Type.Unknown()),
  },
  Closed,
)

const ajv = new Ajv({ allErrors: true, strict: false })
const addFormats = addFormatsModule as unknown as (a: Ajv) => Ajv
addFormats(ajv)

/** Validates data received from a peer; throws BAD_REQUEST naming the first failing path. */
export function assertValid<T extends TSchema>(schema: T, data: unknown, what: string): Static<T> {
  const validate = ajv.compile(schema)
  if (!validate(data)) {
    const first = validate.errors?.[0]
    throw errors.badRequest(`${what} does not match its schema at ${first?.instancePath || '/'}: ${first?.message ?? 'invalid'}.`)
  }
  return data as Static<T>
}

/** SHA-256 hex of the RFC 8785 canonical form of a JSON value. */
export function jsonDigest(value: unknown): string {
  return createHash('sha256').update(canonicalJson(value), 'utf8').digest('hex')
}

const ANSWER_DOMAIN = 'healthflag/v1/answer\n'

/** The answer's members in UTF-16 order of their names (RFC 8785 §3.2.3), each a string but `results`. */
const ANSWER_MEMBERS = ['answered_at', 'clause_id', 'exchange_id', 'index_as_of', 'isa_digest', 'request_digest', 'results'] as const

/** How many own enumerable members `o` has (no array made). */
function memberCount(o: object): number {
  let n = 0
  for (const k in o) if (Object.hasOwn(o, k)) n++
  return n
}

/**
 * RFC 8785 canonical JSON of an answer: canonicalJson's text, written member by member for the shape ExchangeAnswer
 * has (string members, results of exactly `{active, ref}`), which a 50,000-row answer makes several times cheaper than
 * the general pass; any other shape goes to canonicalJson. Strings are serialised by JSON.stringify, as canonicalJson
 * does (test/canonical-json.test.ts checks both give the same text).
 */
export function canonicalAnswer(answer: ExchangeAnswer): string {
  const a = answer as unknown as Record<string, unknown>
  if (a === null || typeof a !== 'object' || Object.getPrototypeOf(a) !== Object.prototype || memberCount(a) !== ANSWER_MEMBERS.length) return canonicalJson(answer)
  let text = '{'
  for (const name of ANSWER_MEMBERS) {
    const v = a[name]
    if (name === 'results') continue
    if (typeof v !== 'string' || !Object.hasOwn(a, name)) return canonicalJson(answer)
    text += `"${name}":${JSON.stringify(v)},`
  }
  const results = a.results
  if (!Array.isArray(results) || !Object.hasOwn(a, 'results')) return canonicalJson(answer)
  text += '"results":['
  for (let i = 0; i < results.length; i++) {
    const r = results[i] as Record<string, unknown> | null
    if (r === null || typeof r !== 'object' || Object.getPrototypeOf(r) !== Object.prototype || memberCount(r) !== 2) return canonicalJson(answer)
    const { active, ref } = r
    if (typeof active !== 'boolean' || typeof ref !== 'string' || !Object.hasOwn(r, 'active') || !Object.hasOwn(r, 'ref')) return canonicalJson(answer)
    text += `${i > 0 ? ',' : ''}{"active":${active},"ref":${JSON.stringify(ref)}}`
  }
  return `${text}]}`
}

/**
 * Signs an answer over `"healthflag/v1/answer\n" ‖ JCS(answer)`. `canonical` is canonicalAnswer(answer) when the
 * caller has it already (it digests the signed answer for the ledger too).
 */
export function signAnswer(answer: ExchangeAnswer, party: string, privateKey: Uint8Array, canonical = canonicalAnswer(answer)): SignedAnswer {
  const msg = utf8(ANSWER_DOMAIN + canonical)
  return { answer, party, signature: toBase64Url(ed25519Sign(msg, privateKey)) }
}

/** Checks the trust's signature over the answer; `canonical` as for signAnswer (computed when not given). */
export function verifyAnswer(signed: SignedAnswer, publicKey: Uint8Array, canonical = canonicalAnswer(signed.answer)): boolean {
  return ed25519Verify(fromBase64Url(signed.signature), utf8(ANSWER_DOMAIN + canonical), publicKey)
}

/**
 * jsonDigest(signed) — the SHA-256 of the signed answer's JCS form, which the ledger records — from the answer's
 * canonical text already made for signing or verifying: `{"answer":…,"party":…,"signature":…}` in that (sorted)
 * order. Any other shape is digested by jsonDigest.
 */
export function signedAnswerDigest(signed: SignedAnswer, canonical = canonicalAnswer(signed.answer)): string {
  const s = signed as unknown as Record<string, unknown>
  if (
    Object.getPrototypeOf(s) !== Object.prototype ||
    memberCount(s) !== 3 ||
    !Object.hasOwn(s, 'answer') ||
    typeof s.party !== 'string' ||
    typeof s.signature !== 'string' ||
    !Object.hasOwn(s, 'party') ||
    !Object.hasOwn(s, 'signature')
  ) {
    return jsonDigest(signed)
  }
  return createHash('sha256')
    .update(`{"answer":${canonical},"party":${JSON.stringify(s.party)},"signature":${JSON.stringify(s.signature)}}`, 'utf8')
    .digest('hex')
}
