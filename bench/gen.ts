// Writes a synthetic population to <dir>/patients.csv and <dir>/candidates.csv (skips when already there).
// Usage: tsx bench/gen.ts <dir> <patients> <candidates>
import { existsSync } from 'node:fs'
import { mkdir, rename } from 'node:fs/promises'
import { join } from 'node:path'
import { generatePopulation, writeCandidatesCsv, writePatientsCsv } from '@healthflag/synth'
import { emit, round } from './lib/figures.js'

const [dir, p, c] = process.argv.slice(2)
const patients = Number(p)
const candidates = Number(c)
if (!dir || !Number.isInteger(patients) || !Number.isInteger(candidates)) throw new Error('usage: gen.ts <dir> <patients> <candidates>')
await mkdir(dir, { recursive: true })
if (!existsSync(join(dir, 'patients.csv'))) {
  const t0 = performance.now()
  const pop = generatePopulation({ seed: 7, patients, candidates, tier: 'realistic' })
  const t1 = performance.now()
  await writePatientsCsv(join(dir, 'patients.csv.part'), pop.patients)
  await writeCandidatesCsv(join(dir, 'candidates.csv.part'), pop.candidates)
  await rename(join(dir, 'candidates.csv.part'), join(dir, 'candidates.csv'))
  await rename(join(dir, 'patients.csv.part'), join(dir, 'patients.csv'))
  emit({ figure: 'synth.generate', patients, candidates, generate_s: round((t1 - t0) / 1000), write_s: round((performance.now() - t1) / 1000) })
}
