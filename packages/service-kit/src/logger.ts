/**
 * Logger options shared by the three services. Request and response bodies are never logged; the
 * redaction list is a second line of defence for any field that carries personal data or tokens.
 */
import type { LoggerOptions } from 'pino'

export const REDACT_PATHS = [
  'req.headers.authorization',
  'req.headers.cookie',
  'req.headers["x-healthflag-signature"]',
  '*.nhs_number',
  '*.given_name',
  '*.family_name',
  '*.date_of_birth',
  '*.postcode',
  '*.tokens',
  '*.rows',
  '*.password',
  'body',
  'payload',
]

export function loggerOptions(service: string, level = 'info'): LoggerOptions {
  return {
    level,
    base: { service },
    redact: { paths: REDACT_PATHS, censor: '[redacted]' },
  }
}
