import { describe, expect, it } from 'vitest'
import { isOtherSchemaDropped } from '../src/migrate.js'

function pgError(code: string, message: string): Error {
  return Object.assign(new Error(message), { code })
}

describe('isOtherSchemaDropped', () => {
  it("is true for PostgreSQL's missing-schema error naming another schema", () => {
    expect(isOtherSchemaDropped(pgError('3F000', 'schema "t_rolesc_023bf898d7" does not exist'), 't_ledger_ab12')).toBe(true)
  })
  it("is true for PostgreSQL's missing-relation error naming a table of another schema (its lock table, dropped with it)", () => {
    expect(isOtherSchemaDropped(pgError('42P01', 'relation "t_excll_2280c28fe3.kysely_migration_lock" does not exist'), 't_ledger_ab12')).toBe(true)
    expect(isOtherSchemaDropped(pgError('42P01', 'relation "t_ledger_ab12.kysely_migration_lock" does not exist'), 't_ledger_ab12')).toBe(false)
  })
  it('is false for the own schema, another code, another message or a non-error', () => {
    expect(isOtherSchemaDropped(pgError('3F000', 'schema "t_ledger_ab12" does not exist'), 't_ledger_ab12')).toBe(false)
    expect(isOtherSchemaDropped(pgError('42P01', 'relation "x" does not exist'), 't_ledger_ab12')).toBe(false)
    expect(isOtherSchemaDropped(pgError('3F000', 'something else'), 't_ledger_ab12')).toBe(false)
    expect(isOtherSchemaDropped('schema "x" does not exist', 't_ledger_ab12')).toBe(false)
  })
})
