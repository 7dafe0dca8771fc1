/**
 * Test databases: each caller gets its own PostgreSQL schema (when DATABASE_URL is set) or its own
 * in-memory PGlite, and drops it afterwards — never a shared mutable database.
 */
import { randomBytes } from 'node:crypto'
import pg from 'pg'
import { quoteIdent, type DatabaseTarget } from './open.js'

export interface TestTarget {
  target: DatabaseTarget
  drop(): Promise<void>
}

export async function createTestTarget(label: string, env: NodeJS.ProcessEnv = process.env): Promise<TestTarget> {
  const url = env.DATABASE_URL
  if (!url) return { target: { kind: 'pglite' }, drop: async () => {} }
  const schema = `t_${label.replace(/[^a-z0-9]/gi, '').toLowerCase().slice(0, 20)}_${randomBytes(5).toString('hex')}`
  const client = new pg.Client({ connectionString: url })
  await client.connect()
  try {
    await client.query(`CREATE SCHEMA ${quoteIdent(schema)}`)
  } finally {
    await client.end()
  }
  return {
    target: { kind: 'postgres', url, schema, poolSize: 5 },
    drop: async () => {
      const c = new pg.Client({ connectionString: url })
      await c.connect()
      try {
        await c.query(`DROP SCHEMA IF EXISTS ${quoteIdent(schema)} CASCADE`)
      } finally {
        await c.end()
      }
    },
  }
}

/** Which database the tests are running on, for messages and skips. */
export function testDatabaseKind(env: NodeJS.ProcessEnv = process.env): 'postgres' | 'pglite' {
  return env.DATABASE_URL ? 'postgres' : 'pglite'
}
