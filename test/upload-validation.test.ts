/**
 * Uploads through the council API: a structurally broken file is refused whole and stores nothing; a bad
 * row gets its verdict and the rest go on; the same file twice is one upload.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { sql } from 'kysely'
import { ApiError, api } from '../scripts/lib/client.js'
import { startHarness, type Harness } from './support/harness.js'

let h: Harness
beforeAll(async () => {
  h = await startHarness('upload')
})
afterAll(async () => {
  await h?.drop()
})

const HEADER = 'ref,nhs_number,given_name,family_name,date_of_birth,sex,postcode,criteria_met,district,family_id'
const good = (ref: string, extra: Partial<Record<string, string>> = {}) => {
  const v = { nhs_number: '943 476 5919', given_name: 'Amelia', family_name: 'Hart', date_of_birth: '1984-02-29', sex: 'F', postcode: 'ST16 2AB', criteria_met: '3', district: 'Stafford', family_id: 'F1', ...extra }
  return [ref, v.nhs_number, v.given_name, v.family_name, v.date_of_birth, v.sex, v.postcode, v.criteria_met, v.district, v.family_id].join(',')
}

async function rowCounts(): Promise<number> {
  const r = await sql<{ n: number }>`select (select count(*) from upload) + (select count(*) from candidate) + (select count(*) from validation_issue) as n`.execute(h.stack.council.healthflagDb)
  return Number(r.rows[0]!.n)
}

async function refused(body: string | Uint8Array): Promise<ApiError> {
  try {
    await api.upload(h.stack.urls.council, h.stack.tokens.analyst, body)
  } catch (e) {
    return e as ApiError
  }
  throw new Error('the upload was accepted')
}

describe('a structurally broken candidate file', () => {
  it('is refused whole when a required column is missing, naming the column, and stores nothing', async () => {
    const before = await rowCounts()
    const e = await refused(['ref,given_name,family_name,date_of_birth,sex,postcode,criteria_met', 'A1,Amelia,Hart,1984-02-29,F,ST16 2AB,3'].join('\n'))
    expect(e.status).toBe(422)
    expect(e.code).toBe('COLUMN_MISSING')
    expect(e.message).toContain('nhs_number')
    expect(await rowCounts()).toBe(before)
  })

  it('is refused when empty, or a header with no rows', async () => {
    const before = await rowCounts()
    expect((await refused('')).code).toBe('FILE_EMPTY')
    expect((await refused(HEADER + '\n')).code).toBe('FILE_EMPTY')
    expect(await rowCounts()).toBe(before)
  })

  it('is refused when binary (an .xlsx saved by mistake)', async () => {
    const zip = new Uint8Array([0x50, 0x4b, 0x03, 0x04, 0x14, 0x00, 0x00, 0x00, 0x08, 0x00, 0x00, 0x00])
    const e = await refused(zip)
    expect(e.code).toBe('FILE_NOT_TEXT')
  })

  it('is refused when a ref repeats, naming both lines, and stores nothing — even though other rows are fine', async () => {
    const before = await rowCounts()
    const e = await refused([HEADER, good('A1'), good('A2'), good('A1')].join('\n'))
    expect(e.code).toBe('DUPLICATE_REF')
    expect(e.message).toContain('line 4')
    expect(e.message).toContain('line 2')
    expect(await rowCounts()).toBe(before)
  })

  it('is refused, not failed, when a NUL byte comes after the first 64 KB, naming the line, and stores nothing', async () => {
    const before = await rowCounts()
    const rows = Array.from({ length: 1000 }, (_, i) => good(`N${i}`))
    const e = await refused([HEADER, ...rows, good('NUL', { given_name: 'Ame\u0000lia' })].join('\n'))
    expect(rows.join('\n').length).toBeGreaterThan(64 * 1024)
    expect([e.status, e.code]).toEqual([422, 'FILE_NOT_TEXT'])
    expect(e.message).toContain('line 1002')
    expect(await rowCounts()).toBe(before)
  })

  it('is refused when a row has the wrong number of fields, naming the line', async () => {
    const e = await refused([HEADER, good('A1'), 'A2,1,2,3'].join('\n'))
    expect(e.code).toBe('FILE_MALFORMED')
    expect(e.message).toContain('line 3')
  })
})

describe('a candidate file with bad rows', () => {
  it('gives every row a verdict: an invalid NHS number is a warning, no valid DOB or criteria below 2 excludes', async () => {
    const file = [
      HEADER.toUpperCase(),
      good('OK1'),
      good('BADNHS', { nhs_number: '1234567890' }),
      good('NODOB', { date_of_birth: '' }),
      good('BADDOB', { date_of_birth: '31/02/1990' }),
      good('USDOB', { date_of_birth: '1990-13-01' }),
      good('ONECRIT', { criteria_met: '1' }),
      good('DOTS', { date_of_birth: '29.02.1984', nhs_number: '' }),
    ].join('\r\n')
    const res = await api.upload(h.stack.urls.council, h.stack.tokens.analyst, '\uFEFF' + file)
    expect(res.status).toBe(201)
    const byRef = new Map(res.body.rows.map((r) => [r.ref, r]))
    expect(byRef.get('OK1')!.verdict).toBe('accepted')
    expect(byRef.get('OK1')!.issues).toEqual([])
    const nhs = byRef.get('BADNHS')!
    expect(nhs.verdict).toBe('accepted')
    expect(nhs.issues.map((i) => [i.field, i.severity])).toEqual([['nhs_number', 'warning']])
    for (const ref of ['NODOB', 'BADDOB', 'USDOB']) {
      expect(byRef.get(ref)!.verdict).toBe('excluded')
      expect(byRef.get(ref)!.issues.some((i) => i.field === 'date_of_birth' && i.severity === 'error')).toBe(true)
    }
    const crit = byRef.get('ONECRIT')!
    expect(crit.verdict).toBe('excluded')
    expect(crit.issues.find((i) => i.field === 'criteria_met')!.message).toContain('at least 2')
    expect(byRef.get('DOTS')!.verdict).toBe('accepted')
    expect(res.body.summary).toEqual({ read: 7, accepted: 3, excluded: 4, warned: 1 })
    expect(byRef.get('NODOB')!.row).toBe(4)
  })

  it('accepts rows with a blank ref, reporting each by line with the ref field, and ignores lines of only commas', async () => {
    const blank = ',,,,,,,,,'
    const file = [HEADER, good('B1'), good(''), blank, good('', { family_id: 'F2' }), good('B2'), blank, blank].join('\r\n') + '\r\n'
    const res = await api.upload(h.stack.urls.council, h.stack.tokens.analyst, file)
    expect(res.status).toBe(201)
    expect(res.body.rows.map((r) => [r.row, r.ref, r.verdict])).toEqual([[2, 'B1', 'accepted'], [3, '', 'excluded'], [5, '', 'excluded'], [6, 'B2', 'accepted']])
    for (const r of res.body.rows.filter((x) => x.ref === '')) expect(r.issues).toEqual([expect.objectContaining({ field: 'ref', severity: 'error', code: 'ref_missing' })])
    expect(res.body.summary).toEqual({ read: 4, accepted: 2, excluded: 2, warned: 0 })
  })

  it('stores a district as the programme spells it, and warns of one it does not know, which only the central team will see', async () => {
    const file = [HEADER, good('D1', { district: 'stafford' }), good('D2', { district: 'Newcastle under Lyme', nhs_number: '' }), good('D3', { district: 'Narnia', nhs_number: '' })].join('\n') + '\n'
    const res = await api.upload(h.stack.urls.council, h.stack.tokens.analyst, file)
    expect(res.status).toBe(201)
    expect(res.body.rows.map((r) => [r.ref, r.issues.map((i) => `${i.field} ${i.code}`)])).toEqual([['D1', []], ['D2', []], ['D3', ['district district_unknown']]])
    const stored = await h.stack.council.healthflagDb.selectFrom('candidate').select(['ref', 'district']).where('upload_id', '=', res.body.upload_id).orderBy('row_no').execute()
    expect(stored).toEqual([{ ref: 'D1', district: 'Stafford' }, { ref: 'D2', district: 'Newcastle-under-Lyme' }, { ref: 'D3', district: 'Narnia' }])
  })

  it('never repeats a rejected value in the report', async () => {
    const res = await api.upload(h.stack.urls.council, h.stack.tokens.analyst, [HEADER, good('LEAK', { nhs_number: '5550001234', date_of_birth: '1999-99-99', postcode: 'QQ1 1QQX' })].join('\n'))
    const text = JSON.stringify(res.body)
    for (const v of ['5550001234', '1999-99-99', 'QQ1 1QQX']) expect(text).not.toContain(v)
  })

  it('stores the same file once: a second upload returns the first with duplicate=true', async () => {
    const file = [HEADER, good('D1'), good('D2')].join('\n')
    const first = await api.upload(h.stack.urls.council, h.stack.tokens.analyst, file)
    const second = await api.upload(h.stack.urls.council, h.stack.tokens.analyst, file)
    expect(first.status).toBe(201)
    expect(second.status).toBe(200)
    expect(second.body.duplicate).toBe(true)
    expect(second.body.upload_id).toBe(first.body.upload_id)
  })

  it('ignores unknown columns and never stores them', async () => {
    const res = await api.upload(h.stack.urls.council, h.stack.tokens.analyst, [HEADER + ',social_worker_notes', good('X1') + ',very private note'].join('\n'))
    expect(res.status).toBe(201)
    const r = await sql<{ t: string }>`select c::text as t from candidate c`.execute(h.stack.council.healthflagDb)
    expect(r.rows.some((x) => x.t.includes('very private note'))).toBe(false)
  })
})
