// The IG officer's import command (scripts/import-index.ts) against a running side-car: the file streamed over HTTP
// with its length, so the side-car reports bytes read of a known total while it loads, and the version goes live.
import { execFile } from 'node:child_process'
import { mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { PATIENT_COLUMNS, generatePopulation, toCsv, type PatientRow } from '@healthflag/synth'
import { startHarness, type Harness } from './support/harness.js'

const run = promisify(execFile)
let h: Harness
const dir = mkdtempSync(join(tmpdir(), 'hf-import-cli-'))

beforeAll(async () => {
  h = await startHarness('icli')
})

afterAll(async () => {
  await h?.drop()
  rmSync(dir, { recursive: true, force: true })
})

describe('scripts/import-index.ts', () => {
  it('streams the extract with its length and reports the version it loaded', async () => {
    const pop = generatePopulation({ seed: 51, patients: 3000, candidates: 0, tier: 'clean' })
    const file = join(dir, 'patients.csv')
    writeFileSync(file, toCsv(pop.patients, [...PATIENT_COLUMNS] as (keyof PatientRow)[]))
    const script = new URL('../scripts/import-index.ts', import.meta.url).pathname
    const { stdout } = await run(process.execPath, ['--import', 'tsx', script, '--url', h.stack.urls.sidecar, '--every', '0.2', file], {
      env: { ...process.env, HEALTHFLAG_TOKEN: h.stack.tokens.igOfficer },
    })
    const report = JSON.parse(stdout.trim().split('\n').pop()!) as { version_id: number; rows_read: number; patients_loaded: number }
    expect(report).toMatchObject({ rows_read: 3000, patients_loaded: 3000 })
    const res = await fetch(new URL('/v1/index', h.stack.urls.sidecar), { headers: { authorization: `Bearer ${h.stack.tokens.igOfficer}` } })
    const versions = (await res.json()) as { version_id: number; status: string; import?: { bytes_total: number | null; bytes_read: number } }[]
    const mine = versions.find((v) => v.version_id === report.version_id)
    expect(mine?.status).toBe('live')
    // The side-car knew the file's size from the request: the total is the file's, not unknown.
    expect(mine?.import).toMatchObject({ bytes_total: statSync(file).size, bytes_read: statSync(file).size })
  })
})
