import { mkdtemp, readFile, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { parse } from 'csv-parse/sync'
import fc from 'fast-check'
import { afterAll, describe, expect, it } from 'vitest'
import { generatePopulation, toCsv, writeCandidatesCsv, writePatientsCsv, writeTruthCsv } from '../src/index.js'

const dir = await mkdtemp(join(tmpdir(), 'synth-csv-'))
afterAll(() => rm(dir, { recursive: true, force: true }))

function parseCsv(text: string): Record<string, string>[] {
  return parse(text, { columns: true, skip_empty_lines: false, relax_column_count: false }) as Record<string, string>[]
}

describe('toCsv', () => {
  it('round-trips arbitrary strings through csv-parse, including quotes, commas, newlines and edge spaces', () => {
    fc.assert(
      fc.property(
        fc.array(fc.record({ a: fc.string(), b: fc.string({ unit: 'binary' }), c: fc.constantFrom('x', ' y', 'z ', '"q"', 'a,b', 'l1\nl2', 'r\r\n') }), {
          minLength: 1,
          maxLength: 20,
        }),
        (rows) => {
          const text = toCsv(rows, ['a', 'b', 'c'])
          expect(parseCsv(text)).toEqual(rows)
        },
      ),
      { numRuns: 300 },
    )
  })

  it('writes a header line, LF line endings and a final newline', () => {
    const text = toCsv([{ x: '1', y: 'two' }], ['x', 'y'])
    expect(text).toBe('x,y\n1,two\n')
  })

  it('quotes only the fields that need it', () => {
    expect(toCsv([{ v: "O'Brien" }, { v: 'Smith, Jr' }, { v: 'say "hi"' }, { v: ' pad' }], ['v'])).toBe(
      'v\nO\'Brien\n"Smith, Jr"\n"say ""hi"""\n" pad"\n',
    )
  })

  it('writes undefined optional fields as empty', () => {
    expect(toCsv([{ a: 'x', b: undefined as string | undefined }], ['a', 'b'])).toBe('a,b\nx,\n')
  })
})

describe('file writers', () => {
  const pop = generatePopulation({ seed: 4, patients: 12000, candidates: 3000, tier: 'hard', invalidRows: true, markers: true })

  it('write patients.csv with the exact header and rows that parse back unchanged', async () => {
    const path = join(dir, 'patients.csv')
    await writePatientsCsv(path, pop.patients)
    const text = await readFile(path, 'utf8')
    expect(text.slice(0, text.indexOf('\n'))).toBe(
      'patient_id,nhs_number,given_name,family_name,date_of_birth,sex,postcode,active_service,restricted',
    )
    expect(parseCsv(text)).toEqual(pop.patients)
  })

  it('write candidates.csv with the exact header and rows that parse back unchanged', async () => {
    const path = join(dir, 'candidates.csv')
    await writeCandidatesCsv(path, pop.candidates)
    const text = await readFile(path, 'utf8')
    expect(text.slice(0, text.indexOf('\n'))).toBe(
      'ref,nhs_number,given_name,family_name,date_of_birth,sex,postcode,criteria_met,district,family_id',
    )
    expect(text).not.toContain('\r')
    expect(parseCsv(text)).toEqual(pop.candidates)
  })

  it('leave out the restricted column when the rows have none', async () => {
    const plain = generatePopulation({ seed: 4, patients: 500, candidates: 50, tier: 'realistic', restrictedColumn: false })
    const path = join(dir, 'patients-unrestricted.csv')
    await writePatientsCsv(path, plain.patients)
    const text = await readFile(path, 'utf8')
    expect(text.slice(0, text.indexOf('\n'))).toBe('patient_id,nhs_number,given_name,family_name,date_of_birth,sex,postcode,active_service')
    expect(parseCsv(text)).toEqual(plain.patients)
  })

  it('quote hostile names so they parse back unchanged', async () => {
    const hostile = generatePopulation({ seed: 4, patients: 3000, candidates: 2000, tier: 'realistic', hostileRows: true })
    const path = join(dir, 'candidates-hostile.csv')
    await writeCandidatesCsv(path, hostile.candidates)
    const parsed = parseCsv(await readFile(path, 'utf8'))
    expect(parsed).toEqual(hostile.candidates)
    expect(parsed.some((r) => r.family_name!.startsWith('='))).toBe(true)
  })

  it('write truth.csv with patient ids, flags and noise labels', async () => {
    const path = join(dir, 'truth.csv')
    await writeTruthCsv(path, pop.truth)
    const rows = parseCsv(await readFile(path, 'utf8'))
    expect(Object.keys(rows[0]!)).toEqual(['ref', 'patient_id', 'expected_active', 'sent', 'noise'])
    expect(
      rows.map((r) => ({
        ref: r.ref,
        patientId: r.patient_id === '' ? null : r.patient_id,
        expectedActive: r.expected_active === 'true',
        sent: r.sent === 'true',
        noise: r.noise === '' ? [] : r.noise!.split(';'),
      })),
    ).toEqual(pop.truth)
  })
})
