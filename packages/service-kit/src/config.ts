/**
 * Production configuration, parsed once from the environment in server.ts (never at import time).
 * A service refuses to start without a PostgreSQL URL: the embedded database is only for demo and tests.
 */
import { Type, type Static } from 'typebox'
import { Ajv } from 'ajv'
import addFormatsModule from 'ajv-formats'
import { postgresTarget, type DatabaseTarget } from '@healthflag/db'

export const CommonEnv = Type.Object({
  DATABASE_URL: Type.String({ description: 'PostgreSQL URL of this service\'s own database' }),
  HOST: Type.String({ default: '0.0.0.0' }),
  PORT: Type.Integer({ minimum: 1, maximum: 65535 }),
  LOG_LEVEL: Type.String({ default: 'info' }),
  USERS_FILE: Type.String({ description: 'JSON list of {name, role, district, tokenSha256}' }),
})

const ajv = new Ajv({ coerceTypes: true, useDefaults: true, allErrors: true, strict: false })
;(addFormatsModule as unknown as (a: Ajv) => Ajv)(ajv)

/** Validates env against a schema; throws one message listing every missing or invalid variable. */
export function parseEnv<T extends ReturnType<typeof Type.Object>>(schema: T, env: NodeJS.ProcessEnv): Static<T> {
  const data: Record<string, unknown> = {}
  for (const k of Object.keys(schema.properties)) if (env[k] !== undefined) data[k] = env[k]
  const validate = ajv.compile(schema)
  if (!validate(data)) {
    const problems = (validate.errors ?? []).map((e) => (e.keyword === 'required' ? `${String(e.params.missingProperty)} is required` : `${e.instancePath.slice(1)} ${e.message}`))
    throw new Error(`configuration: ${problems.join('; ')}`)
  }
  return data as Static<T>
}

export function productionDatabase(url: string): DatabaseTarget {
  return postgresTarget(url, 'DATABASE_URL')
}
