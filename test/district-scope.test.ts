/**
 * Results by district and family: each person's flag and each family's (flagged when any member is), the
 * per-district chart data for the central team, and district scoping through every results, export and
 * detail route — including with ids taken from another district's exchange.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { api, ApiError } from '../scripts/lib/client.js'
import { adminCall, candidatesCsv, patientsCsv, people, startIsaHarness, type IsaHarness, type Person } from './isa-fixtures.js'

let h: IsaHarness
let mixed: { upload: string; exchange: string }
let staffordOnly: { upload: string; exchange: string }

const county: Person[] = people([
  { district: 'Stafford', family: 'F-STA-1', patient: 'active' },
  { district: 'Stafford', family: 'F-STA-1', patient: 'none' },
  { district: 'Stafford', family: 'F-STA-1', patient: 'inactive' },
  { district: 'Stafford', family: 'F-STA-2', patient: 'inactive' },
  { district: 'Stafford', family: 'F-STA-2', patient: 'none' },
  { district: 'Tamworth', family: 'F-TAM-1', patient: 'none' },
  { district: 'Tamworth', family: 'F-TAM-1', patient: 'active' },
  { district: 'Tamworth', family: 'F-TAM-2', patient: 'none' },
  { district: 'Lichfield', family: null, patient: 'active' },
  { district: null, family: 'F-NONE-1', patient: 'active' },
  { district: null, family: 'F-NONE-1', patient: 'none' },
  { district: 'Tamworth', family: 'F-TAM-2', patient: 'inactive' },
])
const staffordBatch: Person[] = people(
  Array.from({ length: 10 }, (_, i) => ({ district: 'Stafford', family: `F-STA-B${i % 4}`, patient: i % 3 === 0 ? ('active' as const) : ('none' as const) })),
  100,
)

const get = (token: string, path: string) => adminCall(h.stack.urls.council, token, 'GET', path)
const district = (d: string) => h.stack.tokens.districtAnalyst(d)

async function send(ps: Person[]): Promise<{ upload: string; exchange: string }> {
  const up = await api.upload(h.stack.urls.council, h.stack.tokens.analyst, candidatesCsv(ps))
  const ex = await api.startExchange(h.stack.urls.council, h.stack.tokens.analyst, up.body.upload_id)
  expect(ex.body.status).toBe('answered')
  return { upload: up.body.upload_id, exchange: ex.body.exchange_id }
}

beforeAll(async () => {
  h = await startIsaHarness('district_scope')
  await api.importIndex(h.stack.urls.sidecar, h.stack.tokens.igOfficer, patientsCsv([...county, ...staffordBatch]))
  mixed = await send(county)
  staffordOnly = await send(staffordBatch)
})

afterAll(async () => {
  await h?.drop()
})

describe('results by person and family', () => {
  it('shows the central team every row with its own flag and its family’s', async () => {
    const r = await api.results(h.stack.urls.council, h.stack.tokens.analyst, mixed.exchange)
    const byRef = new Map(r.rows.map((x) => [x.ref, x as typeof x & { family_active: boolean | null }]))
    expect(byRef.size).toBe(county.length)
    for (const p of county) {
      const row = byRef.get(p.ref)!
      expect(row.active_service).toBe(p.spec.patient === 'active')
      const family = county.filter((q) => q.spec.family !== null && q.spec.family === p.spec.family)
      expect(row.family_active).toBe(p.spec.family === null ? null : family.some((q) => q.spec.patient === 'active'))
    }
  })

  it('lists families with member counts, flagged when any member is flagged', async () => {
    const r = await get(h.stack.tokens.analyst, `/v1/exchanges/${mixed.exchange}/families`)
    expect(r.status).toBe(200)
    expect(r.body.families).toEqual([
      { family_id: 'F-NONE-1', district: null, members: 2, members_flagged: 1, flagged: true },
      { family_id: 'F-STA-1', district: 'Stafford', members: 3, members_flagged: 1, flagged: true },
      { family_id: 'F-STA-2', district: 'Stafford', members: 2, members_flagged: 0, flagged: false },
      { family_id: 'F-TAM-1', district: 'Tamworth', members: 2, members_flagged: 1, flagged: true },
      { family_id: 'F-TAM-2', district: 'Tamworth', members: 2, members_flagged: 0, flagged: false },
    ])
  })

  it('gives the central team flagged families per Staffordshire district, all eight listed', async () => {
    const r = await get(h.stack.tokens.analyst, `/v1/exchanges/${mixed.exchange}/districts`)
    expect(r.status).toBe(200)
    const byName = new Map((r.body.districts as { district: string; families: number; families_flagged: number; people: number; people_flagged: number }[]).map((d) => [d.district, d]))
    expect([...byName.keys()].slice(0, 8)).toEqual(['Cannock Chase', 'East Staffordshire', 'Lichfield', 'Newcastle-under-Lyme', 'South Staffordshire', 'Stafford', 'Staffordshire Moorlands', 'Tamworth'])
    expect(byName.get('Stafford')).toMatchObject({ people: 5, people_flagged: 1, families: 2, families_flagged: 1 })
    expect(byName.get('Tamworth')).toMatchObject({ people: 4, people_flagged: 1, families: 2, families_flagged: 1 })
    expect(byName.get('Lichfield')).toMatchObject({ people: 1, people_flagged: 1, families: 0, families_flagged: 0 })
    expect(byName.get('Cannock Chase')).toMatchObject({ people: 0, families: 0 })
    expect(byName.get('No district')).toMatchObject({ people: 2, people_flagged: 1, families: 1, families_flagged: 1 })
  })

  it('exports person and family flags as CSV for the central team', async () => {
    const csv = await api.resultsCsv(h.stack.urls.council, h.stack.tokens.analyst, mixed.exchange)
    const [header, ...lines] = csv.trim().split('\n')
    expect(header).toBe('ref,active_service,district,family_id,family_active')
    expect(lines).toHaveLength(county.length)
    const staAbsent = lines.find((l) => l.startsWith(`${county[1]!.ref},`))!
    expect(staAbsent.split(',')).toEqual([county[1]!.ref, 'false', 'Stafford', 'F-STA-1', 'true'])
  })
})

describe('district scope', () => {
  it('shows a district analyst only their district’s rows, families and counts', async () => {
    const t = district('Tamworth')
    const r = await api.results(h.stack.urls.council, t, mixed.exchange)
    expect(r.rows.map((x) => x.ref).sort()).toEqual(county.filter((p) => p.spec.district === 'Tamworth').map((p) => p.ref).sort())
    const csv = await api.resultsCsv(h.stack.urls.council, t, mixed.exchange)
    expect(csv.trim().split('\n').slice(1).every((l) => l.split(',')[2] === 'Tamworth')).toBe(true)
    const fam = await get(t, `/v1/exchanges/${mixed.exchange}/families`)
    expect(fam.body.families.map((f: { family_id: string }) => f.family_id)).toEqual(['F-TAM-1', 'F-TAM-2'])
    const detail = await get(t, `/v1/exchanges/${mixed.exchange}`)
    expect(detail.body).toMatchObject({ rows_sent: 4, rows_flagged: 1 })
    const upload = await get(t, `/v1/uploads/${mixed.upload}`)
    expect(upload.body.rows.every((x: { district: string }) => x.district === 'Tamworth')).toBe(true)
    expect(upload.body.summary.read).toBe(4)
  })

  it('never shows rows without a district to a district analyst', async () => {
    const noDistrict = new Set(county.filter((p) => p.spec.district === null).map((p) => p.ref))
    for (const d of ['Stafford', 'Tamworth', 'Lichfield']) {
      const r = await api.results(h.stack.urls.council, district(d), mixed.exchange)
      expect(r.rows.some((x) => noDistrict.has(x.ref))).toBe(false)
    }
    const central = await api.results(h.stack.urls.council, h.stack.tokens.analyst, mixed.exchange)
    expect(central.rows.filter((x) => noDistrict.has(x.ref))).toHaveLength(2)
  })

  it('answers 404 on every results, export and detail route when the ids belong to another district', async () => {
    const t = district('Tamworth')
    const paths = [
      `/v1/exchanges/${staffordOnly.exchange}`,
      `/v1/exchanges/${staffordOnly.exchange}/results`,
      `/v1/exchanges/${staffordOnly.exchange}/results.csv`,
      `/v1/exchanges/${staffordOnly.exchange}/families`,
      `/v1/exchanges/${staffordOnly.exchange}/districts`,
      `/v1/uploads/${staffordOnly.upload}`,
    ]
    const unknownId = '00000000-0000-4000-8000-000000000000'
    for (const p of paths) {
      const r = await get(t, p)
      expect(r.status, p).toBe(404)
      // The same answer as for an id that does not exist at all.
      const none = await get(t, p.replace(/[0-9a-f-]{36}/, unknownId))
      expect(none.status, p).toBe(404)
      expect(r.body.code).toBe(none.body.code)
      // The central team reads the same ids.
      expect((await get(h.stack.tokens.analyst, p)).status, p).toBe(200)
    }
    const list = await get(t, '/v1/uploads')
    expect(list.body.map((u: { upload_id: string }) => u.upload_id)).toEqual([mixed.upload])
    expect(list.body[0].summary).toEqual({ read: 4, accepted: 4, excluded: 0, warned: 0 })
    expect((await get(district('Stafford'), `/v1/exchanges/${staffordOnly.exchange}/results`)).status).toBe(200)
  })

  it('keeps the county-wide chart from district analysts, and lists for each only the exchanges with their rows, with their counts', async () => {
    expect((await get(district('Stafford'), `/v1/exchanges/${mixed.exchange}/districts`)).status).toBe(404)
    expect((await get(h.stack.tokens.analyst, '/v1/exchanges')).body.length).toBe(2)
    const listed = async (d: string) => ((await get(district(d), '/v1/exchanges')).body as { exchange_id: string; rows_sent: number; rows_flagged: number | null }[]).map((e) => [e.exchange_id, e.rows_sent, e.rows_flagged])
    const mixedOf = (d: string) => county.filter((p) => p.spec.district === d)
    const flaggedOf = (ps: Person[]) => ps.filter((p) => p.spec.patient === 'active').length
    // Newest first: the Stafford-only list was sent after the mixed one.
    expect(await listed('Stafford')).toEqual([
      [staffordOnly.exchange, staffordBatch.length, flaggedOf(staffordBatch)],
      [mixed.exchange, mixedOf('Stafford').length, flaggedOf(mixedOf('Stafford'))],
    ])
    expect(await listed('Tamworth')).toEqual([[mixed.exchange, mixedOf('Tamworth').length, flaggedOf(mixedOf('Tamworth'))]])
    expect(await listed('Cannock Chase')).toEqual([])
  })

  it('does not let a district analyst send a county-wide list', async () => {
    await expect(api.startExchange(h.stack.urls.council, district('Stafford'), mixed.upload)).rejects.toBeInstanceOf(ApiError)
    await expect(api.startExchange(h.stack.urls.council, district('Stafford'), mixed.upload)).rejects.toMatchObject({ status: 404 })
  })
})

describe('a clause that does not share results with district teams (district_scoping: false)', () => {
  let off: IsaHarness
  let ex: string
  beforeAll(async () => {
    off = await startIsaHarness('district_off', {
      isa: (doc) => {
        for (const c of doc.clauses) c.district_scoping = false
        return doc
      },
    })
    await api.importIndex(off.stack.urls.sidecar, off.stack.tokens.igOfficer, patientsCsv(staffordBatch))
    const up = await api.upload(off.stack.urls.council, off.stack.tokens.analyst, candidatesCsv(staffordBatch))
    const sent = await api.startExchange(off.stack.urls.council, off.stack.tokens.analyst, up.body.upload_id)
    expect(sent.body.status).toBe('answered')
    ex = sent.body.exchange_id
  })
  afterAll(async () => {
    await off?.drop()
  })

  it('shows its results to the central team only: the district analyst whose rows they are gets the 404 of an unknown id', async () => {
    const staff = off.stack.tokens.districtAnalyst('Stafford')
    const unknownId = '00000000-0000-4000-8000-000000000000'
    for (const p of [`/v1/exchanges/${ex}`, `/v1/exchanges/${ex}/results`, `/v1/exchanges/${ex}/results.csv`, `/v1/exchanges/${ex}/families`]) {
      const r = await adminCall(off.stack.urls.council, staff, 'GET', p)
      const none = await adminCall(off.stack.urls.council, staff, 'GET', p.replace(ex, unknownId))
      expect([r.status, r.body.code], p).toEqual([404, none.body.code])
      expect((await adminCall(off.stack.urls.council, off.stack.tokens.analyst, 'GET', p)).status, p).toBe(200)
    }
    const central = await api.results(off.stack.urls.council, off.stack.tokens.analyst, ex)
    expect(central.rows).toHaveLength(staffordBatch.length)
    expect((await adminCall(off.stack.urls.council, staff, 'GET', '/v1/exchanges')).body).toEqual([])
    expect((await adminCall(off.stack.urls.council, off.stack.tokens.analyst, 'GET', '/v1/exchanges')).body).toHaveLength(1)
  })
})
