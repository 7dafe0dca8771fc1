// Lists each missed or wrong match of one tier (noise tags, reason, evidence, expected namesakes): a diagnostic for tuning
// the rules by hand. Prints names only as noise-free structure (no identifiers). Not a test.
// Usage: npx tsx packages/tokens/scripts/misses.ts [patients] [candidates] [seed] [tier]
import { generatePopulation } from '@healthflag/synth'
import {
  INDEX_TOKEN_KINDS,
  MATCH_KEYS,
  buildMemoryIndex,
  createTokeniser,
  evidenceFields,
  expectedNamesakes,
  keyComparisons,
  matchCandidate,
  normalisePerson,
  type IndexedPatient,
  type MatchKeyKind,
} from '../src/index.js'

const nPatients = Number(process.argv[2] ?? 30000)
const nCandidates = Number(process.argv[3] ?? 8000)
const seed = Number(process.argv[4] ?? 1)
const tier = (process.argv[5] ?? 'realistic') as 'clean' | 'realistic' | 'hard'
const key = new Uint8Array(32).fill(5)
const council = createTokeniser(key, {})
const sidecar = createTokeniser(key, { kinds: INDEX_TOKEN_KINDS })
const today = new Date('2026-11-01T12:00:00Z')
const pop = generatePopulation({ seed, patients: nPatients, candidates: nCandidates, tier })
const index = buildMemoryIndex(
  pop.patients.map((r): IndexedPatient => ({ id: r.patient_id, tokens: sidecar.tokens(normalisePerson(r, { today }).person), active: true, restricted: false })),
)
pop.candidates.forEach((row, i) => {
  const truth = pop.truth[i]!
  const { person, issues } = normalisePerson(row, { today })
  if (issues.some((x) => x.severity === 'error') || !truth.sent) return
  const tokens = council.tokens(person)
  const out = matchCandidate(tokens, index)
  const ok = out.patientId !== null && out.patientId === truth.patientId
  const wrong = out.patientId !== null && out.patientId !== truth.patientId
  if (ok || (!wrong && truth.patientId === null)) return
  const agreeing = new Map<string, Set<MatchKeyKind>>()
  for (const kind of MATCH_KEYS)
    for (const [c, ix] of keyComparisons(kind)) for (const t of tokens[c] ?? []) for (const id of index.lookup(ix, t)) {
      if (!agreeing.has(id)) agreeing.set(id, new Set())
      agreeing.get(id)!.add(kind)
    }
  const ev = (id: string | null) => (id && agreeing.has(id) ? [...evidenceFields(agreeing.get(id)!)].filter((f) => ['nhs', 'given', 'given_typo', 'given_canonical', 'family', 'family_phonetic', 'dob', 'dob_unordered', 'sex', 'postcode'].includes(f)).join('+') : '-')
  const lam = truth.patientId ? expectedNamesakes(index, truth.patientId) : undefined
  const pt = truth.patientId ? index.patient(truth.patientId) : undefined
  const cnt = (k: MatchKeyKind) => Math.max(0, ...(pt?.tokens[k] ?? []).map((t) => index.lookup(k, t).length))
  const counts = pt ? `g${cnt('given_freq')} f${cnt('family_freq')} full${cnt('name_freq')} n${index.size}` : ''
  const others = [...agreeing.keys()].filter((id) => id !== truth.patientId).map((id) => ev(id)).join(' | ')
  console.log(`${wrong ? 'WRONG' : 'MISS '} ${out.reason}@${out.key} tags=${truth.noise.join(',')} truthEv=${ev(truth.patientId)} lam=${lam?.toExponential(1)} ${counts} others=[${others}]`)
})
