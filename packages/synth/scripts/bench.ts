// Prints generation and CSV-writing time and memory at benchmark scale (figures only; not a test).
// Usage: npx tsx packages/synth/scripts/bench.ts [patients] [candidates] [tier]
import { mkdtemp, rm, stat } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { generatePopulation, writeCandidatesCsv, writePatientsCsv, writeTruthCsv, type NoiseTier } from '../src/index.js'

const patients = Number(process.argv[2] ?? 1_000_000)
const candidates = Number(process.argv[3] ?? 50_000)
const tier = (process.argv[4] ?? 'hard') as NoiseTier

const cpu0 = process.cpuUsage()
const t0 = performance.now()
const pop = generatePopulation({ seed: 1, patients, candidates, tier, invalidRows: true, markers: true })
const t1 = performance.now()
const cpu1 = process.cpuUsage(cpu0)
const heap = process.memoryUsage()
const dir = await mkdtemp(join(tmpdir(), 'synth-bench-'))
const cpu2 = process.cpuUsage()
try {
  await Promise.all([
    writePatientsCsv(join(dir, 'patients.csv'), pop.patients),
    writeCandidatesCsv(join(dir, 'candidates.csv'), pop.candidates),
    writeTruthCsv(join(dir, 'truth.csv'), pop.truth),
  ])
  const t2 = performance.now()
  const cpu3 = process.cpuUsage(cpu2)
  let bytes = 0
  for (const f of ['patients.csv', 'candidates.csv', 'truth.csv']) bytes += (await stat(join(dir, f))).size
  console.log(`synth ${tier}: ${patients} patients, ${candidates} candidates`)
  console.log(`  generate ${(t1 - t0).toFixed(0)} ms wall, ${((cpu1.user + cpu1.system) / 1000).toFixed(0)} ms CPU (all threads)`)
  console.log(`  heap used ${(heap.heapUsed / 1e6).toFixed(0)} MB, rss ${(heap.rss / 1e6).toFixed(0)} MB`)
  console.log(`  write CSV ${(t2 - t1).toFixed(0)} ms wall, ${((cpu3.user + cpu3.system) / 1000).toFixed(0)} ms CPU, ${(bytes / 1e6).toFixed(1)} MB`)
} finally {
  await rm(dir, { recursive: true, force: true })
}
