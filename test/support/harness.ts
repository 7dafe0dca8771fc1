/** Test harness: a stack on fresh per-file databases (own PG schemas, or in-memory PGlite) with captured logs. */
import { join } from 'node:path'
import { Writable } from 'node:stream'
import { sql, type Kysely } from 'kysely'
import { createTestTarget, testDatabaseKind, type TestTarget } from '@healthflag/db'
import { startStack, type Stack, type StackOptions } from '../../scripts/lib/stack.js'

export interface Harness {
  stack: Stack
  logs: () => string
  drop(): Promise<void>
}

export async function startHarness(label: string, opts: Omit<StackOptions, 'databases' | 'logStream'> = {}): Promise<Harness> {
  const targets: TestTarget[] = []
  const t = async (svc: string) => {
    const x = await createTestTarget(`${label}_${svc}`)
    targets.push(x)
    return x.target
  }
  const chunks: string[] = []
  const logStream = new Writable({
    write(chunk, _enc, cb) {
      chunks.push(String(chunk))
      cb()
    },
  })
  const stack = await startStack({ ...opts, databases: { council: await t('c'), sidecar: await t('s'), ledger: await t('l') }, logStream, logLevel: 'debug' })
  return {
    stack,
    logs: () => chunks.join(''),
    async drop() {
      await stack.close()
      for (const x of targets) await x.drop()
    },
  }
}

/**
 * The three services' databases for a test that restarts its stack: own PostgreSQL schemas, or PGlite data
 * directories under `dir` (an in-memory PGlite would not outlive the stack). `drop` removes the schemas; the caller
 * removes `dir`.
 */
export async function restartableDatabases(label: string, dir: string): Promise<{ databases: StackOptions['databases']; drop(): Promise<void> }> {
  if (testDatabaseKind() === 'pglite') {
    return { databases: { council: { kind: 'pglite', dataDir: join(dir, 'council') }, sidecar: { kind: 'pglite', dataDir: join(dir, 'sidecar') }, ledger: { kind: 'pglite', dataDir: join(dir, 'ledger') } }, drop: async () => {} }
  }
  const [council, sidecar, ledger] = await Promise.all(['c', 's', 'l'].map((s) => createTestTarget(`${label}_${s}`)))
  return {
    databases: { council: council!.target, sidecar: sidecar!.target, ledger: ledger!.target },
    async drop() {
      for (const t of [council!, sidecar!, ledger!]) await t.drop()
    },
  }
}

/** Every row of every table of a service database, as text, for leak searches. */
export async function dumpTables(db: Kysely<any>, except: readonly string[] = []): Promise<Map<string, string>> {
  const tables = await sql<{ table_name: string }>`
    select table_name from information_schema.tables
    where table_schema = current_schema() and table_type = 'BASE TABLE'`.execute(db)
  const out = new Map<string, string>()
  for (const { table_name } of tables.rows) {
    if (except.includes(table_name)) continue
    const rows = await sql<{ t: string }>`select t::text as t from ${sql.table(table_name)} t`.execute(db)
    // bytea columns render as hex in row text; decode them too so text inside bytes is found.
    const text = rows.rows.map((r) => r.t).join('\n')
    const hexDecoded = [...text.matchAll(/\\\\x([0-9a-f]+)/g)].map((m) => Buffer.from(m[1]!, 'hex').toString('latin1')).join('\n')
    out.set(table_name, `${text}\n${hexDecoded}`)
  }
  return out
}
