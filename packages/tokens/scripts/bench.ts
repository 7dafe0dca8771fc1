// Tokenising and matching throughput; prints figures (not a test). Usage: npx tsx packages/tokens/scripts/bench.ts [n]
import { createHmac, createSecretKey } from 'node:crypto'
import { performance } from 'node:perf_hooks'
import { generatePopulation } from '@healthflag/synth'
import {
  INDEX_TOKEN_KINDS,
  buildMemoryIndex,
  canonicalBytes,
  createFastTokeniser,
  createTokeniser,
  matchCandidate,
  normalisePerson,
  type NormalisedPerson,
} from '../src/index.js'

const n = Number(process.argv[2] ?? 50000)
const key = new Uint8Array(32).fill(1)
const today = new Date('2026-11-01T12:00:00Z')
const pop = generatePopulation({ seed: 7, patients: n, candidates: Math.min(20000, n), tier: 'realistic' })

function time<T>(label: string, count: number, unit: string, f: () => T): T {
  const t0 = performance.now()
  const r = f()
  const ms = performance.now() - t0
  console.log(`${label.padEnd(44)} ${(ms / 1000).toFixed(2).padStart(7)} s  ${Math.round((count / ms) * 1000).toLocaleString('en-GB').padStart(11)} ${unit}/s`)
  return r
}

const people: NormalisedPerson[] = time('normalisePerson', pop.patients.length, 'rows', () => pop.patients.map((r) => normalisePerson(r, { today }).person))
const node = createTokeniser(key, { kinds: INDEX_TOKEN_KINDS, impl: 'node' })
const noble = createTokeniser(key, { kinds: INDEX_TOKEN_KINDS, impl: 'noble' })
const tokenSets = time('tokens, node:crypto (index kinds)', people.length, 'people', () => people.map((p) => node.tokens(p)))
const tokenCount = tokenSets.reduce((s, t) => s + Object.values(t).reduce((a, v) => a + (v?.length ?? 0), 0), 0)
console.log(`  ${tokenCount.toLocaleString('en-GB')} tokens, ${(tokenCount / people.length).toFixed(1)} per person`)
time('tokens, @noble/hashes (index kinds)', people.length, 'people', () => people.map((p) => noble.tokens(p)))
const fast = createFastTokeniser(key, { kinds: INDEX_TOKEN_KINDS })
time('tokens, fast pre-keyed path (index kinds)', people.length, 'people', () => people.map((p) => fast.tokens(p)))

// HMAC variants on fixed 40-byte messages, to see what the node path costs per token.
const msg = canonicalBytes(['JOHN', 'SMITH', '1990-03-05', 'M', 'ST4 7AB'])
const m = 200000
const rawKey = Buffer.from(key)
const keyObject = createSecretKey(rawKey)
time('HMAC createHmac(raw Buffer key)', m, 'tokens', () => {
  for (let i = 0; i < m; i++) createHmac('sha256', rawKey).update(msg).digest()
})
time('HMAC createHmac(KeyObject)', m, 'tokens', () => {
  for (let i = 0; i < m; i++) createHmac('sha256', keyObject).update(msg).digest()
})

const index = time('buildMemoryIndex', tokenSets.length, 'patients', () =>
  buildMemoryIndex(tokenSets.map((tokens, i) => ({ id: pop.patients[i]!.patient_id, tokens, active: true, restricted: false }))),
)
const council = createTokeniser(key)
const candTokens = pop.candidates.map((r) => council.tokens(normalisePerson(r, { today }).person))
time('matchCandidate', candTokens.length, 'candidates', () => candTokens.map((t) => matchCandidate(t, index)))
const mem = process.memoryUsage()
console.log(`heap used ${(mem.heapUsed / 2 ** 20).toFixed(0)} MiB, rss ${(mem.rss / 2 ** 20).toFixed(0)} MiB (n = ${n})`)
