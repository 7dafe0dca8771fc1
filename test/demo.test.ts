/** `npm run demo` with given files: results in the specified format, and --data keeps the three databases. */
import { afterAll, describe, expect, it } from 'vitest'
import { spawnSync } from 'node:child_process'
import { existsSync, promises as fs } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { generatePopulation, toCsv, PATIENT_COLUMNS, CANDIDATE_COLUMNS } from '@healthflag/synth'

const root = path.resolve(import.meta.dirname, '..')
let dir: string

afterAll(async () => {
  if (dir) await fs.rm(dir, { recursive: true, force: true })
})

describe('npm run demo with --patients, --candidates, --out and --data', () => {
  it('writes one result row per sent candidate with the upload ref and true/false, and keeps the databases', async () => {
    dir = await fs.mkdtemp(path.join(os.tmpdir(), 'hf-demo-test-'))
    const pop = generatePopulation({ seed: 11, patients: 600, candidates: 80, tier: 'realistic', invalidRows: true })
    // The other file shapes people send: referral columns would be the trust's; here Y/N flags and CRLF.
    const patients = toCsv(pop.patients, [...PATIENT_COLUMNS] as never).replace(/,true(\r?\n|$)/g, ',Y$1').replace(/\n/g, '\r\n')
    await fs.writeFile(path.join(dir, 'patients.csv'), patients)
    await fs.writeFile(path.join(dir, 'candidates.csv'), '\uFEFF' + toCsv(pop.candidates, [...CANDIDATE_COLUMNS] as never))
    const out = path.join(dir, 'out', 'results.csv')
    const data = path.join(dir, 'data')
    const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => k !== 'DATABASE_URL')) as Record<string, string>
    const r = spawnSync(path.join(root, 'node_modules/.bin/tsx'), ['scripts/demo.ts', '--patients', path.join(dir, 'patients.csv'), '--candidates', path.join(dir, 'candidates.csv'), '--out', out, '--data', data], {
      cwd: root,
      env,
      encoding: 'utf8',
      timeout: 240_000,
    })
    expect(r.stderr).toBe('')
    expect(r.status).toBe(0)
    expect(r.stdout).toContain('clause brfc-mh-1')
    expect(r.stdout).toMatch(/ledger\s+\d+ entries/)

    const lines = (await fs.readFile(out, 'utf8')).trim().split('\n')
    expect(lines[0]!.split(',').slice(0, 2)).toEqual(['ref', 'active_service'])
    const sent = pop.truth.filter((t) => t.sent)
    expect(lines.length - 1).toBe(sent.length)
    const got = new Map(lines.slice(1).map((l) => l.split(',') as [string, string]))
    for (const t of sent) expect(['true', 'false']).toContain(got.get(t.ref))
    for (const t of pop.truth.filter((x) => !x.sent)) expect(got.has(t.ref)).toBe(false)
    // Flags agree with the ground truth for nearly every row even with realistic noise (exact figures: bench:quality).
    const agree = sent.filter((t) => (got.get(t.ref) === 'true') === t.expectedActive).length
    expect(agree / sent.length).toBeGreaterThan(0.9)
    for (const svc of ['council', 'sidecar', 'ledger']) expect(existsSync(path.join(data, svc, 'PG_VERSION'))).toBe(true)
  })
})
