// CLI: write a synthetic population (patients.csv, candidates.csv, truth.csv, params.json) to a directory.
import { mkdir, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { Command, InvalidArgumentError, Option } from 'commander'
import { generatePopulation, writeCandidatesCsv, writePatientsCsv, writeTruthCsv, type NoiseTier } from '@healthflag/synth'

function int(name: string) {
  return (v: string): number => {
    if (!/^\d+$/.test(v)) throw new InvalidArgumentError(`${name} must be a non-negative integer`)
    return Number(v)
  }
}

function share(name: string) {
  return (v: string): number => {
    const x = Number(v)
    if (!Number.isFinite(x) || x < 0 || x > 1) throw new InvalidArgumentError(`${name} must be between 0 and 1`)
    return x
  }
}

const program = new Command()
  .name('generate')
  .description('Generate a synthetic UK-like trust index and council candidate list with ground truth')
  .option('--patients <n>', 'patients in the trust index', int('patients'), 20000)
  .option('--candidates <n>', 'rows in the council candidate list', int('candidates'), 2000)
  .addOption(new Option('--tier <tier>', 'noise tier').choices(['clean', 'realistic', 'hard']).default('realistic'))
  .option('--seed <n>', 'PRNG seed', int('seed'), 1)
  .option('--patient-share <x>', 'share of candidates in the trust index', share('patient-share'))
  .option('--active-share <x>', 'share of indexed patients with an active service', share('active-share'))
  .option('--invalid-rows', 'include row-invalid candidates (bad DOB, criteria_met < 2, bad NHS number)', false)
  .option('--markers', 'inject the fixed marker people used by leak tests', false)
  .option('--hostile-rows', 'give a few non-patient candidates formula-like or quote-needing family names', false)
  .option('--no-restricted', 'omit the optional restricted column from patients.csv')
  .option('--as-of <date>', 'index as-of date (YYYY-MM-DD)')
  .requiredOption('--out <dir>', 'output directory')

program.parse()
const o = program.opts<{
  patients: number
  candidates: number
  tier: NoiseTier
  seed: number
  patientShare?: number
  activeShare?: number
  invalidRows: boolean
  markers: boolean
  hostileRows: boolean
  restricted: boolean
  asOf?: string
  out: string
}>()

const started = performance.now()
const pop = generatePopulation({
  seed: o.seed,
  patients: o.patients,
  candidates: o.candidates,
  tier: o.tier,
  invalidRows: o.invalidRows,
  markers: o.markers,
  hostileRows: o.hostileRows,
  restrictedColumn: o.restricted,
  ...(o.patientShare !== undefined ? { patientShare: o.patientShare } : {}),
  ...(o.activeShare !== undefined ? { activeShare: o.activeShare } : {}),
  ...(o.asOf !== undefined ? { asOf: o.asOf } : {}),
})
const generated = performance.now()
await mkdir(o.out, { recursive: true })
await Promise.all([
  writePatientsCsv(join(o.out, 'patients.csv'), pop.patients),
  writeCandidatesCsv(join(o.out, 'candidates.csv'), pop.candidates),
  writeTruthCsv(join(o.out, 'truth.csv'), pop.truth),
  writeFile(join(o.out, 'params.json'), JSON.stringify(pop.params, null, 2) + '\n'),
])
const written = performance.now()
console.log(
  `wrote ${pop.patients.length} patients, ${pop.candidates.length} candidates to ${o.out} ` +
    `(generate ${(generated - started).toFixed(0)} ms, write ${(written - generated).toFixed(0)} ms)`,
)
