/** Runs the plain-SQL migrations of one service (migrations/<service>/NNNN_name.sql) with kysely's Migrator. */
import { promises as fs } from 'node:fs'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { Migrator, sql, type Kysely, type Migration, type MigrationProvider } from 'kysely'

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
  const migrator = new Migrator({ db, provider: new SqlFileMigrationProvider(path.join(root, service)), migrationTableSchema: schema, allowUnorderedMigrations: true })
  for (let attempt = 1; ; attempt++) {
    const { error, results } = await migrator.migrateToLatest()
    if (!error) return
    // kysely looks for its tables among every schema's (pg_get_serial_sequence over the whole catalogue), so another
    // session dropping its own schema meanwhile fails the look-up; nothing was migrated (each run is one transaction),
    // so it is run again.
    if (attempt < MIGRATE_ATTEMPTS && isOtherSchemaDropped(error, schema)) continue
    const failed = results?.find((r) => r.status === 'Error')
    const reason = error instanceof Error ? error.message : String(error)
    throw new Error(`migration ${failed?.migrationName ?? '(unknown)'} of ${service} failed: ${reason}`)
  }
}

const MIGRATE_ATTEMPTS = 3

/**
 * Whether a migration error is PostgreSQL's "schema … does not exist" (3F000), or "relation … does not exist" (42P01)
 * for a table named with its schema, for a schema other than `own`: another session dropped its schema during kysely's
 * look-up.
 */
export function isOtherSchemaDropped(error: unknown, own: string): boolean {
  if (!(error instanceof Error)) return false
  const code = (error as { code?: unknown }).code
  const m = code === '3F000' ? /^schema "(.+)" does not exist$/.exec(error.message) : code === '42P01' ? /^relation "([^".]+)\.[^".]+" does not exist$/.exec(error.message) : null
  return m !== null && m[1] !== own
}
