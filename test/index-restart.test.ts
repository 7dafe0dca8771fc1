// Issue 7: a side-car restarted on the same database and index directory answers from the version's token file, as
// before the restart; with the file gone it refuses every exchange, and the refusal is in the ledger.
import { mkdtemp, readdir, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { sql } from 'kysely'
import { afterAll, beforeAll, expect, it } from 'vitest'
import { CANDIDATE_COLUMNS, PATIENT_COLUMNS, generatePopulation, toCsv } from '@healthflag/synth'
import { api } from '../scripts/lib/client.js'
import { startStack, type Stack, type StackOptions } from '../scripts/lib/stack.js'
import { restartableDatabases } from './support/harness.js'

let databases: StackOptions['databases']
let dropDatabases = async (): Promise<void> => {}
let base: string
let dir: string
const csv = <T extends object>(rows: T[], cols: readonly string[]) => toCsv(rows, [...cols] as (keyof T)[])
const pop = generatePopulation({ seed: 31, patients: 1200, candidates: 150, tier: 'clean' })

beforeAll(async () => {
  base = await mkdtemp(join(tmpdir(), 'hf-restart-'))
  dir = join(base, 'index')
  const made = await restartableDatabases('restart', base)
  databases = made.databases
  dropDatabases = made.drop
})

afterAll(async () => {
  await dropDatabases()
  if (base) await rm(base, { recursive: true, force: true })
})

/** The parties' keys, made by the first stack: the databases record the ISA, which names them, so every stack reuses them. */
let partyKeys: Stack['keys'] | undefined
async function start(keys?: Stack['keys'], epoch?: number, preloadIndex = false): Promise<Stack> {
  const s = await startStack({ databases, indexDir: dir, preloadIndex, ...((keys ?? partyKeys) ? { keys: keys ?? partyKeys } : {}), ...(epoch !== undefined ? { epoch } : {}) })
  partyKeys ??= s.keys
  return s
}

/** The live version's in_memory state as GET /v1/index reports it. */
async function liveInMemory(s: Stack): Promise<string | undefined> {
  return (await api.indexVersions(s.urls.sidecar, s.tokens.igOfficer)).find((v) => v.status === 'live')?.in_memory
}

/** Polls liveInMemory until it is `want` (or gives up after 30 s, returning what it last saw). */
async function waitInMemory(s: Stack, want: string): Promise<string | undefined> {
  let seen: string | undefined
  for (const end = Date.now() + 30_000; Date.now() < end; await new Promise((r) => setTimeout(r, 50))) if ((seen = await liveInMemory(s)) === want) break
  return seen
}

async function exchange(s: Stack) {
  const up = await api.upload(s.urls.council, s.tokens.analyst, csv(pop.candidates, CANDIDATE_COLUMNS))
  return (await api.startExchange(s.urls.council, s.tokens.analyst, up.body.upload_id)).body
}

it('answers from the token file after a restart, and refuses (in the ledger) once the file is gone', async () => {
  const first = await start()
  const keys = first.keys
  let flagged: number | null
  try {
    await api.importIndex(first.urls.sidecar, first.tokens.igOfficer, csv(pop.patients, PATIENT_COLUMNS))
    // The import builds the new version's index itself.
    expect(await waitInMemory(first, 'ready')).toBe('ready')
    const before = await exchange(first)
    expect(before.status).toBe('answered')
    flagged = before.rows_flagged
    expect(flagged).toBeGreaterThan(10)
  } finally {
    await first.close()
  }
  expect((await readdir(dir)).filter((n) => n.endsWith('.tokens'))).toHaveLength(1)

  // Restarted: the index is read back from the database and the file, and answers as before. Without the preload it
  // is read back by the first exchange; with it (as `npm start` runs), before any exchange asks.
  const cold = await start(keys)
  try {
    expect(await liveInMemory(cold)).toBe('not_loaded')
  } finally {
    await cold.close()
  }
  const second = await start(keys, undefined, true)
  try {
    expect(await waitInMemory(second, 'ready')).toBe('ready')
    const after = await exchange(second)
    expect(after).toMatchObject({ status: 'answered', rows_flagged: flagged })
  } finally {
    await second.close()
  }

  // The file lost: the side-car refuses rather than answering from nothing, and says what to do.
  for (const n of await readdir(dir)) await rm(join(dir, n))
  // (Its preload fails, and the side-car goes on answering, with refusals.)
  const third = await start(keys, undefined, true)
  try {
    await expect(exchange(third)).rejects.toMatchObject({ status: 503, code: 'INDEX_NOT_LOADED', message: expect.stringMatching(/token file .* is missing.*import the patient index again/) })
    const refusals = await sql<{ n: number }>`select count(*)::int as n from exchange where status = 'refused' and error_code = 'INDEX_NOT_LOADED'`.execute(third.sidecar.healthflagDb)
    expect(refusals.rows[0]!.n).toBe(1)
    const entries = await sql<{ body: string }>`select convert_from(body, 'UTF8') as body from entry where type = 'exchange.refused'`.execute(third.ledger.healthflagDb)
    expect(entries.rows.filter((r) => r.body.includes('"INDEX_NOT_LOADED"'))).toHaveLength(1)
  } finally {
    await third.close()
  }
})

it('refuses, saying to import again, when both parties have moved to a new key epoch and the live index has not', async () => {
  const first = await start()
  const keys = first.keys
  try {
    await api.importIndex(first.urls.sidecar, first.tokens.igOfficer, csv(pop.patients, PATIENT_COLUMNS))
    expect((await exchange(first)).status).toBe('answered')
  } finally {
    await first.close()
  }
  const moved = await start(keys, 2)
  try {
    await expect(exchange(moved)).rejects.toMatchObject({ status: 409, code: 'KEY_MISMATCH', message: expect.stringMatching(/live patient index was made under an earlier token key.*import the patient index again/) })
    // Imported again under the new epoch's key, it answers as before.
    await api.importIndex(moved.urls.sidecar, moved.tokens.igOfficer, csv(pop.patients, PATIENT_COLUMNS))
    expect(await exchange(moved)).toMatchObject({ status: 'answered', rows_flagged: expect.any(Number) })
  } finally {
    await moved.close()
  }
})
