// Times building the side-car's in-memory index (CompactIndex: id table and token hash table) over a synthetic
// version: `patients` patients of 20 tokens each in 16 kinds, random token bytes (HMAC output is uniform), and the three
// frequency kinds shared as a population shares names (a few thousand given names, tens of thousands of family names).
// What it measures is the build the first exchange after an import, or a restarted side-car, waits for.
// Each run is timed twice, alternately: the hash table filled on this thread, and by the import workers (one run of the
// table each, as a side-car does; the workers are started first, as a side-car started with `npm start` has them).
// Usage: tsx bench/index-build.ts [patients=1000000] [repeat=3]
import { randomFillSync } from 'node:crypto'
import { performance } from 'node:perf_hooks'
import { TOKEN_BYTES, type MatchKeyKind } from '@healthflag/tokens'
import { CompactIndexBuilder } from '../services/sidecar/src/import/compact-index.js'
import { importPool } from '../services/sidecar/src/import/pool.js'
import { emit, round } from './lib/figures.js'

const patients = Number(process.argv[2] ?? 1_000_000)
const repeat = Number(process.argv[3] ?? 3)
const PER = 20
const kindNames = Array.from({ length: 16 }, (_, i) => `k${i}`) as unknown as MatchKeyKind[]
const m = patients * PER
// Shared memory, as the side-car keeps an index's tokens, so that workers can fill the table from them.
const kinds = new Uint8Array(new SharedArrayBuffer(m))
const tokens = new Uint8Array(new SharedArrayBuffer(m * TOKEN_BYTES))
randomFillSync(tokens)
const shared = (kind: number, pool: number, e: number, p: number): void => {
  kinds[e] = kind
  // the same bytes for every holder of the same name: a token made from the name number
  const name = Math.floor(pool * Math.pow((p * 2654435761) % 1e6 / 1e6, 3))
  const at = e * TOKEN_BYTES
  tokens.fill(0, at, at + TOKEN_BYTES)
  new DataView(tokens.buffer).setUint32(at, Math.imul(name + 1, 0x9e3779b1) ^ kind)
  new DataView(tokens.buffer).setUint32(at + 4, name)
}
for (let p = 0; p < patients; p++) {
  const e0 = p * PER
  for (let j = 0; j < PER - 3; j++) kinds[e0 + j] = j < 13 ? j : 9 // six of one kind, like the edit variants
  shared(13, 5000, e0 + PER - 3, p)
  shared(14, 30000, e0 + PER - 2, p)
  shared(15, 100000, e0 + PER - 1, p)
}
const ids = Array.from({ length: patients }, (_, i) => `P${(i * 7919) % 100000000}`.padEnd(10, 'x') + i)
const counts = new Uint16Array(patients).fill(PER)
const flags = new Uint8Array(patients)
const pool = importPool()
// The pool's idle workers do not hold the process open; its start-up wait would otherwise end the script.
const alive = setInterval(() => {}, 1000)
await pool.warm()
clearInterval(alive)
for (let r = 0; r < repeat; r++) {
  for (const fill of ['one thread', 'workers'] as const) {
    const builder = new CompactIndexBuilder(kindNames, { patients, tokens: m }, { kinds, tokens })
    builder.addPatients({ ids, flags, counts })
    const c0 = process.cpuUsage()
    const t0 = performance.now()
    const index = await builder.buildAsync(undefined, fill === 'workers' ? pool.parallelFill() : undefined)
    const cpu = process.cpuUsage(c0)
    // process CPU: the workers' included
    emit({ figure: 'index.build', fill, workers: fill === 'workers' ? pool.size : 0, patients, tokens: m, wall_s: round((performance.now() - t0) / 1000), cpu_s: round((cpu.user + cpu.system) / 1e6), size: index.size })
  }
}
