// Match quality on the synthetic population: precision, recall and errors per noise kind and per selecting key.
// Usage: npx tsx packages/tokens/scripts/quality.ts [patients] [candidates] [seed]   (prints figures; not a test)
import { generatePopulation } from '@healthflag/synth'
import {
  INDEX_TOKEN_KINDS,
  buildMemoryIndex,
  createTokeniser,
  matchCandidate,
  normalisePerson,
  type IndexedPatient,
  type MatchKeyKind,
  type MatchOutcome,
} from '../src/index.js'

const nPatients = Number(process.argv[2] ?? 20000)
const nCandidates = Number(process.argv[3] ?? 5000)
const seed = Number(process.argv[4] ?? 42)
const key = new Uint8Array(32).fill(5)
// QUALITY_KINDS=nhs,name_dob_sex_pc,... restricts both sides to those kinds (as an ISA clause would).
const only = process.env.QUALITY_KINDS?.split(',') as MatchKeyKind[] | undefined
const council = createTokeniser(key, only ? { kinds: only } : {})
const sidecar = createTokeniser(key, { kinds: only ?? INDEX_TOKEN_KINDS })
const today = new Date('2026-11-01T12:00:00Z')
// QUALITY_TIERS=realistic,hard limits the tiers; QUALITY_MAX_STRANGERS=0.002 overrides the rare-name bound (§8.3).
const tiers = (process.env.QUALITY_TIERS?.split(',') ?? ['clean', 'realistic', 'hard']) as ('clean' | 'realistic' | 'hard')[]
const policy = process.env.QUALITY_MAX_STRANGERS ? { maxExpectedStrangers: Number(process.env.QUALITY_MAX_STRANGERS) } : undefined

for (const tier of tiers) {
  const pop = generatePopulation({ seed, patients: nPatients, candidates: nCandidates, tier })
  const patients: IndexedPatient[] = pop.patients.map((r) => ({
    id: r.patient_id,
    tokens: sidecar.tokens(normalisePerson(r, { today }).person),
    active: true,
    restricted: false,
  }))
  const index = buildMemoryIndex(patients)
  let tp = 0, fp = 0, fn = 0, tn = 0, twinFp = 0
  const byNoise = new Map<string, { n: number; tp: number; fp: number; fn: number }>()
  const byKey = new Map<string, { tp: number; fp: number }>()
  const missReasons = new Map<string, number>()
  pop.candidates.forEach((row, i) => {
    const truth = pop.truth[i]!
    const { person, issues } = normalisePerson(row, { today })
    if (issues.some((x) => x.severity === 'error') || !truth.sent) return
    const out: MatchOutcome = matchCandidate(council.tokens(person), index, policy)
    const ok = out.patientId !== null && out.patientId === truth.patientId
    const wrong = out.patientId !== null && out.patientId !== truth.patientId
    if (ok) tp++
    else if (wrong) fp++
    else if (truth.patientId !== null) fn++
    else tn++
    if (wrong && truth.noise.some((n) => n === 'twin' || n === 'twin_of_patient')) twinFp++
    if (truth.patientId !== null && !ok) missReasons.set(`${out.reason}@${out.key}`, (missReasons.get(`${out.reason}@${out.key}`) ?? 0) + 1)
    if (out.key && out.patientId) {
      const k = byKey.get(out.key) ?? { tp: 0, fp: 0 }
      if (ok) k.tp++
      else k.fp++
      byKey.set(out.key, k)
    }
    for (const n of truth.noise) {
      const s = byNoise.get(n) ?? { n: 0, tp: 0, fp: 0, fn: 0 }
      s.n++
      if (ok) s.tp++
      else if (wrong) s.fp++
      else if (truth.patientId !== null) s.fn++
      byNoise.set(n, s)
    }
  })
  const precision = tp / (tp + fp)
  const recall = tp / (tp + fn)
  console.log(`\n== ${tier}: ${nPatients} patients, ${nCandidates} candidates, seed ${seed}`)
  console.log(`TP ${tp}  FP ${fp} (twins ${twinFp})  FN ${fn}  TN ${tn}  precision ${precision.toFixed(4)}  recall ${recall.toFixed(4)}`)
  console.log('selecting key: ' + [...byKey].map(([k, v]) => `${k} ${v.tp}/${v.fp}`).join(', '))
  console.log('missed (reason@key): ' + [...missReasons].sort((a, b) => b[1] - a[1]).map(([k, v]) => `${k} ${v}`).join(', '))
  console.log('noise kind: n tp fp fn')
  for (const [n, s] of [...byNoise].sort()) console.log(`  ${n.padEnd(22)} ${String(s.n).padStart(5)} ${String(s.tp).padStart(5)} ${String(s.fp).padStart(4)} ${String(s.fn).padStart(5)}`)
}
