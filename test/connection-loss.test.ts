// A PostgreSQL connection the services hold idle in their pools can end at any time (a server restart or failover, an
// idle timeout, pg_terminate_backend). node-pg's pool re-throws that as an unhandled 'error' event, which ended the
// process; each service now logs it and goes on, its pool opening another connection for the next query.
import { sql, type Kysely } from 'kysely'
import pg from 'pg'
import { afterAll, beforeAll, expect, it } from 'vitest'
import { testDatabaseKind } from '@healthflag/db'
import { CANDIDATE_COLUMNS, PATIENT_COLUMNS, generatePopulation, toCsv } from '@healthflag/synth'
import { api } from '../scripts/lib/client.js'
import { startHarness, type Harness } from './support/harness.js'

const onPostgres = testDatabaseKind() === 'postgres'
let h: Harness
const pop = generatePopulation({ seed: 5, patients: 600, candidates: 60, tier: 'clean' })
const csv = <T extends object>(rows: T[], cols: readonly string[]) => toCsv(rows, [...cols] as (keyof T)[])

beforeAll(async () => {
  if (onPostgres) h = await startHarness('connloss')
})
afterAll(async () => {
  await h?.drop()
})

/** Ends every idle connection of the service's own pool (named by its schema), from a connection of the test's own. */
async function endIdleConnections(db: Kysely<any>): Promise<number> {
  const schema = (await sql<{ s: string }>`select current_schema() as s`.execute(db)).rows[0]!.s
  const admin = new pg.Client({ connectionString: process.env.DATABASE_URL })
  await admin.connect()
  try {
    // Found first, ended after: in one statement PostgreSQL may call pg_terminate_backend before the other conditions.
    const { rows } = await admin.query<{ pid: number }>(`select pid from pg_stat_activity where application_name = $1 and state = 'idle'`, [`healthflag ${schema}`])
    for (const { pid } of rows) await admin.query('select pg_terminate_backend($1)', [pid])
    return rows.length
  } finally {
    await admin.end()
  }
}

it.skipIf(!onPostgres)('keeps every service running when PostgreSQL ends its idle connections, and answers after (PostgreSQL)', async () => {
  const s = h.stack
  await api.importIndex(s.urls.sidecar, s.tokens.igOfficer, csv(pop.patients, PATIENT_COLUMNS))
  const up = await api.upload(s.urls.council, s.tokens.analyst, csv(pop.candidates, CANDIDATE_COLUMNS))
  expect((await api.startExchange(s.urls.council, s.tokens.analyst, up.body.upload_id)).body.status).toBe('answered')

  let ended = 0
  for (const app of [s.council, s.sidecar, s.ledger]) ended += await endIdleConnections(app.healthflagDb as Kysely<any>)
  expect(ended).toBeGreaterThanOrEqual(3)
  // The pools hear of it (a FATAL message on each socket) before they are asked for anything else.
  const deadline = Date.now() + 10_000
  while (!h.logs().includes('PostgreSQL ended a pooled connection') && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50))
  expect(h.logs()).toContain('PostgreSQL ended a pooled connection')

  const again = await api.startExchange(s.urls.council, s.tokens.analyst, up.body.upload_id)
  expect(again.body.status).toBe('answered')
  expect(again.body.rows_flagged).toBeGreaterThan(0)
})
