// `npm run bench`: every performance figure of issue 7 as JSON lines on stdout, each with the machine's core count.
// Steps run as child processes so each import's peak RSS is its own. Environment:
//   BENCH_DATABASE_URL  PostgreSQL for the PG figures (default DATABASE_URL, else postgres://postgres@127.0.0.1:5432/test);
//                       each run makes its own schemas and drops them
//   BENCH_DIR           where generated CSVs are kept between runs (default <tmp>/healthflag-bench)
//   BENCH_SIZES         import sizes for the growth fit (default 100000,300000,1000000; the last is the exchange index)
//   BENCH_CANDIDATES    exchange sizes (default 5000,15000,50000)
//   BENCH_PGLITE        'all' (default), '100k' (skip PGlite at the largest size) or 'none'
//   BENCH_SKIP_LEDGER=1 leave out the ledger bench (several minutes; its figures are in docs/ledger.md)
//   BENCH_QUICK=1       small sizes (20k/40k/80k patients, 1k/2k/4k candidates) to check the bench itself runs
import { spawn } from 'node:child_process'
import { existsSync, readFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import pg from 'pg'
import { emit, round } from './lib/figures.js'

type Figure = Record<string, unknown> & { figure: string }

const quick = process.env.BENCH_QUICK === '1'
const sizes = (process.env.BENCH_SIZES ?? (quick ? '20000,40000,80000' : '100000,300000,1000000')).split(',').map(Number)
const candidateSizes = (process.env.BENCH_CANDIDATES ?? (quick ? '1000,2000,4000' : '5000,15000,50000')).split(',').map(Number)
const pgUrl = process.env.BENCH_DATABASE_URL ?? process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test'
const pgliteMode = process.env.BENCH_PGLITE ?? 'all'
const dir = process.env.BENCH_DIR ?? join(tmpdir(), 'healthflag-bench')
const figures: Figure[] = []

/**
 * glibc's malloc tunables for the measured processes: those `npm start` gives the services (package.json), so the
 * figures are the deployment's (docs/performance.md, "Large buffers on huge pages"). Set GLIBC_TUNABLES (even empty)
 * to measure under others.
 */
const glibcTunables = process.env.GLIBC_TUNABLES ?? 'glibc.malloc.hugetlb=1'

/** The kernel's transparent huge page mode (the bracketed word of its setting), or 'unknown'. */
function transparentHugePages(): string {
  try {
    return /\[(\w+)\]/.exec(readFileSync('/sys/kernel/mm/transparent_hugepage/enabled', 'utf8'))?.[1] ?? 'unknown'
  } catch {
    return 'unknown'
  }
}

function run(script: string, args: string[], env: Record<string, string | undefined>): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', script, ...args], {
      env: { ...process.env, GLIBC_TUNABLES: glibcTunables, ...env } as NodeJS.ProcessEnv,
      stdio: ['ignore', 'pipe', 'inherit'],
    })
    let buf = ''
    child.stdout.on('data', (d: Buffer) => {
      buf += d.toString('utf8')
      for (let nl = buf.indexOf('\n'); nl !== -1; nl = buf.indexOf('\n')) {
        const line = buf.slice(0, nl)
        buf = buf.slice(nl + 1)
        process.stdout.write(`${line}\n`)
        try {
          const f = JSON.parse(line) as Figure
          if (f && typeof f.figure === 'string') figures.push(f)
        } catch {
          // not a figure line (the ledger bench may print prose); passed through as is
        }
      }
    })
    child.on('error', reject)
    child.on('exit', (code) => (code === 0 ? resolve() : reject(new Error(`${script} ${args.join(' ')} exited with ${code}`))))
  })
}

async function postgresReachable(): Promise<boolean> {
  const c = new pg.Client({ connectionString: pgUrl, connectionTimeoutMillis: 3000 })
  try {
    await c.connect()
    await c.query('select 1')
    return true
  } catch {
    return false
  } finally {
    await c.end().catch(() => undefined)
  }
}

/** Least-squares slope of log(y) on log(x): 1 is linear growth. */
function exponent(points: readonly [number, number][]): number {
  const xs = points.map(([x]) => Math.log(x))
  const ys = points.map(([, y]) => Math.log(y))
  const mx = xs.reduce((a, b) => a + b, 0) / xs.length
  const my = ys.reduce((a, b) => a + b, 0) / ys.length
  let num = 0
  let den = 0
  for (let i = 0; i < xs.length; i++) {
    num += (xs[i]! - mx) * (ys[i]! - my)
    den += (xs[i]! - mx) ** 2
  }
  return num / den
}

const largest = Math.max(...sizes)
const here = (f: string) => new URL(f, import.meta.url).pathname
emit({ figure: 'bench.start', sizes, candidate_sizes: candidateSizes, glibc_tunables: glibcTunables, thp: transparentHugePages() })

await run(here('./tokens.ts'), [], {})
// The in-memory index build alone (what the first exchange after an import, and a restarted side-car, wait for).
await run(here('./index-build.ts'), [String(largest), '3'], {})
for (const n of sizes) await run(here('./gen.ts'), [join(dir, `p${n}`), String(n), String(Math.max(...candidateSizes))], {})
// The largest file tokenised by the import's workers with nothing stored: the ceiling of the imports' share below.
await run(here('./tokenise-only.ts'), [join(dir, `p${largest}`, 'patients.csv')], {})

const pgUp = await postgresReachable()
if (!pgUp) emit({ figure: 'bench.skipped', db: 'postgres', reason: 'PostgreSQL not reachable at BENCH_DATABASE_URL' })
for (const db of ['postgres', 'pglite'] as const) {
  if (db === 'postgres' && !pgUp) continue
  if (db === 'pglite' && pgliteMode === 'none') continue
  const env = db === 'postgres' ? { DATABASE_URL: pgUrl } : { DATABASE_URL: undefined }
  for (const n of sizes) {
    if (db === 'pglite' && pgliteMode === '100k' && n === largest && sizes.length > 1) continue
    const file = join(dir, `p${n}`)
    // Every exchange size against the largest index that was imported (PGlite: once each, not three times; with
    // BENCH_PGLITE=100k the largest PGlite index is skipped and its exchanges run against the largest one left).
    const imported = db === 'pglite' && pgliteMode === '100k' && sizes.length > 1 ? sizes.filter((x) => x !== largest) : sizes
    const exchanges = n === Math.max(...imported)
    const args = ['--patients', join(file, 'patients.csv')]
    // The largest index is also read back after its exchanges, as a restarted side-car would (index.read_back).
    if (exchanges) args.push('--candidates', join(file, 'candidates.csv'), '--sizes', candidateSizes.join(','), '--repeat', db === 'postgres' ? '3' : '1', '--read-back')
    await run(here('./stack-run.ts'), args, env)
  }
}

if (process.env.BENCH_SKIP_LEDGER === '1') emit({ figure: 'bench.skipped', bench: 'ledger', reason: 'BENCH_SKIP_LEDGER=1 (docs/ledger.md has its figures)' })
else if (existsSync(here('./ledger.ts'))) {
  // The ledger bench is the ledger engineer's; a failure there is reported, not fatal to the other figures.
  await run(here('./ledger.ts'), [], pgUp ? { DATABASE_URL: pgUrl } : {}).catch((e: unknown) => emit({ figure: 'bench.failed', bench: 'ledger', reason: e instanceof Error ? e.message : String(e) }))
} else emit({ figure: 'bench.skipped', bench: 'ledger', reason: 'bench/ledger.ts is not there yet' })

// Derived figures: share of the machine's raw HMAC capacity reached by each import, and growth exponents.
const hmac = figures.filter((f) => f.figure === 'tokens.hmac')
const bestPerCore = Math.max(...hmac.map((f) => Number(f.tokens_per_s_per_core)))
const bestPerCpuSecond = Math.max(...hmac.map((f) => Number(f.tokens_per_cpu_s)))
const cores = Number(hmac[0]?.cores ?? 1)
for (const f of figures.filter((x) => x.figure === 'index.import')) {
  emit({
    figure: 'import.hmac_share',
    db: f.db,
    patients: f.patients,
    tokens_per_s: f.tokens_per_s,
    raw_hmac_capacity_per_s: cores * bestPerCore,
    // the definition, on wall time: depressed when other processes share the cores
    share: round(Number(f.tokens_per_s) / (cores * bestPerCore)),
    // the same on CPU time (tokens per CPU-second of the import ÷ HMACs per CPU-second): what load cannot distort
    share_cpu: round(Number(f.tokens) / Number(f.cpu_s) / bestPerCpuSecond),
    goal: 0.6,
  })
}
for (const f of figures.filter((x) => x.figure === 'index.tokenise_only')) {
  emit({
    figure: 'import.hmac_share_ceiling',
    patients: f.patients,
    tokens_per_s: f.tokens_per_s,
    raw_hmac_capacity_per_s: cores * bestPerCore,
    // what the workers reach when tokenising is all there is (no HTTP, joining, file, database or index): an import's
    // share can only be lower, by what its storing costs the two cores
    share: round(Number(f.tokens_per_s) / (cores * bestPerCore)),
    goal: 0.6,
  })
}
for (const db of ['postgres', 'pglite']) {
  const imports = figures.filter((f) => f.figure === 'index.import' && f.db === db).map((f) => [Number(f.patients), Number(f.wall_s)] as [number, number])
  if (imports.length >= 3) emit({ figure: 'growth.import', db, points: imports, exponent: round(exponent(imports), 2), expected: 1 })
  const exchanges = figures.filter((f) => f.figure === 'exchange' && f.db === db).map((f) => [Number(f.candidates), Number(f.p50_s)] as [number, number])
  if (exchanges.length >= 3) emit({ figure: 'growth.exchange', db, points: exchanges, exponent: round(exponent(exchanges), 2), expected: 1 })
}
emit({ figure: 'bench.end' })
