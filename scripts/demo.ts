/**
 * npm run demo — one full exchange on embedded databases (PGlite): the trust imports its patient index,
 * the council uploads a candidate list, the exchange runs over real HTTP, results are written, and a
 * summary is printed. With no files given it uses a built-in synthetic population and scores the flags
 * against its ground truth.
 */
import { Command } from 'commander'
import { promises as fs, createWriteStream } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { ed25519 } from '@noble/curves/ed25519.js'
import { generatePopulation, toCsv, PATIENT_COLUMNS, CANDIDATE_COLUMNS, type Truth } from '@healthflag/synth'
import { fromBase64Url, toBase64Url } from '@healthflag/protocol'
import { loadExampleIsa } from '@healthflag/isa'
import { loadOrCreatePartyKeys } from '@healthflag/service-kit'
import { startStack } from './lib/stack.js'
import { api } from './lib/client.js'

const program = new Command()
  .name('demo')
  .description('Run one healthflag exchange end to end on embedded databases.')
  .option('--patients <file>', 'trust patient index CSV (default: built-in synthetic population)')
  .option('--candidates <file>', 'council candidate list CSV (default: built-in synthetic population)')
  .option('--out <file>', 'where to write the results CSV (default: results.csv in the data directory, or ./healthflag-results.csv)')
  .option('--data <dir>', 'keep the three embedded databases in DIR/council, DIR/sidecar, DIR/ledger (default: a temp dir, removed afterwards)')
  .option('--as-of <date>', 'as-of date of the patient index (default: today)')
  .option('--seed <n>', 'seed of the built-in synthetic population', '2016')
  .option('--size <patients>', 'patients in the built-in synthetic population', '5000')
  .option('--verbose', 'print service logs to stderr')
  .parse()

const opts = program.opts<{ patients?: string; candidates?: string; out?: string; data?: string; asOf?: string; seed: string; size: string; verbose?: boolean }>()

async function main(): Promise<void> {
  const started = Date.now()
  if (Boolean(opts.patients) !== Boolean(opts.candidates)) throw new Error('give both --patients and --candidates, or neither')
  const keep = Boolean(opts.data)
  const dataDir = path.resolve(opts.data ?? (await fs.mkdtemp(path.join(os.tmpdir(), 'healthflag-demo-'))))
  await fs.mkdir(dataDir, { recursive: true })
  const logFile = path.join(dataDir, 'services.log')
  const logStream = opts.verbose ? process.stderr : createWriteStream(logFile)

  let patientsCsv: Uint8Array
  let candidatesCsv: Uint8Array
  let truth: Truth[] | undefined
  if (opts.patients && opts.candidates) {
    patientsCsv = await fs.readFile(opts.patients)
    candidatesCsv = await fs.readFile(opts.candidates)
  } else {
    const size = Number(opts.size)
    const pop = generatePopulation({ seed: Number(opts.seed), patients: size, candidates: Math.max(50, Math.round(size / 10)), tier: 'realistic', invalidRows: true })
    patientsCsv = Buffer.from(toCsv(pop.patients, [...PATIENT_COLUMNS] as never))
    candidatesCsv = Buffer.from(toCsv(pop.candidates, [...CANDIDATE_COLUMNS] as never))
    truth = pop.truth
  }

  // Keys persist with the databases, so a kept data directory can be reopened with the same ISA digest.
  const keyDir = path.join(dataDir, 'keys')
  const council = await loadOrCreatePartyKeys(path.join(keyDir, 'council.json'))
  const trust = await loadOrCreatePartyKeys(path.join(keyDir, 'trust.json'))
  const ledgerKey = await loadOrCreateLedgerKey(path.join(keyDir, 'ledger.json'))
  const stack = await startStack({
    databases: {
      council: { kind: 'pglite', dataDir: path.join(dataDir, 'council') },
      sidecar: { kind: 'pglite', dataDir: path.join(dataDir, 'sidecar') },
      ledger: { kind: 'pglite', dataDir: path.join(dataDir, 'ledger') },
    },
    keys: { council, trust, ledger: ledgerKey },
    logStream,
  })
  try {
    const asOf = opts.asOf ?? new Date().toISOString().slice(0, 10)
    const imported = await api.importIndex(stack.urls.sidecar, stack.tokens.igOfficer, patientsCsv, asOf)
    const upload = await api.upload(stack.urls.council, stack.tokens.analyst, candidatesCsv, opts.candidates ? path.basename(opts.candidates) : 'synthetic-candidates.csv')
    const report = upload.body
    const ex = await api.startExchange(stack.urls.council, stack.tokens.analyst, report.upload_id)
    const exchange = ex.body
    if (exchange.status !== 'answered') throw new Error(`exchange ended ${exchange.status}: ${exchange.error_message ?? ''}`)
    const csv = await api.resultsCsv(stack.urls.council, stack.tokens.analyst, exchange.exchange_id)
    const outFile = path.resolve(opts.out ?? (keep ? path.join(dataDir, 'results.csv') : 'healthflag-results.csv'))
    await fs.mkdir(path.dirname(outFile), { recursive: true })
    await fs.writeFile(outFile, csv)
    const checkpoint = await api.checkpoint(stack.urls.ledger)
    const [, ledgerSize, ledgerRoot] = checkpoint.split('\n')

    const reasons = new Map<string, number>()
    for (const row of report.rows) {
      if (row.verdict !== 'excluded') continue
      for (const i of row.issues.filter((x) => x.severity === 'error')) reasons.set(`${i.field}: ${i.code}`, (reasons.get(`${i.field}: ${i.code}`) ?? 0) + 1)
    }
    const example = loadExampleIsa()
    const lines = [
      'healthflag demo — one exchange, council → trust side-car → ledger (embedded PostgreSQL)',
      `  ISA            ${exchange.isa_id}, clause ${exchange.clause_id} (${stack.isa.clauses.find((c) => c.id === exchange.clause_id)?.title ?? ''})`,
      ...(stack.isa.review_date !== example.review_date
        ? [`                 version ${stack.isa.version}: the example's review date ${example.review_date} has passed, so the demo registered the yearly renewing variations (review ${stack.isa.review_date}, valid to ${stack.isa.valid_to})`]
        : []),
      `  trust index    ${imported.patients_loaded} patients loaded (${imported.rows_rejected} rows rejected), as of ${imported.as_of}`,
      `  rows read      ${report.summary.read}`,
      `  rejected       ${report.summary.excluded}${reasons.size ? ` — ${[...reasons].map(([k, n]) => `${k} ×${n}`).join(', ')}` : ''}`,
      `  warnings       ${report.summary.warned} accepted rows with a warning (field treated as absent)`,
      `  sent           ${exchange.rows_sent} (tokens only; per-exchange random refs, shuffled)`,
      `  flagged        ${exchange.rows_flagged} with an active mental-health service`,
      `  ledger         ${ledgerSize} entries, root ${ledgerRoot}`,
      `  results        ${outFile}`,
    ]
    if (truth) lines.push(`  accuracy       ${score(truth, report, csv)}  (built-in synthetic data, ground truth known)`)
    if (keep) lines.push(`  databases      ${dataDir}/{council,sidecar,ledger}`)
    lines.push(`  took           ${((Date.now() - started) / 1000).toFixed(1)} s`)
    console.log(lines.join('\n'))
  } finally {
    await stack.close()
    if (logStream !== process.stderr) await new Promise<void>((r) => (logStream as NodeJS.WritableStream).end(r))
    if (!keep) await fs.rm(dataDir, { recursive: true, force: true })
  }
}

function score(truth: Truth[], report: { rows: { ref: string; verdict: string }[] }, csv: string): string {
  const flags = new Map<string, boolean>()
  for (const line of csv.trim().split('\n').slice(1)) {
    const [ref, active] = line.split(',')
    if (ref) flags.set(ref.replace(/^"|"$/g, ''), active === 'true')
  }
  let tp = 0
  let fp = 0
  let fn = 0
  for (const t of truth) {
    if (!t.sent) continue
    const got = flags.get(t.ref) ?? false
    if (got && t.expectedActive) tp++
    else if (got) fp++
    else if (t.expectedActive) fn++
  }
  void report
  const precision = tp + fp === 0 ? 1 : tp / (tp + fp)
  const recall = tp + fn === 0 ? 1 : tp / (tp + fn)
  return `precision ${(precision * 100).toFixed(2)} %, recall ${(recall * 100).toFixed(2)} % (${tp} true, ${fp} false flags, ${fn} missed)`
}

async function loadOrCreateLedgerKey(file: string): Promise<Uint8Array> {
  try {
    return fromBase64Url(JSON.parse(await fs.readFile(file, 'utf8')).signing_private)
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e
  }
  const key = ed25519.utils.randomSecretKey()
  await fs.mkdir(path.dirname(file), { recursive: true })
  await fs.writeFile(file, JSON.stringify({ signing_private: toBase64Url(key) }), { mode: 0o600 })
  return key
}

main().catch((e: unknown) => {
  const err = e as { code?: string; message?: string }
  console.error(`demo failed: ${err.code ? `${err.code}: ` : ''}${err.message ?? String(e)}`)
  process.exitCode = 1
})
