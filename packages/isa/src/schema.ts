/**
 * The Information Sharing Agreement as a machine-checked document: TypeBox schema, static types and a
 * validator that adds the cross-field rules JSON Schema cannot express. Both services load the same
 * document and refuse to start with one that fails here.
 */
import { Type, type Static } from 'typebox'
import { Ajv, type ErrorObject } from 'ajv'
import addFormatsImport from 'ajv-formats'
import { errors } from '@healthflag/protocol'

/** The umbrella protocol every Staffordshire ISA sits under; a document naming another is not ours. */
export const ISP_NAME = 'One Staffordshire Information Sharing Protocol'

/** Calendar date, `YYYY-MM-DD`, validated as a real date (no 30 February). */
const IsoDate = Type.String({ format: 'date' })
/** RFC 3339 timestamp with an explicit offset. */
const IsoTimestamp = Type.String({ format: 'date-time' })
/** Hex SHA-256, as produced by `isaDigest`. */
export const DigestHex = Type.String({ pattern: '^[0-9a-f]{64}$' })
/** 32 bytes, base64url without padding (43 characters): an Ed25519 or X25519 public key. */
export const PublicKeyB64u = Type.String({ pattern: '^[A-Za-z0-9_-]{43}$' })
const Text = Type.String({ minLength: 1, maxLength: 2000 })
const Code = Type.String({ pattern: '^[a-z][a-z0-9_.-]{0,63}$' })

export const IsaStatus = Type.Union([
  Type.Literal('draft'),
  Type.Literal('active'),
  Type.Literal('suspended'),
  Type.Literal('expired'),
])
export type IsaStatus = Static<typeof IsaStatus>

export const PartyId = Type.Union([Type.Literal('council'), Type.Literal('trust')])
export type PartyId = Static<typeof PartyId>

export const Party = Type.Object(
  {
    id: PartyId,
    name: Text,
    organisation: Text,
    signing_key: PublicKeyB64u,
    agreement_key: PublicKeyB64u,
  },
  { additionalProperties: false },
)
export type Party = Static<typeof Party>

export const Signatory = Type.Object(
  { name: Text, role: Text, organisation: Text, signed_on: IsoDate },
  { additionalProperties: false },
)
export type Signatory = Static<typeof Signatory>

export const PositiveInt = Type.Integer({ minimum: 1 })

export const Clause = Type.Object(
  {
    id: Code,
    title: Text,
    /** Machine code of the purpose, e.g. `brfc.mental_health_flag`; requests name it and must match. */
    purpose: Code,
    purpose_text: Text,
    lawful_basis_art6: Text,
    art9_condition: Text,
    dpa2018_sch1: Text,
    statutory_gateway: Text,
    permitted_match_keys: Type.Array(Type.String({ pattern: '^[a-z][a-z0-9_]{0,63}$' }), {
      minItems: 1,
      uniqueItems: true,
    }),
    /** The trust answers one boolean per candidate and nothing else. */
    returned_fields: Type.Tuple([Type.Literal('active_service')]),
    /** The programme's eligibility rule: candidates meet at least two criteria; a clause cannot lower it. */
    precondition: Type.Object({ min_criteria: Type.Integer({ minimum: 2 }) }, { additionalProperties: false }),
    batch: Type.Object({ min: PositiveInt, max: PositiveInt }, { additionalProperties: false }),
    frequency: Type.Object(
      { max_exchanges: PositiveInt, period_days: PositiveInt },
      { additionalProperties: false },
    ),
    retention_days: PositiveInt,
    district_scoping: Type.Boolean(),
    approval: Type.Object(
      { required: Type.Boolean(), window_hours: PositiveInt },
      { additionalProperties: false },
    ),
    active_definition: Type.Object(
      {
        services: Type.Array(Type.String({ minLength: 1, maxLength: 64 }), { minItems: 1, uniqueItems: true }),
        max_index_age_days: PositiveInt,
      },
      { additionalProperties: false },
    ),
  },
  { additionalProperties: false },
)
export type Clause = Static<typeof Clause>

export const IsaDocument = Type.Object(
  {
    id: Code,
    version: PositiveInt,
    title: Text,
    protocol: Type.Literal(ISP_NAME),
    status: IsaStatus,
    /** Why this version suspended or expired the agreement (set by `suspend` / `expire`). */
    status_reason: Type.Optional(Text),
    valid_from: IsoDate,
    valid_to: IsoDate,
    review_date: IsoDate,
    /** What to do once review_date has passed: carry on with a warning, or refuse exchanges. */
    review_overdue: Type.Union([Type.Literal('warn'), Type.Literal('refuse')]),
    dpia_ref: Text,
    effective_from: IsoTimestamp,
    supersedes: Type.Optional(DigestHex),
    parties: Type.Array(Party, { minItems: 2, maxItems: 2 }),
    signatories: Type.Array(Signatory, { minItems: 1 }),
    clauses: Type.Array(Clause, { minItems: 1 }),
  },
  { additionalProperties: false },
)
export type IsaDocument = Static<typeof IsaDocument>

// ajv-formats is CommonJS; under NodeNext its default export may arrive wrapped once more.
type FormatsPlugin = (ajv: Ajv) => Ajv
const addFormats: FormatsPlugin =
  (addFormatsImport as unknown as { default?: FormatsPlugin }).default ??
  (addFormatsImport as unknown as FormatsPlugin)

const ajv = new Ajv({ allErrors: true, strict: true })
addFormats(ajv)
const validateShape = ajv.compile<IsaDocument>(IsaDocument)

function describe(e: ErrorObject): string {
  const where = e.instancePath === '' ? 'document' : e.instancePath
  if (e.keyword === 'additionalProperties') {
    return `${where}: unknown field "${String((e.params as { additionalProperty: string }).additionalProperty)}"`
  }
  return `${where}: ${e.message ?? e.keyword}`
}

/** Rules that span fields. Returns one line per problem; empty when the document is coherent. */
function crossFieldProblems(doc: IsaDocument): string[] {
  const problems: string[] = []
  if (doc.valid_from > doc.valid_to) problems.push('/valid_to: must not be before valid_from')
  if (doc.review_date < doc.valid_from) problems.push('/review_date: must not be before valid_from')
  const partyIds = doc.parties.map((p) => p.id).sort()
  if (partyIds[0] !== 'council' || partyIds[1] !== 'trust') {
    problems.push('/parties: must hold exactly one council and one trust')
  }
  const seen = new Set<string>()
  doc.clauses.forEach((c, i) => {
    if (seen.has(c.id)) problems.push(`/clauses/${i}/id: duplicate clause id`)
    seen.add(c.id)
    if (c.batch.min > c.batch.max) problems.push(`/clauses/${i}/batch: min must not exceed max`)
  })
  if (doc.version === 1 && doc.supersedes !== undefined) {
    problems.push('/supersedes: version 1 cannot supersede anything')
  }
  if (doc.version > 1 && doc.supersedes === undefined) {
    problems.push('/supersedes: every version after the first must name the digest it supersedes')
  }
  return problems
}

export type IsaValidation = { ok: true; doc: IsaDocument } | { ok: false; problems: string[] }

/** Validates shape (unknown fields rejected) and cross-field rules. Never throws. */
export function validateIsaDocument(input: unknown): IsaValidation {
  if (!validateShape(input)) {
    return { ok: false, problems: (validateShape.errors ?? []).map(describe) }
  }
  const problems = crossFieldProblems(input)
  return problems.length === 0 ? { ok: true, doc: input } : { ok: false, problems }
}

/** Validates and returns the document, or throws ISA_INVALID listing every problem found. */
export function parseIsaDocument(input: unknown): IsaDocument {
  const result = validateIsaDocument(input)
  if (!result.ok) {
    throw errors.isaInvalid(
      `The ISA document is not valid; correct these fields and load it again: ${result.problems.join('; ')}.`,
      { problems: result.problems },
    )
  }
  return result.doc
}

/** One version of an agreement with its digest. Versions are never edited; a change is a new version. */
export interface IsaVersion {
  doc: IsaDocument
  digest: string
}
