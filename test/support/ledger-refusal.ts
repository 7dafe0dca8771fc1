// Makes a real ledger refuse entries of some types, as a ledger whose storage fails would: a trigger on its own
// database, so the services meet a real failure of the real ledger over HTTP (no stand-in for our code).
import { randomBytes } from 'node:crypto'
import { sql } from 'kysely'
import type { FastifyInstance } from 'fastify'

/** From now until the returned function is called, the ledger refuses to store entries of `types`. */
export async function ledgerRefuses(ledger: FastifyInstance, types: readonly string[]): Promise<() => Promise<void>> {
  const db = ledger.healthflagDb
  const name = sql.raw(`refuse_${randomBytes(4).toString('hex')}`)
  const listed = sql.join(types.map((t) => sql.lit(t)))
  await sql`CREATE FUNCTION ${name}() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN IF NEW.type IN (${listed}) THEN RAISE EXCEPTION 'ledger storage refused'; END IF; RETURN NEW; END $$`.execute(db)
  await sql`CREATE TRIGGER ${name} BEFORE INSERT ON entry FOR EACH ROW EXECUTE FUNCTION ${name}()`.execute(db)
  return async () => {
    await sql`DROP TRIGGER ${name} ON entry`.execute(db)
    await sql`DROP FUNCTION ${name}()`.execute(db)
  }
}
