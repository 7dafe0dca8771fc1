/**
 * One row whose family-name field holds 20 words would carry more tokens of a kind than the protocol takes (16), and
 * the side-car would refuse the whole request for it. The council sends that row's first 16 tokens of each kind, which
 * begin with the full name's, and says so in the validation report: the exchange goes, every other row is answered,
 * and the row itself still matches the patient on the full name.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { api } from '../scripts/lib/client.js'
import { batch, candidatesCsv, clock, patientsCsv, people, startIsaHarness, type IsaHarness, type Person } from './isa-fixtures.js'

const WORDS = ['Ashdown', 'Brackenbury', 'Cholmondeley', 'Dunstable', 'Everingham', 'Fairweather', 'Gainsborough', 'Hollingsworth', 'Ingleby', 'Jellicoe', 'Kettleborough', 'Lockwood', 'Marchbanks', 'Netherwood', 'Oakenshaw', 'Pemberton', 'Quenby', 'Ravenscroft', 'Stainforth', 'Thistlewood']

const clk = clock(new Date(Date.now() + 3_600_000))
let h: IsaHarness
const ordinary = batch(12, 0, { active: 4, inactive: 4 })
// An active patient whose surname field holds 20 words, in the trust's extract and in the council's list alike.
const long: Person = { ...people([{ district: 'Stafford', patient: 'active' }], 100)[0]!, family: WORDS.join(' ') }
// The council has no NHS number for them: the match has to come from the name keys, whose tokens are the ones cut.
const longCandidate: Person = { ...long, nhs: '' }

beforeAll(async () => {
  h = await startIsaHarness('long_family', { now: clk.now })
  await api.importIndex(h.stack.urls.sidecar, h.stack.tokens.igOfficer, patientsCsv([...ordinary, long]), clk.today())
})

afterAll(async () => {
  await h?.drop()
})

describe('a candidate list with one row whose family name has 20 words', () => {
  it('is exchanged, and every row is answered, the long-named patient still matched by name', async () => {
    const candidates = [...ordinary.slice(0, 6), longCandidate, ...ordinary.slice(6)]
    const up = await api.upload(h.stack.urls.council, h.stack.tokens.analyst, candidatesCsv(candidates))
    expect(up.body.summary).toMatchObject({ read: 13, accepted: 13, excluded: 0 })
    const report = up.body.rows.find((r) => r.ref === long.ref)!
    expect(report.verdict).toBe('accepted')
    expect(report.issues).toContainEqual(expect.objectContaining({ field: 'family_name', severity: 'warning', code: 'too_many_parts' }))
    for (const w of WORDS) expect(report.issues.map((i) => i.message).join(' ').toUpperCase()).not.toContain(w.toUpperCase())
    expect(up.body.rows.filter((r) => r.ref !== long.ref).every((r) => !r.issues.some((i) => i.code === 'too_many_parts'))).toBe(true)

    const ex = await api.startExchange(h.stack.urls.council, h.stack.tokens.analyst, up.body.upload_id)
    expect(ex.body).toMatchObject({ status: 'answered', rows_sent: 13, rows_flagged: 5 })
    const results = await api.results(h.stack.urls.council, h.stack.tokens.analyst, ex.body.exchange_id)
    const flagged = new Map(results.rows.map((r) => [r.ref, r.active_service]))
    expect(flagged.size).toBe(13)
    for (const p of ordinary) expect(flagged.get(p.ref), p.ref).toBe(p.spec.patient === 'active')
    expect(flagged.get(long.ref)).toBe(true)
  })
})
