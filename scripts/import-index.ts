// Imports a patient index extract into a running side-car through its API (POST /v1/index, streamed from disk), and
// prints progress while it loads: rows/s and ETA from the side-car's own count (GET /v1/index), bytes sent.
// Usage: HEALTHFLAG_TOKEN=<ig officer token> tsx scripts/import-index.ts --url http://127.0.0.1:8082 [--as-of 2026-11-25] patients.csv
import { createReadStream } from 'node:fs'
import { stat } from 'node:fs/promises'
import { Readable, Transform } from 'node:stream'
import { Command } from 'commander'

interface VersionView {
  version_id: number
  status: string
  rows_loaded: number
}

const program = new Command()
  .name('import-index')
  .argument('<file>', 'the patient index CSV')
  .requiredOption('--url <url>', 'the side-car base URL')
  .option('--as-of <date>', 'the date the extract describes (YYYY-MM-DD; default today)')
  .option('--every <seconds>', 'progress interval', '2')
  .parse()

const [file] = program.args as [string]
const opts = program.opts<{ url: string; asOf?: string; every: string }>()
const token = process.env.HEALTHFLAG_TOKEN
if (!token) {
  process.stderr.write('Set HEALTHFLAG_TOKEN to an IG officer or admin API token of the side-car.\n')
  process.exitCode = 2
} else {
  await run(token)
}

async function countLines(path: string): Promise<number> {
  let n = 0
  for await (const chunk of createReadStream(path)) for (let i = (chunk as Buffer).indexOf(10); i !== -1; i = (chunk as Buffer).indexOf(10, i + 1)) n++
  return Math.max(0, n - 1)
}

async function versions(token: string): Promise<VersionView[]> {
  const res = await fetch(new URL('/v1/index', opts.url), { headers: { authorization: `Bearer ${token}` } })
  return res.ok ? ((await res.json()) as VersionView[]) : []
}

async function run(token: string): Promise<void> {
  const size = (await stat(file)).size
  const rows = await countLines(file)
  const before = new Set((await versions(token)).map((v) => v.version_id))
  let sent = 0
  const counter = new Transform({
    transform(chunk: Buffer, _enc, cb) {
      sent += chunk.length
      cb(null, chunk)
    },
  })
  const t0 = performance.now()
  const tick = setInterval(() => {
    void versions(token).then((vs) => {
      const mine = vs.find((v) => !before.has(v.version_id))
      const s = (performance.now() - t0) / 1000
      const loaded = mine?.rows_loaded ?? 0
      const rate = loaded / s
      const eta = rate > 0 ? Math.round((rows - loaded) / rate) : null
      process.stderr.write(
        `${s.toFixed(0).padStart(5)} s  sent ${((100 * sent) / size).toFixed(0).padStart(3)}%  loaded ${loaded.toLocaleString('en-GB')} of ~${rows.toLocaleString('en-GB')} rows  ${Math.round(rate).toLocaleString('en-GB')} rows/s  ETA ${eta === null ? '?' : `${eta} s`}\n`,
      )
    })
  }, Number(opts.every) * 1000)
  try {
    const res = await fetch(new URL(`/v1/index${opts.asOf ? `?as_of=${opts.asOf}` : ''}`, opts.url), {
      method: 'POST',
      // The length lets the side-car give bytes read of a total (and an ETA) while it reads the body as it arrives.
      headers: { authorization: `Bearer ${token}`, 'content-type': 'text/csv', 'content-length': String(size) },
      body: Readable.toWeb(createReadStream(file).pipe(counter)) as ReadableStream,
      duplex: 'half',
    } as RequestInit)
    const body = await res.text()
    if (!res.ok) {
      process.stderr.write(`import refused: HTTP ${res.status} ${body}\n`)
      process.exitCode = 1
      return
    }
    const report = JSON.parse(body) as { rows_read: number; patients_loaded: number; rows_rejected: number }
    const s = (performance.now() - t0) / 1000
    process.stderr.write(`done in ${s.toFixed(1)} s: ${report.rows_read.toLocaleString('en-GB')} rows, ${report.patients_loaded.toLocaleString('en-GB')} patients, ${report.rows_rejected} rejected (${Math.round(report.rows_read / s).toLocaleString('en-GB')} rows/s)\n`)
    process.stdout.write(`${body}\n`)
  } finally {
    clearInterval(tick)
  }
}
