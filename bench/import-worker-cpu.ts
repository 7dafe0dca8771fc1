// One import worker's CPU cost per patient, on one thread: splits a patients CSV into the import's 2 MiB chunks and runs
// each through processChunk (plain reader, normalisation, binary tokeniser) in this thread, as a worker would. No
// worker pool, no index writes: what it measures is the per-chunk work the import's workers share two cores for.
// Usage: tsx bench/import-worker-cpu.ts <patients.csv> [max patients] [--digest]
//   (run it from inside the repo: tsx resolves the workspace packages from the script's location)
// Prints one JSON line: patients, tokens, wall_s, cpu_s, us_per_patient (CPU µs). --digest adds a SHA-256 of every
// chunk's kind codes and token bytes in file order (outside the timing), to compare two versions' output without
// keeping any token; NOEDIT=1 leaves out edit_name_dob_sex.
import { createHash } from 'node:crypto'
import { createReadStream } from 'node:fs'
import { performance } from 'node:perf_hooks'
import { INDEX_TOKEN_KINDS } from '@healthflag/tokens'
import { processChunk, type ChunkSettings } from '../services/sidecar/src/import/chunk-work.js'
import { splitCsv } from '../services/sidecar/src/import/split.js'

const args = process.argv.slice(2).filter((a) => !a.startsWith('--'))
const digest = process.argv.includes('--digest') ? createHash('sha256') : undefined
const file = args[0]
if (!file) throw new Error('usage: import-worker-cpu.ts <patients.csv> [max patients] [--digest]')
const limit = Number(args[1] ?? Number.POSITIVE_INFINITY)

const settings: ChunkSettings = {
  epochKey: new Uint8Array(32).fill(3),
  kinds: process.env.NOEDIT ? INDEX_TOKEN_KINDS.filter((k) => k !== 'edit_name_dob_sex') : INDEX_TOKEN_KINDS,
  activeDefinition: { services: [], max_index_age_days: 365 },
  asOf: '2026-11-01',
  today: '2026-11-01T12:00:00Z',
}

let patients = 0
let tokens = 0
let seq = 0
let excluded = 0 // CPU µs spent on the digest, taken out of the figure
const cpu0 = process.cpuUsage()
const t0 = performance.now()
for await (const c of splitCsv(createReadStream(file), { targetBytes: 2 << 20 })) {
  const r = await processChunk(settings, { seq: seq++, header: c.header, headerLines: c.headerLines, body: c.body, firstLine: c.firstLine })
  patients += r.ids.length
  tokens += r.kinds.length
  if (digest) {
    const d0 = process.cpuUsage()
    digest.update(r.counts).update(r.kinds).update(r.tokens)
    const d = process.cpuUsage(d0)
    excluded += d.user + d.system
  }
  if (patients >= limit) break
}
const wall = (performance.now() - t0) / 1000
const cpu = process.cpuUsage(cpu0)
const cpuS = (cpu.user + cpu.system - excluded) / 1e6
const r3 = (x: number): number => Math.round(x * 1000) / 1000
console.log(JSON.stringify({ patients, tokens, wall_s: r3(wall), cpu_s: r3(cpuS), us_per_patient: r3((cpuS * 1e6) / patients), ...(digest ? { digest: digest.digest('hex').slice(0, 16) } : {}) }))
