import { describe, expect, it } from 'vitest'
import { csvCell, parseCandidateFile, parseFlag, readPatients, isReject, toCsv } from '../src/index.js'

const enc = (s: string) => new TextEncoder().encode(s)

describe('candidate files', () => {
  it('reads common header aliases in any case, with BOM and CRLF', async () => {
    const file = '\uFEFFRef,NHS No,Forename,Surname,DOB,Gender,Post Code,Criteria\r\nA1,943 476 5919,Amelia,Hart,29/02/1984,F,st16 2ab,2\r\n'
    const { rows, summary } = await parseCandidateFile(enc(file))
    expect(summary).toEqual({ read: 1, accepted: 1, excluded: 0, warned: 0 })
    expect(rows[0]!.raw).toEqual({ nhs_number: '943 476 5919', given_name: 'Amelia', family_name: 'Hart', date_of_birth: '29/02/1984', sex: 'F', postcode: 'st16 2ab' })
    expect(rows[0]!.line).toBe(2)
  })

  it('counts lines across quoted fields with embedded newlines', async () => {
    const file = 'ref,nhs_number,given_name,family_name,date_of_birth,sex,postcode,criteria_met\nA1,,"Mary\nAnne",Hart,1984-02-29,F,,2\nA2,,Tom,Hart,1983-01-01,M,,1\n'
    const { rows } = await parseCandidateFile(enc(file))
    expect(rows.map((r) => [r.ref, r.line, r.verdict])).toEqual([['A1', 2, 'accepted'], ['A2', 4, 'excluded']])
  })

  it('excludes a row with a blank ref but keeps the others', async () => {
    const file = 'ref,nhs_number,given_name,family_name,date_of_birth,sex,postcode,criteria_met\n,,Mary,Hart,1984-02-29,F,,2\nA2,,Tom,Hart,1983-01-01,M,,3\n'
    const { rows } = await parseCandidateFile(enc(file))
    expect(rows.map((r) => r.verdict)).toEqual(['excluded', 'accepted'])
    expect(rows[0]!.issues[0]!.code).toBe('ref_missing')
  })

  it('refuses a header that names a column twice', async () => {
    await expect(parseCandidateFile(enc('ref,ref,nhs_number,given_name,family_name,date_of_birth,sex,postcode,criteria_met\n'))).rejects.toMatchObject({ code: 'FILE_MALFORMED' })
  })

  it('refuses a file that is not UTF-8', async () => {
    await expect(parseCandidateFile(new Uint8Array([0x72, 0x65, 0x66, 0xff, 0xfe, 0x0a]))).rejects.toMatchObject({ code: 'FILE_NOT_TEXT' })
  })

  it('refuses a file with a NUL byte past its first 64 KB, naming the line', async () => {
    const header = 'ref,nhs_number,given_name,family_name,date_of_birth,sex,postcode,criteria_met\n'
    const rows = Array.from({ length: 3000 }, (_, i) => `A${i},,Tom,Hart,1983-01-01,M,,3\n`).join('')
    expect(header.length + rows.length).toBeGreaterThan(64 * 1024)
    const e = await parseCandidateFile(enc(`${header}${rows}A3000,,To\u0000m,Hart,1983-01-01,M,,3\n`)).catch((x: unknown) => x)
    expect(e).toMatchObject({ code: 'FILE_NOT_TEXT', details: { line: 3002 } })
    expect((e as Error).message).toContain('line 3002')
    expect((e as Error).message).not.toContain('Tom')
  })

  it('skips records whose every cell is blank (a spreadsheet\'s trailing ",,,," lines), keeping the other rows\' lines', async () => {
    const file = 'ref,nhs_number,given_name,family_name,date_of_birth,sex,postcode,criteria_met\nA1,,Mary,Hart,1984-02-29,F,,2\n,,,,,,,\n , ,,,,,,\nA2,,Tom,Hart,1983-01-01,M,,3\n,,,,,,,\n,,,,,,,\n'
    const { rows, summary } = await parseCandidateFile(enc(file))
    expect(rows.map((r) => [r.ref, r.line, r.verdict])).toEqual([['A1', 2, 'accepted'], ['A2', 5, 'accepted']])
    expect(summary).toEqual({ read: 2, accepted: 2, excluded: 0, warned: 0 })
  })
})

describe('a candidate whose family name has many parts', () => {
  it('is accepted with a warning on family_name, which names no part of the name, and the rows around it have none', async () => {
    const words = Array.from({ length: 20 }, (_, i) => `Smith${String.fromCharCode(97 + i)}`)
    const file = `ref,nhs_number,given_name,family_name,date_of_birth,sex,postcode,criteria_met\nA1,,Tom,Hart,1983-01-01,M,,3\nA2,,Mary,${words.join(' ')},1984-02-29,F,,3\nA3,,Ann,${words.slice(0, 15).join(' ')},1985-03-01,F,,3\n`
    const { rows, summary } = await parseCandidateFile(enc(file))
    expect(rows.map((r) => r.verdict)).toEqual(['accepted', 'accepted', 'accepted'])
    expect(summary).toMatchObject({ accepted: 3, excluded: 0, warned: 1 })
    expect(rows[1]!.issues).toEqual([{ field: 'family_name', severity: 'warning', code: 'too_many_parts', message: expect.stringContaining('first 15 parts') }])
    expect(rows[1]!.issues[0]!.message.toUpperCase()).not.toContain('SMITH')
    expect(rows[0]!.issues).toEqual([])
    // Fifteen parts and the full name: 16 values, within the limit.
    expect(rows[2]!.issues).toEqual([])
  })
})

describe('a candidate\'s district', () => {
  const districts = ['Newcastle-under-Lyme', 'Stafford', 'Tamworth'] as const
  it('is stored as the district list spells it, whatever its case, spaces or hyphens, and an unlisted one is kept with a warning', async () => {
    const file = ['ref,nhs_number,given_name,family_name,date_of_birth,sex,postcode,criteria_met,district',
      'A1,,Ann,Lee,1980-01-02,F,ST16 2AB,2,stafford',
      'A2,,Bob,Lee,1981-01-02,M,ST5 1AB,2, Newcastle under Lyme ',
      'A3,,Cat,Lee,1982-01-02,F,B79 7AB,2,TAMWORTH',
      'A4,,Dan,Lee,1983-01-02,M,ST16 2AB,2,Narnia',
      'A5,,Eve,Lee,1984-01-02,F,ST16 2AB,2,'].join('\n')
    const { rows } = await parseCandidateFile(enc(file), { districts })
    expect(rows.map((r) => r.district)).toEqual(['Stafford', 'Newcastle-under-Lyme', 'Tamworth', 'Narnia', null])
    expect(rows.map((r) => r.issues.filter((i) => i.field === 'district').map((i) => [i.severity, i.code]))).toEqual([[], [], [], [['warning', 'district_unknown']], []])
    expect(rows.every((r) => r.verdict === 'accepted')).toBe(true)
  })
})

describe('patient files', () => {
  it('reads Y/N, 1/0 and true/false flags, and treats an unreadable restriction marker as restricted', async () => {
    const file = 'patient_id,nhs_number,given_name,family_name,date_of_birth,sex,postcode,active_service,restricted\nP1,,A,B,1980-01-01,M,,Y,\nP2,,C,D,1981-01-01,F,,0,maybe\nP3,,E,F,1982-01-01,F,,true,N\n'
    const out = []
    for await (const p of readPatients(file)) out.push(p)
    expect(out.map((p) => (isReject(p) ? p.code : [p.patientId, p.active, p.restricted]))).toEqual([['P1', true, false], ['P2', false, true], ['P3', true, false]])
  })

  it('rejects a row with an unreadable active flag or no date of birth, naming the line', async () => {
    const file = 'patient_id,nhs_number,given_name,family_name,date_of_birth,sex,postcode,active_service\nP1,,A,B,1980-01-01,M,,perhaps\nP2,,C,D,,F,,1\n'
    const out = []
    for await (const p of readPatients(file)) out.push(p)
    expect(out.map((p) => (isReject(p) ? [p.line, p.code] : 'ok'))).toEqual([[2, 'active_service_invalid'], [3, expect.stringMatching(/missing|date/)]])
  })

  it('needs active_service or the referral columns', async () => {
    const gen = readPatients('patient_id,nhs_number,given_name,family_name,date_of_birth,sex,postcode\nP1,,A,B,1980-01-01,M,\n')
    await expect(gen.next()).rejects.toMatchObject({ code: 'COLUMN_MISSING' })
  })

  it('parses flags strictly', () => {
    expect([parseFlag('Y'), parseFlag('no'), parseFlag(' TRUE '), parseFlag('2')]).toEqual([true, false, true, null])
  })
})

describe('results CSV', () => {
  it('neutralises cells a spreadsheet would run as formulas', () => {
    expect(csvCell('=HYPERLINK("x")')).toBe(`"'=HYPERLINK(""x"")"`)
    expect(csvCell('+1')).toBe("'+1")
    expect(csvCell('-1')).toBe("'-1")
    expect(csvCell('@SUM(A1)')).toBe("'@SUM(A1)")
    expect(csvCell('BRFC-1')).toBe('BRFC-1')
    expect(toCsv(['ref', 'active_service'], [['A,1', true]])).toBe('ref,active_service\n"A,1",true\n')
  })
})
