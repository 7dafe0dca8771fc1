// The import's tokenising alone, as a ceiling for its share of raw HMAC capacity: the same file cut into the same jobs
// and run by the same worker pool (parse, normalise, tokenise every patient with every index kind), two jobs a worker
// in flight as the import keeps, each result's buffers handed back for the next job, and nothing else: no HTTP, no
// joining of patients, no token file, no database, no in-memory index. What an import does beyond this costs it share;
// what this reaches, no import on this machine at this moment can exceed.
// Usage: tsx bench/tokenise-only.ts <patients.csv> [repeat]   (prints one index.tokenise_only line a run)
import { createReadStream, statSync } from 'node:fs'
import { performance } from 'node:perf_hooks'
import { INDEX_TOKEN_KINDS } from '@healthflag/tokens'
import type { ChunkResult, ChunkSettings } from '../services/sidecar/src/import/chunk-work.js'
import { jobSizes } from '../services/sidecar/src/index-import.js'
import { ChunkPool } from '../services/sidecar/src/import/pool.js'
import { splitCsv } from '../services/sidecar/src/import/split.js'
import { cpuBreakdown, emit, round } from './lib/figures.js'

const file = process.argv[2]
if (!file) throw new Error('usage: tokenise-only.ts <patients.csv> [repeat]')
const repeat = Number(process.argv[3] ?? 1)

// The pool's workers do not hold the process open between jobs (a side-car's server does); this does, until the end.
const alive = setInterval(() => undefined, 1 << 30)
const pool = new ChunkPool()
await pool.warm()
for (let run = 0; run < repeat; run++) {
  const settings: ChunkSettings = {
    epochKey: new Uint8Array(32).fill(run + 1),
    kinds: INDEX_TOKEN_KINDS,
    activeDefinition: { services: [], max_index_age_days: 365 },
    asOf: '2026-11-01',
    today: new Date().toISOString(),
  }
  let patients = 0
  let tokens = 0
  const taken = (r: ChunkResult): void => {
    patients += r.ids.length
    tokens += r.kinds.length
    pool.recycle({ kinds: r.kinds.buffer as ArrayBuffer, tokens: r.tokens.buffer as ArrayBuffer })
  }
  const breakdown = cpuBreakdown()
  const cpu0 = process.cpuUsage()
  const t0 = performance.now()
  const inFlight = new Set<Promise<void>>()
  let seq = 0
  for await (const c of splitCsv(createReadStream(file), jobSizes())) {
    const p: Promise<void> = pool.run(settings, { seq: seq++, header: c.header, headerLines: c.headerLines, body: c.body, firstLine: c.firstLine }).then(taken)
    inFlight.add(p)
    void p.finally(() => inFlight.delete(p))
    while (inFlight.size >= pool.size * 2) await Promise.race(inFlight)
  }
  await Promise.all(inFlight)
  const wall = (performance.now() - t0) / 1000
  const cpu = process.cpuUsage(cpu0)
  const where = breakdown.stop()
  pool.release(settings)
  emit({
    figure: 'index.tokenise_only',
    patients,
    tokens,
    file_mib: round(statSync(file).size / 2 ** 20, 1),
    workers: pool.size,
    wall_s: round(wall),
    tokens_per_s: Math.round(tokens / wall),
    cpu_s: round((cpu.user + cpu.system) / 1e6),
    ...(where ? { cpu_where: where } : {}),
  })
}
clearInterval(alive)
