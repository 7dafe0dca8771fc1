// Precision and recall of the matching rules for several rare-name bounds (docs/token-spec.md §8.3), tokenising each
// population once. Usage: npx tsx packages/tokens/scripts/bound-sweep.ts patients candidates tier seed... (not a test)
import { generatePopulation } from '@healthflag/synth'
import { INDEX_TOKEN_KINDS, buildMemoryIndex, createTokeniser, matchCandidate, normalisePerson } from '../src/index.js'

const [nPatients, nCandidates] = [Number(process.argv[2] ?? 30000), Number(process.argv[3] ?? 8000)]
const tier = (process.argv[4] ?? 'realistic') as 'clean' | 'realistic' | 'hard'
const seeds = process.argv.slice(5).map(Number)
const bounds = (process.env.BOUNDS ?? '0.001,0.002,0.003,0.005').split(',').map(Number)
const key = new Uint8Array(32).fill(5)
const council = createTokeniser(key)
const sidecar = createTokeniser(key, { kinds: INDEX_TOKEN_KINDS })
const today = new Date('2026-11-01T12:00:00Z')
for (const seed of seeds) {
  const pop = generatePopulation({ seed, patients: nPatients, candidates: nCandidates, tier })
  const index = buildMemoryIndex(pop.patients.map((r) => ({ id: r.patient_id, tokens: sidecar.tokens(normalisePerson(r, { today }).person), active: true, restricted: false })))
  const rows = pop.candidates.flatMap((row, i) => {
    const { person, issues } = normalisePerson(row, { today })
    return issues.some((x) => x.severity === 'error') || !pop.truth[i]!.sent ? [] : [{ tokens: council.tokens(person), truth: pop.truth[i]!.patientId }]
  })
  for (const b of bounds) {
    let tp = 0, fp = 0, fn = 0
    for (const r of rows) {
      const out = matchCandidate(r.tokens, index, { maxExpectedStrangers: b })
      if (out.patientId !== null && out.patientId === r.truth) tp++
      else if (out.patientId !== null) fp++
      else if (r.truth !== null) fn++
    }
    console.log(`${tier} ${nPatients}/${nCandidates} seed ${seed} bound ${b}: TP ${tp} FP ${fp} FN ${fn} precision ${(tp / (tp + fp)).toFixed(4)} recall ${(tp / (tp + fn)).toFixed(4)}`)
  }
}
