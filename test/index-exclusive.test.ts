// One import of the patient index at a time per side-car database. A second import, from the same side-car or from
// another side-car process on the same database (a rolling deployment), is refused with IMPORT_RUNNING while one is
// loading: otherwise it would take the first one's 'loading' version for the leftover of a dead process, fail it and
// delete its rows, and the two would race to go live.
import { readdir } from 'node:fs/promises'
import { request, type ClientRequest, type IncomingMessage } from 'node:http'
import pg from 'pg'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createTestTarget, testDatabaseKind, type DatabaseTarget, type TestTarget } from '@healthflag/db'
import { PATIENT_COLUMNS, generatePopulation, toCsv, type PatientRow } from '@healthflag/synth'
import { startStack, type Stack } from '../scripts/lib/stack.js'

const onPostgres = testDatabaseKind() === 'postgres'
const big = Buffer.from(toCsv(generatePopulation({ seed: 41, patients: 100_000, candidates: 0, tier: 'clean' }).patients, [...PATIENT_COLUMNS] as (keyof PatientRow)[]))
const small = toCsv(generatePopulation({ seed: 42, patients: 300, candidates: 0, tier: 'clean' }).patients, [...PATIENT_COLUMNS] as (keyof PatientRow)[])
// Past two of the import's 2 MiB chunks, on a line end: rows are loaded before the rest is sent.
const cut = big.indexOf(0x0a, 4.5 * 2 ** 20) + 1

let targets: TestTarget[] = []
let databases: { council: DatabaseTarget; sidecar: DatabaseTarget; ledger: DatabaseTarget }
let one: Stack
const open: ClientRequest[] = []

beforeAll(async () => {
  targets = await Promise.all(['c', 's', 'l'].map((s) => createTestTarget(`excl_${s}`)))
  databases = { council: targets[0]!.target, sidecar: targets[1]!.target, ledger: targets[2]!.target }
  one = await startStack({ databases })
})

afterAll(async () => {
  for (const r of open) r.destroy()
  await one?.close()
  for (const t of targets) await t.drop()
})

interface View {
  version_id: number
  status: string
  import?: { rows_read: number }
}

async function versions(s: Stack): Promise<View[]> {
  const res = await fetch(new URL('/v1/index', s.urls.sidecar), { headers: { authorization: `Bearer ${s.tokens.igOfficer}` } })
  expect(res.status).toBe(200)
  return (await res.json()) as View[]
}

async function post(s: Stack, csv: string): Promise<{ status: number; body: { code?: string; message?: string; version_id?: number; details?: { running_version?: number } } }> {
  const res = await fetch(new URL('/v1/index', s.urls.sidecar), { method: 'POST', headers: { authorization: `Bearer ${s.tokens.igOfficer}`, 'content-type': 'text/csv' }, body: csv })
  return { status: res.status, body: (await res.json()) as never }
}

/** An import whose first part is sent and whose rest waits for `finish()`; resolves once its rows are being loaded (or, untilRows false, once its version exists). */
async function startSlowImport(s: Stack, opts: { untilRows?: boolean } = {}): Promise<{ version: number; write(bytes: Uint8Array): void; finishWith(bytes: Uint8Array): Promise<{ status: number; body: { code?: string; version_id?: number } }>; finish(): Promise<{ status: number; body: { code?: string; version_id?: number } }>; cutOff(): void }> {
  const before = new Set((await versions(s)).map((v) => v.version_id))
  const req = request(new URL('/v1/index', s.urls.sidecar), { method: 'POST', headers: { authorization: `Bearer ${s.tokens.igOfficer}`, 'content-type': 'text/csv' } })
  open.push(req)
  const response = new Promise<{ status: number; body: { code?: string; version_id?: number } }>((resolve, reject) => {
    req.on('response', (res: IncomingMessage) => {
      const parts: Buffer[] = []
      res.on('data', (b: Buffer) => parts.push(b))
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: JSON.parse(Buffer.concat(parts).toString('utf8')) as never }))
      res.on('error', reject)
    })
    req.on('error', reject)
  })
  // A connection the side-car closes fails this promise; whoever awaits it (finish) still sees that.
  response.catch(() => undefined)
  req.write(big.subarray(0, cut))
  const deadline = Date.now() + 20_000
  for (;;) {
    const mine = (await versions(s)).find((v) => !before.has(v.version_id))
    if (mine && (opts.untilRows === false || (mine.status === 'loading' && (mine.import?.rows_read ?? 0) > 0))) {
      return {
        version: mine.version_id,
        write: (bytes) => req.write(bytes),
        finishWith: (bytes) => {
          req.end(bytes)
          return response
        },
        finish: () => {
          req.end(big.subarray(cut))
          return response
        },
        cutOff: () => req.destroy(),
      }
    }
    if (Date.now() > deadline) throw new Error('the first import never started loading')
    await new Promise((r) => setTimeout(r, 25))
  }
}

describe('POST /v1/index runs one import at a time', () => {
  it('refuses a second import while one is loading, naming it, and takes the next one once it is live', async () => {
    const first = await startSlowImport(one)
    const second = await post(one, small)
    expect(second.status).toBe(409)
    expect(second.body.code).toBe('IMPORT_RUNNING')
    expect(second.body.message).toContain(`version ${first.version}`)
    expect(second.body.message).toContain('GET /v1/index')
    // The refused request left the running import alone.
    const done = await first.finish()
    expect(done.status).toBe(201)
    expect(done.body.version_id).toBe(first.version)
    expect((await versions(one)).find((v) => v.version_id === first.version)?.status).toBe('live')
    const third = await post(one, small)
    expect(third.status).toBe(201)
    expect((await versions(one)).find((v) => v.version_id === third.body.version_id)?.status).toBe('live')
  })

  it('fails an import whose upload is cut off part-way, and takes the next one', async () => {
    const live = (await versions(one)).find((v) => v.status === 'live')?.version_id
    const first = await startSlowImport(one)
    first.cutOff()
    const deadline = Date.now() + 20_000
    while ((await versions(one)).find((v) => v.version_id === first.version)?.status !== 'failed') {
      if (Date.now() > deadline) throw new Error('the cut-off import was never marked failed')
      await new Promise((r) => setTimeout(r, 25))
    }
    expect((await versions(one)).find((v) => v.status === 'live')?.version_id).toBe(live)
    // Its token file went with it.
    expect((await readdir(one.sidecar.healthflagIndexDir)).filter((n) => n.startsWith(`index-v${first.version}-`))).toEqual([])
    const next = await post(one, small)
    expect(next.status).toBe(201)
  })

  it('cuts off an upload that stops sending, fails its import and takes the next one', async () => {
    // A second side-car app on its own databases, with a 3 s idle limit on uploads.
    const own = await Promise.all(['c', 's', 'l'].map((x) => createTestTarget(`idle_${x}`)))
    const quick = await startStack({ databases: { council: own[0]!.target, sidecar: own[1]!.target, ledger: own[2]!.target }, importIdleMs: 3000 })
    try {
      // Nothing more is sent (the limit may pass before the cold workers load a row): the side-car closes the connection
      // and the import fails.
      const stalled = await startSlowImport(quick, { untilRows: false })
      const deadline = Date.now() + 20_000
      while ((await versions(quick)).find((v) => v.version_id === stalled.version)?.status !== 'failed') {
        if (Date.now() > deadline) throw new Error('the stalled import was never failed')
        await new Promise((r) => setTimeout(r, 50))
      }
      stalled.cutOff()
      const next = await post(quick, small)
      expect(next.status).toBe(201)
      // An upload that keeps sending is not cut off, however long it takes in all: here three pauses of 1 s.
      // (Not waiting for its rows first: that wait, on a busy machine, would itself be a pause.)
      const slow = await startSlowImport(quick, { untilRows: false })
      const rest = big.subarray(cut)
      const third = Math.floor(rest.length / 3)
      for (let i = 0; i < 3; i++) {
        slow.write(rest.subarray(i * third, (i + 1) * third))
        await new Promise((r) => setTimeout(r, 1000))
      }
      const done = await slow.finishWith(rest.subarray(3 * third))
      expect(done.status).toBe(201)
    } finally {
      await quick.close()
      for (const t of own) await t.drop()
    }
  })

  it.skipIf(!onPostgres)('refuses an import from another side-car process on the same database while one is loading (PostgreSQL)', async () => {
    const two = await startStack({ databases, keys: one.keys })
    try {
      const first = await startSlowImport(one)
      const refused = await post(two, small)
      expect(refused.status).toBe(409)
      expect(refused.body.code).toBe('IMPORT_RUNNING')
      expect(refused.body.details?.running_version).toBe(first.version)
      expect((await first.finish()).status).toBe(201)
      // Once the first is done, the other process imports.
      const next = await post(two, small)
      expect(next.status).toBe(201)
      expect((await versions(one)).find((v) => v.status === 'live')?.version_id).toBe(next.body.version_id)
    } finally {
      await two.close()
    }
  })

  it.skipIf(!onPostgres)('waits for an import that has stopped loading to let go, rather than refusing the next file (PostgreSQL)', async () => {
    // The lock held with no version loading: an import that went live or failed and is still clearing up after itself.
    const admin = new pg.Client({ connectionString: process.env.DATABASE_URL })
    await admin.connect()
    const schema = (databases.sidecar as { schema: string }).schema
    try {
      expect((await versions(one)).some((v) => v.status === 'loading')).toBe(false)
      const locked = await admin.query<{ ok: boolean }>(`select pg_try_advisory_lock(26726, $1::regclass::oid::int4) as ok`, [`${schema}.index_version`])
      expect(locked.rows[0]!.ok).toBe(true)
      let released = false
      const sent = post(one, small).then((r) => ({ ...r, afterRelease: released }))
      await new Promise((r) => setTimeout(r, 400))
      released = true
      await admin.query(`select pg_advisory_unlock(26726, $1::regclass::oid::int4)`, [`${schema}.index_version`])
      const next = await sent
      expect(next.status).toBe(201)
      expect(next.afterRelease).toBe(true)
    } finally {
      await admin.end()
    }
  })

  it.skipIf(!onPostgres)('keeps an import whose lock was lost from going live over the one that began after it (PostgreSQL)', async () => {
    const two = await startStack({ databases, keys: one.keys })
    const admin = new pg.Client({ connectionString: process.env.DATABASE_URL })
    await admin.connect()
    try {
      const first = await startSlowImport(one)
      // The connection holding the first import's lock ends (a network fault, a DBA): the lock goes with it.
      const holder = await admin.query<{ pid: number }>(`select pid from pg_locks where locktype = 'advisory' and classid = 26726 and objid = $1::regclass::oid and granted`, [`${(databases.sidecar as { schema: string }).schema}.index_version`])
      expect(holder.rows).toHaveLength(1)
      await admin.query('select pg_terminate_backend($1)', [holder.rows[0]!.pid])
      // pg_terminate_backend only signals the backend; the lock goes when it has exited, a moment later.
      await expect
        .poll(async () => (await admin.query(`select 1 from pg_locks where locktype = 'advisory' and classid = 26726 and objid = $1::regclass::oid and granted`, [`${(databases.sidecar as { schema: string }).schema}.index_version`])).rowCount, { timeout: 10_000, interval: 20 })
        .toBe(0)
      // The other process can now import; the first one's version, still 'loading', is taken for a dead load.
      const next = await post(two, small)
      expect(next.status).toBe(201)
      const late = await first.finish()
      expect(late.status).toBe(409)
      expect(late.body.code).toBe('CONFLICT')
      const all = await versions(one)
      expect(all.find((v) => v.status === 'live')?.version_id).toBe(next.body.version_id)
      expect(all.find((v) => v.version_id === first.version)?.status).toBe('failed')
    } finally {
      await admin.end()
      await two.close()
    }
  })
})
