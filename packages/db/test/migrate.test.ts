import { randomBytes } from 'node:crypto'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import pg from 'pg'
import { sql, type Kysely } from 'kysely'
import { migrateToLatest, withOwnSchemaIntrospection } from '../src/migrate.js'
import { openDatabase, quoteIdent } from '../src/open.js'
import { createTestTarget, testDatabaseKind, type TestTarget } from '../src/testing.js'

describe('withOwnSchemaIntrospection', () => {
  let t: TestTarget
  let db: Kysely<any>
  let close: () => Promise<void>
  beforeAll(async () => {
    t = await createTestTarget('introsp')
    const h = await openDatabase<any>(t.target)
    db = h.db
    close = h.close
  })
  afterAll(async () => {
    await close()
    await t.drop()
  })

  it('lists the tables and views of its own schema only, and only that schema', async () => {
    const { rows } = await sql<{ schema: string }>`select current_schema() as schema`.execute(db)
    const own = rows[0]!.schema
    const other = `o_${randomBytes(5).toString('hex')}`
    await sql.raw(`create table mine (a int); create view mine_v as select a from mine; create schema ${other}; create table ${other}.theirs (b int)`).execute(db)
    try {
      const scoped = withOwnSchemaIntrospection(db, own).introspection
      const tables = await scoped.getTables()
      expect(tables.map((x) => [x.name, x.schema, x.isView]).sort()).toEqual([['mine', own, false], ['mine_v', own, true]])
      expect(await scoped.getSchemas()).toEqual([{ name: own }])
      // The unscoped introspector does see the other schema's table: the scoping is what hides it.
      expect((await db.introspection.getTables()).some((x) => x.name === 'theirs')).toBe(true)
    } finally {
      await sql.raw(`drop schema ${other} cascade; drop view mine_v; drop table mine`).execute(db)
    }
  })

  it('leaves the rest of the database handle as it was', async () => {
    const scoped = withOwnSchemaIntrospection(db, 'x')
    const { rows } = await sql<{ one: number }>`select 1 as one`.execute(scoped)
    expect(rows).toEqual([{ one: 1 }])
    expect(await scoped.transaction().execute(async (trx) => (await sql<{ two: number }>`select 2 as two`.execute(trx)).rows)).toEqual([{ two: 2 }])
  })
})

describe('migrateToLatest while other sessions change other schemas', () => {
  // In CI a service's migration failed with another test's error ("column … of relation candidate does not exist",
  // earlier "schema … does not exist"): kysely's introspector read every schema's columns while another session's
  // migration dropped one. Here one session drops and re-creates columns, tables and schemas as fast as it can while
  // the ledger's migrations run on fresh schemas, again and again.
  it.skipIf(testDatabaseKind() !== 'postgres')('migrates every fresh schema, whatever other schemas do meanwhile (PostgreSQL)', { timeout: 120_000 }, async () => {
    const url = process.env.DATABASE_URL!
    const churnSchema = `t_churn_${randomBytes(5).toString('hex')}`
    const churn = new pg.Client({ connectionString: url })
    await churn.connect()
    let stop = false
    let churned = 0
    const churning = (async () => {
      while (!stop) {
        await churn.query(`create schema ${quoteIdent(churnSchema)}; create table ${quoteIdent(churnSchema)}.c (id serial primary key, a int, b int, d int)`)
        await churn.query(`alter table ${quoteIdent(churnSchema)}.c drop column a`)
        await churn.query(`alter table ${quoteIdent(churnSchema)}.c drop column b`)
        await churn.query(`drop table ${quoteIdent(churnSchema)}.c`)
        await churn.query(`drop schema ${quoteIdent(churnSchema)} cascade`)
        churned++
      }
    })()
    const runs = 40
    const failures: string[] = []
    try {
      for (let i = 0; i < runs; i++) {
        const t = await createTestTarget('migchurn')
        const h = await openDatabase<any>(t.target)
        try {
          await migrateToLatest(h.db, 'ledger')
        } catch (e) {
          failures.push((e as Error).message)
        } finally {
          await h.close()
          await t.drop()
        }
      }
    } finally {
      stop = true
      await churning
      await churn.end()
    }
    expect(churned).toBeGreaterThan(runs)
    expect(failures).toEqual([])
  })
})
