/** Runs the plain-SQL migrations of one service (migrations/<service>/NNNN_name.sql) with kysely's Migrator. */
import { promises as fs } from 'node:fs'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { Migrator, sql, type DatabaseIntrospector, type Kysely, type Migration, type MigrationProvider } from 'kysely'

export const MIGRATIONS_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../migrations')

export class SqlFileMigrationProvider implements MigrationProvider {
  constructor(private readonly folder: string) {}

  async getMigrations(): Promise<Record<string, Migration>> {
    const files = (await fs.readdir(this.folder)).filter((f) => /^\d{4}_[a-z0-9_]+\.sql$/.test(f)).sort()
    const migrations: Record<string, Migration> = {}
    for (const file of files) {
      const text = await fs.readFile(path.join(this.folder, file), 'utf8')
      migrations[file.replace(/\.sql$/, '')] = {
        up: async (db) => {
          await sql.raw(text).execute(db)
        },
      }
    }
    return migrations
  }
}

/** Brings a service database to the latest migration; throws with the failing migration's name. */
export async function migrateToLatest(db: Kysely<any>, service: string, root = MIGRATIONS_ROOT): Promise<void> {
  // Name the schema explicitly: otherwise kysely may find a migration table of another schema on the
  // search path (another service's or another test's) and think this one is migrated.
  const { rows } = await sql<{ schema: string }>`select current_schema() as schema`.execute(db)
  const schema = rows[0]!.schema
  const migrator = new Migrator({ db: withOwnSchemaIntrospection(db, schema), provider: new SqlFileMigrationProvider(path.join(root, service)), migrationTableSchema: schema, allowUnorderedMigrations: true })
  const { error, results } = await migrator.migrateToLatest()
  if (!error) return
  const failed = results?.find((r) => r.status === 'Error')
  const reason = error instanceof Error ? error.message : String(error)
  throw new Error(`migration ${failed?.migrationName ?? '(unknown)'} of ${service} failed: ${reason}`)
}

/**
 * `db` with an introspector that sees only `schema`, which is all the Migrator asks it (does my schema, my migration
 * table, my lock table exist). kysely's own PostgreSQL introspector reads every column of every schema and calls
 * pg_get_serial_sequence on each by name, so another session's DDL in another schema at that moment (a schema dropped,
 * a table dropped, a column dropped by its migration) fails this service's migration with that schema's error. Here
 * the catalogue is read by the schema's name only, in one snapshot, with no function that looks names up again.
 */
export function withOwnSchemaIntrospection<DB>(db: Kysely<DB>, schema: string): Kysely<DB> {
  const introspection: DatabaseIntrospector = {
    async getSchemas() {
      const { rows } = await sql<{ name: string }>`select nspname as name from pg_catalog.pg_namespace where nspname = ${schema}`.execute(db)
      return rows
    },
    async getTables() {
      const { rows } = await sql<{ name: string; kind: string }>`
        select c.relname as name, c.relkind as kind from pg_catalog.pg_class c
        join pg_catalog.pg_namespace n on n.oid = c.relnamespace
        where n.nspname = ${schema} and c.relkind in ('r', 'p', 'v', 'm')`.execute(db)
      return rows.map((r) => ({ name: r.name, schema, isView: r.kind === 'v' || r.kind === 'm', columns: [] }))
    },
    async getMetadata(options) {
      return { tables: await this.getTables(options) }
    },
  }
  return new Proxy(db, {
    get(target, prop) {
      if (prop === 'introspection') return introspection
      const value: unknown = Reflect.get(target, prop, target)
      return typeof value === 'function' ? value.bind(target) : value
    },
  })
}
