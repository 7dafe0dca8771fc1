// Issue 7: the index import streams over HTTP too. The side-car reads the extract as it arrives (memory bounded by the
// chunks in flight, whatever the file's size), so the import is under way before the upload has ended.
import { request, type ClientRequest, type IncomingMessage } from 'node:http'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { PATIENT_COLUMNS, generatePopulation, toCsv, type PatientRow } from '@healthflag/synth'
import { startHarness, type Harness } from './support/harness.js'
import { until } from './support/until.js'

let h: Harness

beforeAll(async () => {
  h = await startHarness('stream')
})

const open: ClientRequest[] = []

afterAll(async () => {
  // A failed test may leave its upload open; the stack would wait for it to close.
  for (const r of open) r.destroy()
  await h?.drop()
})

interface View {
  version_id: number
  status: string
  import?: { state: string; rows_read: number; bytes_read: number; bytes_total: number | null }
}

async function versions(): Promise<View[]> {
  const res = await fetch(new URL('/v1/index', h.stack.urls.sidecar), { headers: { authorization: `Bearer ${h.stack.tokens.igOfficer}` } })
  expect(res.status).toBe(200)
  return (await res.json()) as View[]
}

/** A POST /v1/index whose body the test writes piece by piece (chunked: no length given). */
function openUpload(): { req: ClientRequest; response: Promise<{ status: number; body: string; endedBefore: boolean }> } {
  let ended = false
  const req = request(new URL('/v1/index', h.stack.urls.sidecar), {
    method: 'POST',
    headers: { authorization: `Bearer ${h.stack.tokens.igOfficer}`, 'content-type': 'text/csv' },
  })
  open.push(req)
  const end = req.end.bind(req)
  req.end = ((...args: Parameters<ClientRequest['end']>) => {
    ended = true
    return end(...args)
  }) as ClientRequest['end']
  const response = new Promise<{ status: number; body: string; endedBefore: boolean }>((resolve, reject) => {
    req.on('response', (res: IncomingMessage) => {
      const endedBefore = !ended
      const parts: Buffer[] = []
      res.on('data', (b: Buffer) => parts.push(b))
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(parts).toString('utf8'), endedBefore }))
      res.on('error', reject)
    })
    req.on('error', reject)
  })
  return { req, response }
}


describe('POST /v1/index streams the extract', () => {
  it('imports rows while the rest of the file is still being sent, then loads the whole file', async () => {
    const pop = generatePopulation({ seed: 31, patients: 100_000, candidates: 0, tier: 'clean' })
    const csv = Buffer.from(toCsv(pop.patients, [...PATIENT_COLUMNS] as (keyof PatientRow)[]))
    // Cut on a line end, past two of the import's 2 MiB chunks so that rows are read before the rest arrives.
    const cut = csv.indexOf(0x0a, 4.5 * 2 ** 20) + 1
    expect(cut).toBeGreaterThan(0)
    expect(cut).toBeLessThan(csv.length)
    const before = new Set((await versions()).map((v) => v.version_id))

    const { req, response } = openUpload()
    req.write(csv.subarray(0, cut))
    // Held here, the rest unsent: the side-car has already read rows of the first part.
    const seen = await until('rows read before the upload ends', async () => {
      const mine = (await versions()).find((v) => !before.has(v.version_id))
      return mine?.import && mine.import.rows_read > 0 ? mine : undefined
    })
    expect(seen.status).toBe('loading')
    expect(seen.import!.bytes_read).toBeLessThanOrEqual(cut)
    req.end(csv.subarray(cut))

    const res = await response
    expect(res.status).toBe(201)
    const report = JSON.parse(res.body) as { version_id: number; rows_read: number; patients_loaded: number }
    expect(report.version_id).toBe(seen.version_id)
    expect(report).toMatchObject({ rows_read: pop.patients.length, patients_loaded: pop.patients.length })
    expect((await versions()).find((v) => v.version_id === report.version_id)?.status).toBe('live')
  })

  it('answers a refused file with its error, not a broken connection, when it stops reading part-way', async () => {
    const live = (await versions()).find((v) => v.status === 'live')
    // No family_name column, and ~30 MiB: the import stops at the first chunk's error with most of the body unread.
    const rows = Array.from({ length: 800_000 }, (_, i) => `P${i},Ann,1980-01-01,F,ST1 1AA,true\n`).join('')
    const body = `patient_id,given_name,date_of_birth,sex,postcode,active_service\n${rows}`
    expect(Buffer.byteLength(body)).toBeGreaterThan(24 * 2 ** 20)
    const res = await fetch(new URL('/v1/index', h.stack.urls.sidecar), {
      method: 'POST',
      headers: { authorization: `Bearer ${h.stack.tokens.igOfficer}`, 'content-type': 'text/csv' },
      body,
    })
    expect(res.status).toBe(422)
    expect(await res.json()).toMatchObject({ code: 'COLUMN_MISSING' })
    expect((await versions()).find((v) => v.status === 'live')?.version_id).toBe(live?.version_id)
    // The connection still serves requests.
    expect((await fetch(new URL('/health', h.stack.urls.sidecar))).status).toBe(200)
  })

  it('refuses an as-of date after today (UK date), reading and dropping the body, and keeps the live version', async () => {
    const live = (await versions()).find((v) => v.status === 'live')
    const pop = generatePopulation({ seed: 12, patients: 50, candidates: 0, tier: 'clean' })
    const tomorrow = new Date(Date.now() + 2 * 86_400_000).toISOString().slice(0, 10)
    const res = await fetch(new URL(`/v1/index?as_of=${tomorrow}`, h.stack.urls.sidecar), {
      method: 'POST',
      headers: { authorization: `Bearer ${h.stack.tokens.igOfficer}`, 'content-type': 'text/csv' },
      body: toCsv(pop.patients, [...PATIENT_COLUMNS] as (keyof PatientRow)[]),
    })
    expect(res.status).toBe(400)
    const body = (await res.json()) as { code: string; message: string }
    expect(body.code).toBe('BAD_REQUEST')
    expect(body.message).toContain(`as_of ${tomorrow} is after today`)
    expect((await versions()).find((v) => v.status === 'live')?.version_id).toBe(live?.version_id)
  })
})
