// Issue 7: the index swap is atomic. Exchanges answered while a new index version is being imported see the old
// version or the new one, whole, never a mix of the two.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { generatePopulation, toCsv, PATIENT_COLUMNS, CANDIDATE_COLUMNS, type PatientRow } from '@healthflag/synth'
import { api } from '../scripts/lib/client.js'
import { startHarness, type Harness } from './support/harness.js'

let h: Harness
const day = (offset: number): string => new Date(Date.now() + offset * 86_400_000).toISOString().slice(0, 10)
const OLD_AS_OF = day(-1)
const NEW_AS_OF = day(0)

beforeAll(async () => {
  h = await startHarness('swap', {
    isa: (doc) => ({ ...doc, clauses: doc.clauses.map((c) => ({ ...c, frequency: { max_exchanges: 1000, period_days: 1 } })) }),
  })
})

afterAll(async () => {
  await h?.drop()
})

type Flags = Map<string, boolean | null>

async function exchange(uploadId: string): Promise<{ asOf: string; flags: Flags; started: number; ended: number }> {
  const started = performance.now()
  const ex = await api.startExchange(h.stack.urls.council, h.stack.tokens.analyst, uploadId)
  const ended = performance.now()
  expect(ex.body.status).toBe('answered')
  const results = await api.results(h.stack.urls.council, h.stack.tokens.analyst, ex.body.exchange_id)
  return { asOf: ex.body.index_as_of!, flags: new Map(results.rows.map((r) => [r.ref, r.active_service])), started, ended }
}

describe('index swap during exchanges', () => {
  it('answers every exchange from the old version or the new one, whole, while a new version is imported', async () => {
    const pop = generatePopulation({ seed: 21, patients: 25_000, candidates: 300, tier: 'clean' })
    // The new extract flips every patient's active flag and lifts every restriction: any candidate matched under
    // both versions gets the opposite flag, so an answer mixing the two would differ from both.
    const oldRows = pop.patients.map((p) => ({ ...p, restricted: 'false' }))
    const newRows: PatientRow[] = oldRows.map((p) => ({ ...p, active_service: ['true', 'Y', '1', 'yes'].includes(p.active_service.toLowerCase()) ? 'false' : 'true' }))
    const csv = (rows: PatientRow[]) => toCsv(rows, [...PATIENT_COLUMNS] as (keyof PatientRow)[])
    await api.importIndex(h.stack.urls.sidecar, h.stack.tokens.igOfficer, csv(oldRows), OLD_AS_OF)
    const upload = await api.upload(h.stack.urls.council, h.stack.tokens.analyst, toCsv(pop.candidates, [...CANDIDATE_COLUMNS]))
    const before = await exchange(upload.body.upload_id)
    expect(before.asOf).toBe(OLD_AS_OF)

    let importing = true
    const importStarted = performance.now()
    const imported = api.importIndex(h.stack.urls.sidecar, h.stack.tokens.igOfficer, csv(newRows), NEW_AS_OF).finally(() => {
      importing = false
    })
    const during: Awaited<ReturnType<typeof exchange>>[] = []
    while (importing) during.push(await exchange(upload.body.upload_id))
    await imported
    const importEnded = performance.now()
    const after = await exchange(upload.body.upload_id)
    expect(after.asOf).toBe(NEW_AS_OF)

    const matchedTrue = [...before.flags.values()].filter((f) => f === true).length
    const flippedBy = (a: Flags, b: Flags) => [...a].filter(([ref, f]) => b.get(ref) !== f).length
    // The flip is visible: the two versions answer differently for many candidates.
    expect(matchedTrue).toBeGreaterThan(10)
    expect(flippedBy(before.flags, after.flags)).toBeGreaterThan(10)
    // Some exchanges really ran while the import was loading.
    expect(during.filter((e) => e.started >= importStarted && e.ended <= importEnded).length).toBeGreaterThan(0)
    for (const e of [...during, after]) {
      const whole = e.asOf === OLD_AS_OF ? before : after
      expect([OLD_AS_OF, NEW_AS_OF]).toContain(e.asOf)
      expect(flippedBy(e.flags, whole.flags)).toBe(0)
    }
  })

  it('shows the running import on GET /v1/index while it loads, then its rows/s once live', async () => {
    // Over twice the 2 MiB chunk, so worker threads do the work and the side-car answers while it loads (an import small
    // enough to run inline holds its thread until it is stored).
    const pop = generatePopulation({ seed: 22, patients: 80_000, candidates: 0, tier: 'clean' })
    const csv = toCsv(pop.patients, [...PATIENT_COLUMNS] as (keyof PatientRow)[])
    expect(Buffer.byteLength(csv)).toBeGreaterThan(4 * 2 ** 20)
    interface View {
      version_id: number
      status: string
      import?: { state: string; bytes_read: number; bytes_total: number | null; rows_read: number; patients_loaded: number; rows_per_second: number; eta_seconds: number | null; finished_at: string | null }
    }
    const versions = async (): Promise<View[]> => {
      const res = await fetch(new URL('/v1/index', h.stack.urls.sidecar), { headers: { authorization: `Bearer ${h.stack.tokens.igOfficer}` } })
      expect(res.status).toBe(200)
      return (await res.json()) as View[]
    }
    const before = new Set((await versions()).map((v) => v.version_id))
    let importing = true
    const imported = api.importIndex(h.stack.urls.sidecar, h.stack.tokens.igOfficer, csv, NEW_AS_OF).finally(() => {
      importing = false
    })
    const seen: View[] = []
    while (importing) {
      const mine = (await versions()).find((v) => !before.has(v.version_id))
      if (mine?.status === 'loading') seen.push(mine)
      await new Promise((r) => setTimeout(r, 20))
    }
    const report = await imported
    expect(seen.length).toBeGreaterThan(0)
    for (const v of seen) {
      // 'swapping': every row is stored and the version is being made live (its row still says 'loading').
      expect(['loading', 'swapping']).toContain(v.import?.state)
      expect(v.import).toMatchObject({ bytes_total: Buffer.byteLength(csv), finished_at: null })
    }

    const after = await versions()
    const live = after.find((v) => v.version_id === report.version_id)!
    expect(live.status).toBe('live')
    expect(live.import).toMatchObject({ state: 'live', rows_read: pop.patients.length, patients_loaded: report.patients_loaded, eta_seconds: null })
    expect(live.import!.rows_per_second).toBeGreaterThan(0)
    expect(live.import!.finished_at).not.toBeNull()
    // Only the version this process imported last carries progress.
    expect(after.filter((v) => v.import).map((v) => v.version_id)).toEqual([report.version_id])
  })
})
