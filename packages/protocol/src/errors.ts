/**
 * The one error vocabulary. Every refusal a user or a peer service can meet has a code, an HTTP status
 * and a sentence saying what to do. Messages never carry personal data, tokens or record identifiers
 * that the caller did not already send.
 */
export const ErrorCode = {
  // transport and authentication
  BAD_REQUEST: 'BAD_REQUEST',
  SIGNATURE_MISSING: 'SIGNATURE_MISSING',
  SIGNATURE_INVALID: 'SIGNATURE_INVALID',
  UNKNOWN_PARTY: 'UNKNOWN_PARTY',
  STALE_REQUEST: 'STALE_REQUEST',
  REPLAYED_REQUEST: 'REPLAYED_REQUEST',
  UNAUTHENTICATED: 'UNAUTHENTICATED',
  NOT_FOUND: 'NOT_FOUND',
  CONFLICT: 'CONFLICT',
  RATE_LIMITED: 'RATE_LIMITED',
  INTERNAL: 'INTERNAL',
  UPSTREAM_FAILED: 'UPSTREAM_FAILED',
  IDEMPOTENCY_KEY_IN_USE: 'IDEMPOTENCY_KEY_IN_USE',
  IDEMPOTENCY_KEY_REUSED: 'IDEMPOTENCY_KEY_REUSED',
  // uploads
  FILE_EMPTY: 'FILE_EMPTY',
  FILE_NOT_TEXT: 'FILE_NOT_TEXT',
  FILE_MALFORMED: 'FILE_MALFORMED',
  COLUMN_MISSING: 'COLUMN_MISSING',
  DUPLICATE_REF: 'DUPLICATE_REF',
  NOTHING_TO_SEND: 'NOTHING_TO_SEND',
  // ISA governance
  ISA_UNKNOWN: 'ISA_UNKNOWN',
  ISA_NOT_ACTIVE: 'ISA_NOT_ACTIVE',
  ISA_SUSPENDED: 'ISA_SUSPENDED',
  ISA_EXPIRED: 'ISA_EXPIRED',
  ISA_NOT_YET_VALID: 'ISA_NOT_YET_VALID',
  ISA_REVIEW_OVERDUE: 'ISA_REVIEW_OVERDUE',
  ISA_DIGEST_MISMATCH: 'ISA_DIGEST_MISMATCH',
  CLAUSE_UNKNOWN: 'CLAUSE_UNKNOWN',
  PURPOSE_NOT_PERMITTED: 'PURPOSE_NOT_PERMITTED',
  MATCH_KEY_NOT_PERMITTED: 'MATCH_KEY_NOT_PERMITTED',
  FIELD_NOT_PERMITTED: 'FIELD_NOT_PERMITTED',
  BATCH_TOO_LARGE: 'BATCH_TOO_LARGE',
  BATCH_TOO_SMALL: 'BATCH_TOO_SMALL',
  FREQUENCY_EXCEEDED: 'FREQUENCY_EXCEEDED',
  PRECONDITION_NOT_ATTESTED: 'PRECONDITION_NOT_ATTESTED',
  INDEX_TOO_OLD: 'INDEX_TOO_OLD',
  INDEX_NOT_LOADED: 'INDEX_NOT_LOADED',
  INDEX_STORAGE_FAILED: 'INDEX_STORAGE_FAILED',
  IMPORT_RUNNING: 'IMPORT_RUNNING',
  KEY_MISMATCH: 'KEY_MISMATCH',
  REFUSED_BY_IG: 'REFUSED_BY_IG',
  APPROVAL_EXPIRED: 'APPROVAL_EXPIRED',
  // ledger
  ENTRY_INVALID: 'ENTRY_INVALID',
  LEDGER_INCONSISTENT: 'LEDGER_INCONSISTENT',
  LEDGER_UNAVAILABLE: 'LEDGER_UNAVAILABLE',
  // ISA documents
  ISA_INVALID: 'ISA_INVALID',
} as const
export type ErrorCode = (typeof ErrorCode)[keyof typeof ErrorCode]

/** An error meant for the caller: code, HTTP status and a sentence that says what to do next. */
export class HealthflagError extends Error {
  readonly code: ErrorCode
  readonly statusCode: number
  readonly details: Record<string, unknown> | undefined

  constructor(code: ErrorCode, statusCode: number, message: string, details?: Record<string, unknown>) {
    super(message)
    this.name = 'HealthflagError'
    this.code = code
    this.statusCode = statusCode
    this.details = details
  }
}

export function isHealthflagError(e: unknown): e is HealthflagError {
  return e instanceof HealthflagError
}

const make = (code: ErrorCode, status: number) => (message: string, details?: Record<string, unknown>) =>
  new HealthflagError(code, status, message, details)

/** Factories, one per code, so call sites read as sentences: `throw errors.isaExpired('…')`. */
export const errors = {
  badRequest: make(ErrorCode.BAD_REQUEST, 400),
  signatureMissing: make(ErrorCode.SIGNATURE_MISSING, 401),
  signatureInvalid: make(ErrorCode.SIGNATURE_INVALID, 401),
  unknownParty: make(ErrorCode.UNKNOWN_PARTY, 401),
  staleRequest: make(ErrorCode.STALE_REQUEST, 401),
  replayedRequest: make(ErrorCode.REPLAYED_REQUEST, 409),
  unauthenticated: make(ErrorCode.UNAUTHENTICATED, 401),
  notFound: make(ErrorCode.NOT_FOUND, 404),
  conflict: make(ErrorCode.CONFLICT, 409),
  rateLimited: make(ErrorCode.RATE_LIMITED, 429),
  upstreamFailed: make(ErrorCode.UPSTREAM_FAILED, 502),
  idempotencyKeyInUse: make(ErrorCode.IDEMPOTENCY_KEY_IN_USE, 409),
  idempotencyKeyReused: make(ErrorCode.IDEMPOTENCY_KEY_REUSED, 422),
  fileEmpty: make(ErrorCode.FILE_EMPTY, 422),
  fileNotText: make(ErrorCode.FILE_NOT_TEXT, 422),
  fileMalformed: make(ErrorCode.FILE_MALFORMED, 422),
  columnMissing: make(ErrorCode.COLUMN_MISSING, 422),
  duplicateRef: make(ErrorCode.DUPLICATE_REF, 422),
  nothingToSend: make(ErrorCode.NOTHING_TO_SEND, 422),
  isaUnknown: make(ErrorCode.ISA_UNKNOWN, 403),
  isaNotActive: make(ErrorCode.ISA_NOT_ACTIVE, 403),
  isaSuspended: make(ErrorCode.ISA_SUSPENDED, 403),
  isaExpired: make(ErrorCode.ISA_EXPIRED, 403),
  isaNotYetValid: make(ErrorCode.ISA_NOT_YET_VALID, 403),
  isaReviewOverdue: make(ErrorCode.ISA_REVIEW_OVERDUE, 403),
  isaDigestMismatch: make(ErrorCode.ISA_DIGEST_MISMATCH, 409),
  clauseUnknown: make(ErrorCode.CLAUSE_UNKNOWN, 403),
  purposeNotPermitted: make(ErrorCode.PURPOSE_NOT_PERMITTED, 403),
  matchKeyNotPermitted: make(ErrorCode.MATCH_KEY_NOT_PERMITTED, 403),
  fieldNotPermitted: make(ErrorCode.FIELD_NOT_PERMITTED, 403),
  batchTooLarge: make(ErrorCode.BATCH_TOO_LARGE, 413),
  batchTooSmall: make(ErrorCode.BATCH_TOO_SMALL, 422),
  frequencyExceeded: make(ErrorCode.FREQUENCY_EXCEEDED, 429),
  preconditionNotAttested: make(ErrorCode.PRECONDITION_NOT_ATTESTED, 403),
  indexTooOld: make(ErrorCode.INDEX_TOO_OLD, 503),
  indexNotLoaded: make(ErrorCode.INDEX_NOT_LOADED, 503),
  indexStorageFailed: make(ErrorCode.INDEX_STORAGE_FAILED, 507),
  importRunning: make(ErrorCode.IMPORT_RUNNING, 409),
  keyMismatch: make(ErrorCode.KEY_MISMATCH, 409),
  refusedByIg: make(ErrorCode.REFUSED_BY_IG, 403),
  approvalExpired: make(ErrorCode.APPROVAL_EXPIRED, 410),
  entryInvalid: make(ErrorCode.ENTRY_INVALID, 400),
  ledgerInconsistent: make(ErrorCode.LEDGER_INCONSISTENT, 409),
  /** The ledger is down or answered with an error: nothing was proved either way, so try again later. */
  ledgerUnavailable: make(ErrorCode.LEDGER_UNAVAILABLE, 503),
  isaInvalid: make(ErrorCode.ISA_INVALID, 422),
} as const
