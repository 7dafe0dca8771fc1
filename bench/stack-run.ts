// Starts the three services (one process, real HTTP), imports a patient index through POST /v1/index and runs
// exchanges; prints a JSON line per figure. PostgreSQL when DATABASE_URL is set (own schemas, dropped), else PGlite.
// Usage: tsx bench/stack-run.ts --patients <csv> [--candidates <csv>] [--sizes 5000,50000] [--repeat 3]
//   [--exchange-profile file.cpuprofile]  (main-thread CPU profile over the timed exchanges)
import { createReadStream } from 'node:fs'
import { stat } from 'node:fs/promises'
import { Readable } from 'node:stream'
import { parseArgs } from 'node:util'
import { createTestTarget, testDatabaseKind } from '@healthflag/db'
import { takePhases, tracePhases } from '@healthflag/protocol'
import { startStack } from '../scripts/lib/stack.js'
import { api, type ImportReport } from '../scripts/lib/client.js'
import { cpuBreakdown, emit, percentile, round, rssSampler } from './lib/figures.js'
import { IndexCache } from '../services/sidecar/src/index-cache.js'

const { values: args } = parseArgs({
  options: {
    patients: { type: 'string' },
    candidates: { type: 'string' },
    sizes: { type: 'string', default: '' },
    repeat: { type: 'string', default: '3' },
    // a CPU profile of the main thread (all three services) over the timed exchanges, as a .cpuprofile file
    'exchange-profile': { type: 'string' },
    // also time reading the imported version back from what the side-car stored, as after a restart
    'read-back': { type: 'boolean', default: false },
  },
})
if (!args.patients) throw new Error('--patients <csv> is required')
const db = testDatabaseKind()
const targets = await Promise.all(['council', 'sidecar', 'ledger'].map((s) => createTestTarget(`bench${s}`)))
const [council, sidecar, ledger] = targets as [Awaited<ReturnType<typeof createTestTarget>>, Awaited<ReturnType<typeof createTestTarget>>, Awaited<ReturnType<typeof createTestTarget>>]
const stack = await startStack({
  databases: { council: council.target, sidecar: sidecar.target, ledger: ledger.target },
  ...(process.env.BENCH_LOG ? { logStream: process.stderr, logLevel: process.env.BENCH_LOG } : {}),
  // As a long-running service: worker threads started at start-up, not inside the first import or exchange.
  warmWorkers: true,
  // The bench repeats exchanges; the example clause allows four a month.
  isa: (doc) => ({ ...doc, clauses: doc.clauses.map((c) => ({ ...c, frequency: { max_exchanges: 1000, period_days: 1 } })) }),
})

/** Each mark as [wall ms, CPU ms] since the one before it (the first since the exchange started). */
function phaseSteps(marks: { label: string; at: number; cpu: number }[]): Record<string, number[]> {
  const out: Record<string, number[]> = {}
  marks.forEach((m, i) => {
    const prev = marks[i - 1]
    out[m.label] = prev ? [Math.round(m.at - prev.at), Math.round(m.cpu - prev.cpu)] : [0, 0]
  })
  return out
}

/** The main thread's CPU profile from now until stopTo (node:inspector; worker threads are not in it). */
async function startProfile(): Promise<{ stopTo(file: string): Promise<void> }> {
  const { Session } = await import('node:inspector/promises')
  const session = new Session()
  session.connect()
  await session.post('Profiler.enable')
  await session.post('Profiler.start')
  return {
    async stopTo(file) {
      const { profile } = await session.post('Profiler.stop')
      ;(await import('node:fs')).writeFileSync(file, JSON.stringify(profile))
      session.disconnect()
    },
  }
}

async function importFile(file: string): Promise<ImportReport> {
  const res = await fetch(new URL('/v1/index', stack.urls.sidecar), {
    method: 'POST',
    headers: { authorization: `Bearer ${stack.tokens.igOfficer}`, 'content-type': 'text/csv' },
    body: Readable.toWeb(createReadStream(file)) as ReadableStream,
    duplex: 'half',
  } as RequestInit)
  if (!res.ok) throw new Error(`import failed: HTTP ${res.status} ${await res.text()}`)
  return (await res.json()) as ImportReport
}

try {
  const bytes = (await stat(args.patients)).size
  const rssBefore = Math.round(process.memoryUsage.rss() / 2 ** 20)
  const cpu0 = process.cpuUsage()
  const rss = rssSampler()
  const breakdown = cpuBreakdown()
  const t0 = performance.now()
  const report = await importFile(args.patients)
  const wall = (performance.now() - t0) / 1000
  const cpu = process.cpuUsage(cpu0)
  const cpuWhere = breakdown.stop()
  const peak = rss.stop()
  const layout = await (stack.sidecar as unknown as { healthflagDb: { selectFrom(t: string): any } }).healthflagDb
    .selectFrom('index_layout')
    .select(['tokens', 'patients'])
    .where('version_id', '=', report.version_id)
    .executeTakeFirstOrThrow()
  const tokens = Number(layout.tokens)
  emit({
    figure: 'index.import',
    db,
    patients: report.patients_loaded,
    rows_read: report.rows_read,
    rows_rejected: report.rows_rejected,
    file_mib: round(bytes / 2 ** 20, 1),
    tokens,
    wall_s: round(wall),
    records_per_s: Math.round(report.rows_read / wall),
    tokens_per_s: Math.round(tokens / wall),
    cpu_s: round((cpu.user + cpu.system) / 1e6),
    peak_rss_mib: peak,
    rss_before_mib: rssBefore,
    ...(cpuWhere ? { cpu_where: cpuWhere } : {}),
  })

  if (args.candidates) {
    const all = (await import('node:fs')).readFileSync(args.candidates, 'utf8').split('\n')
    const header = all[0]!
    const rows = all.slice(1).filter((l) => l.length > 0)
    // The first exchange builds the index version in memory (if the import's warm-up has not finished).
    const warm = await api.upload(stack.urls.council, stack.tokens.analyst, [header, ...rows.slice(0, 20)].join('\n') + '\n', 'warm.csv')
    const tw = performance.now()
    await api.startExchange(stack.urls.council, stack.tokens.analyst, warm.body.upload_id)
    emit({ figure: 'exchange.first', db, patients: report.patients_loaded, candidates: 20, wall_s: round((performance.now() - tw) / 1000) })
    for (const size of args.sizes.split(',').filter(Boolean).map(Number)) {
      const csv = [header, ...rows.slice(0, size)].join('\n') + '\n'
      const tu = performance.now()
      const up = await api.upload(stack.urls.council, stack.tokens.analyst, csv, `candidates-${size}.csv`)
      const uploadS = (performance.now() - tu) / 1000
      const walls: number[] = []
      const phases: Record<string, number[]>[] = []
      let flagged = 0
      const rssEx = rssSampler()
      const profiler = args['exchange-profile'] ? await startProfile() : undefined
      for (let i = 0; i < Number(args.repeat); i++) {
        tracePhases(true)
        const te = performance.now()
        const ex = await api.startExchange(stack.urls.council, stack.tokens.analyst, up.body.upload_id)
        walls.push((performance.now() - te) / 1000)
        phases.push(phaseSteps(takePhases()))
        tracePhases(false)
        flagged = ex.body.rows_flagged ?? 0
        if (ex.body.status !== 'answered') throw new Error(`exchange ended ${ex.body.status}: ${ex.body.error_code}`)
      }
      emit({
        figure: 'exchange',
        db,
        patients: report.patients_loaded,
        candidates: up.body.summary.accepted,
        upload_s: round(uploadS),
        runs: walls.length,
        wall_s: round(percentile(walls, 50)),
        p50_s: round(percentile(walls, 50)),
        p95_s: round(percentile(walls, 95)),
        min_s: round(Math.min(...walls)),
        rows_flagged: flagged,
        peak_rss_mib: rssEx.stop(),
      })
      // Each phase: [wall ms, process CPU ms] since the previous mark (the marks of both services, in order), per run.
      if (profiler) await profiler.stopTo(args['exchange-profile']!)
      phases.forEach((steps, run) => emit({ figure: 'exchange.phases', db, candidates: up.body.summary.accepted, run, steps }))
    }
  }

  if (args['read-back']) {
    // A second cache over the same database and index directory: what a restarted side-car does first. After the
    // exchanges, so that their memory figures hold one index; without them, it first waits out the import's own
    // build of the new version's index (on the same thread).
    if (!args.candidates) await new Promise((r) => setTimeout(r, 12_000))
    const side = stack.sidecar
    const cpuR = process.cpuUsage()
    const tr = performance.now()
    const live = await new IndexCache(side.healthflagDb, side.healthflagIndexDir).live()
    const cpuUsed = process.cpuUsage(cpuR)
    emit({ figure: 'index.read_back', db, patients: live?.index.size, wall_s: round((performance.now() - tr) / 1000), cpu_s: round((cpuUsed.user + cpuUsed.system) / 1e6) })
  }
} finally {
  await stack.close()
  await Promise.all(targets.map((t) => t.drop()))
}
