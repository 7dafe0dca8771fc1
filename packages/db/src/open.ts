/**
 * Opens a service's database: real PostgreSQL through `pg`, or embedded PGlite only when asked for
 * explicitly (demo, tests). Both go through the same SQL migrations and return a typed Kysely.
 */
import { Kysely, PostgresDialect, type LogEvent } from 'kysely'
import pg from 'pg'
import { PGlite } from '@electric-sql/pglite'
import { PGliteDialect } from 'kysely-pglite-dialect'
import { existsSync, promises as fs } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { fileURLToPath } from 'node:url'

export type DatabaseTarget =
  | { kind: 'postgres'; url: string; schema?: string; poolSize?: number }
  | { kind: 'pglite'; dataDir?: string }

export interface DatabaseHandle<DB> {
  db: Kysely<DB>
  target: DatabaseTarget
  close(): Promise<void>
}

const INT8 = 20
const NUMERIC = 1700
const DATE = 1082

/**
 * Same value types from both drivers: int8/numeric as JS numbers (our counts stay far below 2^53), and a calendar
 * date as its 'yyyy-mm-dd' text: node-pg would make local midnight of it, which a host on UK time turns into the day
 * before by toISOString() during British Summer Time.
 */
const pgTypes = {
  getTypeParser(oid: number, format?: 'text' | 'binary') {
    if (oid === INT8 || oid === NUMERIC) return (v: string) => Number(v)
    if (oid === DATE) return (v: string) => v
    return pg.types.getTypeParser(oid, format as 'text')
  },
}

/** Refuses anything that is not a postgres:// URL, so production can never fall back to an embedded DB. */
export function postgresTarget(url: string | undefined, what: string): DatabaseTarget {
  if (!url || !/^postgres(ql)?:\/\//.test(url)) {
    throw new Error(`${what} must be a PostgreSQL URL (postgres://…); the embedded database is only for the demo and tests.`)
  }
  return { kind: 'postgres', url }
}

export interface OpenOptions {
  log?: (e: LogEvent) => void
  /**
   * Told when PostgreSQL ends a connection that is not running a query (a server restart or failover, an idle timeout,
   * `pg_terminate_backend`). The pool drops that connection and opens another for the next query; without listeners
   * node-pg re-throws the error as an unhandled 'error' event, which ends the whole process.
   */
  onConnectionLost?: (e: Error & { code?: string }) => void
}

export async function openDatabase<DB>(target: DatabaseTarget, opts: OpenOptions = {}): Promise<DatabaseHandle<DB>> {
  if (target.kind === 'postgres') {
    const pool = new pg.Pool({
      connectionString: target.url,
      max: target.poolSize ?? 10,
      types: pgTypes,
      ...(target.schema ? { options: `-c search_path=${quoteIdent(target.schema)}` } : {}),
      // Shown in pg_stat_activity: whose connections these are (the schema, when a service has one of its own).
      application_name: target.schema ? `healthflag ${target.schema}` : 'healthflag',
    })
    // Every connection gets a listener of its own, so that one ended while checked out and idle (a held session: the
    // index import's lock) is reported too, not only one ended while idle in the pool; the pool's own 'error' event
    // (idle connections) repeats the same error and only needs a listener to be harmless.
    pool.on('connect', (client) => client.on('error', (e) => opts.onConnectionLost?.(e)))
    pool.on('error', () => undefined)
    const db = new Kysely<DB>({ dialect: new PostgresDialect({ pool }), ...(opts.log ? { log: opts.log } : {}) })
    return { db, target, close: () => db.destroy() }
  }
  const fresh = !target.dataDir || !existsSync(path.join(target.dataDir, 'PG_VERSION'))
  const client = await PGlite.create({
    ...(target.dataDir ? { dataDir: target.dataDir } : {}),
    ...(fresh ? { loadDataDir: await pgliteTemplate() } : {}),
    parsers: { [INT8]: (v: string) => Number(v), [NUMERIC]: (v: string) => Number(v), [DATE]: (v: string) => v },
  })
  const db = new Kysely<DB>({ dialect: new PGliteDialect(simpleProtocolWhenUnparameterised(client)), ...(opts.log ? { log: opts.log } : {}) })
  return { db, target, close: () => db.destroy() }
}

/**
 * node-pg sends a query without parameters over the simple protocol, which allows several statements
 * (our SQL migrations rely on it); PGlite's `query` always prepares. This makes PGlite behave the same.
 */
function simpleProtocolWhenUnparameterised(client: PGlite): PGlite {
  return new Proxy(client, {
    get(target, prop, receiver) {
      if (prop === 'query') {
        return async (text: string, params?: unknown[]) => {
          if (params && params.length > 0) return target.query(text, params)
          const results = await target.exec(text)
          const last = results[results.length - 1]
          return last ?? { rows: [], fields: [], affectedRows: 0 }
        }
      }
      const value = Reflect.get(target, prop, receiver)
      return typeof value === 'function' ? value.bind(target) : value
    },
  })
}

export function quoteIdent(name: string): string {
  if (!/^[a-z_][a-z0-9_]{0,62}$/.test(name)) throw new Error('schema names are lower-case identifiers')
  return `"${name}"`
}

let template: Promise<Blob> | undefined

/**
 * A freshly initialised PGlite data directory as a tarball. initdb in WASM takes seconds (7–20 s on this
 * 2-core machine) while loading a tarball takes about one, so the first database made on a machine
 * leaves one in the temp dir, keyed by the PGlite version, and every later one starts from it.
 */
function pgliteTemplate(): Promise<Blob> {
  template ??= (async () => {
    const version = await pgliteVersion()
    const file = path.join(os.tmpdir(), `healthflag-pglite-template-${version}.tar`)
    try {
      return new Blob([await fs.readFile(file)])
    } catch {
      const pg = await PGlite.create()
      const tar = await pg.dumpDataDir('none')
      await pg.close()
      const bytes = Buffer.from(await tar.arrayBuffer())
      const tmp = `${file}.${process.pid}.${Date.now()}`
      await fs.writeFile(tmp, bytes)
      await fs.rename(tmp, file)
      return new Blob([bytes])
    }
  })()
  return template
}

async function pgliteVersion(): Promise<string> {
  let dir = path.dirname(fileURLToPath(import.meta.resolve('@electric-sql/pglite')))
  for (let i = 0; i < 5; i++, dir = path.dirname(dir)) {
    try {
      const pkg = JSON.parse(await fs.readFile(path.join(dir, 'package.json'), 'utf8')) as { name?: string; version?: string }
      if (pkg.name === '@electric-sql/pglite' && pkg.version) return pkg.version
    } catch {
      // keep walking up
    }
  }
  return 'unknown'
}
