// Issue 7: the streaming index import gives exactly what the plain definitions give — the same rows as
// readPatients, the same per-patient grouping and flags as grouping the whole file, the same match outcomes as
// buildMemoryIndex — however the file is cut into chunks and whichever thread does the work.
import { chmod, mkdtemp, readFile, readdir, rm, stat, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import fc from 'fast-check'
import { parse } from 'csv-parse/sync'
import { sql } from 'kysely'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createTestTarget, migrateToLatest, openDatabase, type TestTarget } from '@healthflag/db'
import { deriveActive, isaVersion, loadExampleIsa, withPartyKeys, type IsaDb, type IsaVersion } from '@healthflag/isa'
import type { LedgerClient } from '@healthflag/ledger-client'
import { isReject, readPatients, type PatientInput } from '@healthflag/records'
import { generatePartyKeys, publicKeys } from '@healthflag/service-kit'
import { generatePopulation, toCsv, PATIENT_COLUMNS, type PatientRow } from '@healthflag/synth'
import { activeFlag, buildMemoryIndex, createTokeniser, matchCandidate, normalisePerson } from '@healthflag/tokens'
import type { SidecarContext } from '../services/sidecar/src/context.js'
import type { SidecarDB } from '../services/sidecar/src/db/schema.js'
import { IndexCache } from '../services/sidecar/src/index-cache.js'
import { epochKeyFor, importIndex, importStatus, indexKindsFor } from '../services/sidecar/src/index-import.js'
import { readPlainPatients } from '../services/sidecar/src/import/fast-rows.js'
import { splitCsv } from '../services/sidecar/src/import/split.js'
import { CompactIndex } from '../services/sidecar/src/import/compact-index.js'

let target: TestTarget
let indexDir: string
let close: () => Promise<void>
let ctx: SidecarContext
let isa: IsaVersion
const ledgerEntries: unknown[] = []
const today = new Date()
const asOf = today.toISOString().slice(0, 10)

beforeAll(async () => {
  target = await createTestTarget('perfimport')
  indexDir = await mkdtemp(join(tmpdir(), 'hf-perfimport-'))
  const handle = await openDatabase<SidecarDB>(target.target)
  close = handle.close
  await migrateToLatest(handle.db, 'sidecar')
  const trust = generatePartyKeys()
  isa = isaVersion(withPartyKeys(loadExampleIsa(), { council: publicKeys(generatePartyKeys()), trust: publicKeys(trust) }))
  ctx = {
    db: handle.db,
    isaDb: handle.db as unknown as IsaDb,
    keys: trust,
    party: 'trust',
    ledger: { append: async (e: unknown) => (ledgerEntries.push(e), {}) } as unknown as LedgerClient,
    epoch: 1,
    indexes: new IndexCache(handle.db, indexDir),
    indexDir,
    now: () => today,
  }
})

afterAll(async () => {
  await close?.()
  await target?.drop()
  if (indexDir) await rm(indexDir, { recursive: true, force: true })
})

const clause = () => isa.doc.clauses[0]!
const patientsCsv = (rows: PatientRow[]) => toCsv(rows, [...PATIENT_COLUMNS] as (keyof PatientRow)[])

/** A referral-format extract: one line per referral, each patient's lines together. Some names need quotes. */
function referralCsv(rows: PatientRow[], seed: number): { csv: string; lines: number } {
  const services = [...clause().active_definition.services, 'PHYSIO']
  let out = 'patient_id,nhs_number,given_name,family_name,date_of_birth,sex,postcode,service,referred_on,discharged_on,restricted\n'
  let lines = 0
  let s = seed
  const rnd = (n: number) => ((s = (Math.imul(s, 1103515245) + 12345) >>> 0) >>> 16) % n
  for (const p of rows) {
    const family = rnd(50) === 0 ? `"${p.family_name}, Jr"` : p.family_name
    for (let k = 0, n = 1 + rnd(3); k < n; k++) {
      const referred = `20${10 + rnd(16)}-0${1 + rnd(9)}-1${rnd(9)}`
      const discharged = rnd(2) === 0 ? '' : `2026-0${1 + rnd(9)}-2${rnd(9)}`
      out += `${p.patient_id},${p.nhs_number},${p.given_name},${family},${p.date_of_birth},${p.sex},${p.postcode},${services[rnd(services.length)]},${referred},${discharged},${rnd(20) === 0 ? 'true' : 'false'}\n`
      lines++
    }
  }
  return { csv: out, lines }
}

async function loaded(): Promise<CompactIndex> {
  const live = await ctx.indexes.live()
  expect(live?.index).toBeInstanceOf(CompactIndex)
  return live!.index as CompactIndex
}

describe('plain chunk reader', () => {
  it('reads a quote-free chunk exactly as readPatients does, rejects and line numbers included', async () => {
    const pop = generatePopulation({ seed: 3, patients: 3000, candidates: 10, tier: 'hard', invalidRows: true })
    const bad = ['P9000001,,Ann,Smith,,F,ST4 7AB,true,false', ',,Bob,Jones,1980-01-01,M,ST4 7AB,true,false', 'P9000003,,Cy,Hale,1980-01-01,M,ST4 7AB,maybe,false', 'P9000004,,Di,Lee,2099-01-01,F,ST4 7AB,Y,']
    const csv = `${patientsCsv(pop.patients).replace(/"[^"]*"/g, 'X')}${bad.join('\n')}\n`
    const [header, ...rest] = csv.split('\n')
    const expected = []
    for await (const item of readPatients(csv, { today })) expected.push(item)
    const plain = readPlainPatients(`${header}\n`, rest.join('\n'), 2, today)
    expect(plain).toBeDefined()
    expect(plain!.filter(isReject).length).toBeGreaterThan(0)
    expect(plain).toEqual(expected)
  })

  it('skips a blank line and numbers the rows after it by their line in the file', () => {
    const rows = readPlainPatients('patient_id,nhs_number,given_name,family_name,date_of_birth,sex,postcode,active_service\n', 'P1,,Ann,Lee,1990-01-01,F,ST4 7AB,true\n\r\nP2,,Bo,Lee,1990-01-01,M,ST4 7AB,false\n', 2, today)
    expect(rows?.map((r) => [r.line, 'patientId' in r ? r.patientId : null])).toEqual([
      [2, 'P1'],
      [4, 'P2'],
    ])
  })

  it('leaves a chunk with quotes, or a row of the wrong width, to the CSV parser', () => {
    expect(readPlainPatients('patient_id,nhs_number,given_name,family_name,date_of_birth,sex,postcode,active_service\n', 'P1,,"A",B,1990-01-01,F,ST4 7AB,true\n', 2, today)).toBeUndefined()
    expect(readPlainPatients('patient_id,nhs_number,given_name,family_name,date_of_birth,sex,postcode,active_service\n', 'P1,,A,B,1990-01-01,F\n', 2, today)).toBeUndefined()
  })
})

describe('record-aligned splitting', () => {
  it('cuts a CSV into chunks of whole records that rejoin to the file, with the right first line numbers', async () => {
    const field = fc.oneof(fc.stringMatching(/^[a-z ]{0,6}$/), fc.stringMatching(/^[a-z,\n"]{1,6}$/).map((s) => `"${s.replace(/"/g, '""')}"`))
    await fc.assert(
      fc.asyncProperty(fc.array(fc.tuple(field, field, field), { minLength: 1, maxLength: 60 }), fc.integer({ min: 1, max: 64 }), fc.integer({ min: 1, max: 64 }), fc.integer({ min: 1, max: 50 }), async (rows, target, last, piece) => {
        const header = 'a,b,c\n'
        const body = rows.map((r) => r.join(',') + '\n').join('')
        const bytes = Buffer.from(header + body)
        const pieces = []
        for (let i = 0; i < bytes.length; i += piece) pieces.push(bytes.subarray(i, i + piece))
        let joined = ''
        let records = 0
        for await (const c of splitCsv((async function* () { yield* pieces })(), { targetBytes: target, lastBytes: last })) {
          expect(Buffer.from(c.header).toString()).toBe(header)
          const text = Buffer.from(c.body).toString()
          expect(c.firstLine).toBe(2 + (joined.match(/\n/g)?.length ?? 0))
          records += (parse(header + text) as string[][]).length - 1
          joined += text
        }
        expect(joined).toBe(body)
        expect(records).toBe(rows.length)
      }),
      { numRuns: 200 },
    )
  })

  it('cuts what is held when the source ends into chunks of about lastBytes, the rest into chunks of about targetBytes', async () => {
    const header = 'a,b,c\n'
    const body = Array.from({ length: 500 }, (_, i) => `r${String(i).padStart(5, '0')},xxxxxx,yyyyyy\n`).join('')
    const sizes: number[] = []
    for await (const c of splitCsv((async function* () { yield Buffer.from(header + body) })(), { targetBytes: 1000, lastBytes: 100 })) sizes.push(c.body.length)
    expect(sizes.reduce((a, b) => a + b, 0)).toBe(body.length)
    // Every chunk ends at the first record boundary at or after its target: rows are 21 bytes.
    const full = sizes.filter((n) => n >= 1000)
    const small = sizes.filter((n) => n < 1000)
    expect(full.every((n) => n < 1000 + 21)).toBe(true)
    expect(small.length).toBeGreaterThanOrEqual(2)
    expect(small.every((n) => n < 100 + 21)).toBe(true)
    expect(sizes.slice(0, full.length)).toEqual(full)
  })

  it('refuses a quote that is never closed once it exceeds the record limit, naming the line', async () => {
    const src = [Buffer.from('a,b\n1,2\n3,"never closed\n' + 'x\n'.repeat(200))]
    const run = async () => {
      for await (const _ of splitCsv(src as never, { targetBytes: 8, maxRecordBytes: 100 })) void _
    }
    await expect(run()).rejects.toMatchObject({ code: 'FILE_MALFORMED', details: { line: 3 } })
  })
})

describe('streaming import', () => {
  it('groups a referral-format extract cut across many chunks as grouping the whole file does, on worker threads', async () => {
    const pop = generatePopulation({ seed: 5, patients: 2500, candidates: 10, tier: 'clean' })
    const { csv, lines } = referralCsv(pop.patients, 9)
    const report = await importIndex(ctx, isa, Buffer.from(csv), { asOf, chunkBytes: 4096, workers: 'threads' })
    expect(report.rows_read).toBe(lines)
    expect(report.rows_rejected).toBe(0)
    expect(report.patients_loaded).toBe(pop.patients.length)

    // Reference: every row of a patient in one list, then the ISA's rule.
    const byId = new Map<string, PatientInput[]>()
    for await (const item of readPatients(csv, { today })) if (!isReject(item)) byId.set(item.patientId, [...(byId.get(item.patientId) ?? []), item])
    const index = await loaded()
    let active = 0
    for (const [id, rows] of byId) {
      const referrals = rows.flatMap((r) => (r.referral ? [r.referral] : []))
      const expected = deriveActive(referrals, clause().active_definition, new Date(`${asOf}T12:00:00Z`))
      const p = index.patient(id)!
      expect({ id, active: p.active, restricted: p.restricted }).toEqual({ id, active: expected, restricted: rows.some((r) => r.restricted) })
      if (expected) active++
    }
    expect(active).toBeGreaterThan(100)
    expect(active).toBeLessThan(byId.size)
    expect(importStatus(ctx.db)).toMatchObject({ state: 'live', rows_read: lines, patients_loaded: pop.patients.length })
  })

  it("gives every patient exactly its own tokens when results' buffers are reused, across chunks that only continue a patient", async () => {
    const pop = generatePopulation({ seed: 15, patients: 1200, candidates: 0, tier: 'realistic' })
    const { csv } = referralCsv(pop.patients, 3)
    // One patient's rows fill several whole chunks: those chunks' results add nothing, and the held patient's tokens
    // stay in the first one's buffers, which must not go back to the workers meanwhile.
    const long = pop.patients[600]!
    const extra = Array.from({ length: 400 }, (_, k) => `${long.patient_id},${long.nhs_number},${long.given_name},${long.family_name},${long.date_of_birth},${long.sex},${long.postcode},PHYSIO,2015-01-1${k % 9},,false`).join('\n')
    const lines = csv.split('\n')
    const at = lines.findIndex((l) => l.startsWith(`${long.patient_id},`))
    const withLong = [...lines.slice(0, at + 1), extra, ...lines.slice(at + 1)].join('\n')
    const report = await importIndex(ctx, isa, Buffer.from(withLong), { asOf, chunkBytes: 4096, workers: 'threads' })
    expect(report.patients_loaded).toBe(pop.patients.length)
    const index = await loaded()
    const reference = createTokeniser(epochKeyFor(ctx, isa), { kinds: indexKindsFor(isa), impl: 'noble' })
    for (const p of pop.patients) {
      const expected = reference.tokens(normalisePerson(p, { today }).person)
      const got = index.patient(p.patient_id)!.tokens
      for (const k of Object.keys(expected) as (keyof typeof expected)[]) expect([p.patient_id, k, [...(got[k] ?? [])].sort()]).toEqual([p.patient_id, k, [...expected[k]!].sort()])
    }
  })

  it('refuses the rows of a patient who appears again after other patients, and loads the rest', async () => {
    const pop = generatePopulation({ seed: 6, patients: 30, candidates: 10, tier: 'clean' })
    const rows = [...pop.patients, { ...pop.patients[3]!, postcode: 'ST4 7AB' }]
    const report = await importIndex(ctx, isa, Buffer.from(patientsCsv(rows)), { asOf, workers: 'inline' })
    expect(report.patients_loaded).toBe(30)
    expect(report.rejects).toEqual([expect.objectContaining({ line: 32, code: 'patient_id_repeated' })])
  })

  it('matches every candidate exactly as the memory index of the same patients does', async () => {
    const pop = generatePopulation({ seed: 8, patients: 20_000, candidates: 1500, tier: 'hard' })
    await importIndex(ctx, isa, Buffer.from(patientsCsv(pop.patients)), { asOf, chunkBytes: 64 * 1024, workers: 'threads' })
    // Built by the import from the chunks it kept (two stored rows at 20 k patients) ...
    expect((await ctx.indexes.live())?.builtFrom).toBe('import')
    const compact = await loaded()
    // ... and read back from the tables, as after a restart.
    const again = (await new IndexCache(ctx.db, indexDir).live())!
    expect(again.builtFrom).toBe('tables')
    const readBack = again.index
    const key = epochKeyFor(ctx, isa)
    const reference = createTokeniser(key, { kinds: indexKindsFor(isa), impl: 'noble' })
    const patients = []
    for await (const item of readPatients(patientsCsv(pop.patients), { today })) {
      if (!isReject(item)) patients.push({ id: item.patientId, tokens: reference.tokens(item.person), active: Boolean(item.active), restricted: item.restricted })
    }
    const memory = buildMemoryIndex(patients)
    expect(compact.size).toBe(memory.size)
    let matched = 0
    for (const c of pop.candidates) {
      const tokens = reference.tokens(normalisePerson(c, { today }).person)
      const a = matchCandidate(tokens, compact)
      expect(a).toEqual(matchCandidate(tokens, memory))
      expect(matchCandidate(tokens, readBack)).toEqual(a)
      expect(activeFlag(a, compact)).toBe(activeFlag(a, memory))
      expect(activeFlag(a, readBack)).toBe(activeFlag(a, memory))
      if (a.reason === 'matched') matched++
    }
    expect(matched).toBeGreaterThan(300)
  })

  // The room fills up part-way through gathering a stored chunk: before the first is stored (100 k tokens), or after
  // the first is kept (350 k: a stored chunk of 16,384 patients holds ~330 k); what was gathered moves to the staging
  // buffer, and the file must still hold every patient's own tokens.
  it.each([100_000, 350_000])('reads a version back from its tables when it holds more tokens than an import keeps (room for %i)', async (keepTokens) => {
    const pop = generatePopulation({ seed: 9, patients: 40_000, candidates: 800, tier: 'realistic' })
    const report = await importIndex(ctx, isa, Buffer.from(patientsCsv(pop.patients)), { asOf, chunkBytes: 64 * 1024, workers: 'threads', keepTokens })
    const live = (await ctx.indexes.live())!
    expect(live).toMatchObject({ versionId: report.version_id, builtFrom: 'tables' })
    expect(live.index.size).toBe(40_000)
    const reference = createTokeniser(epochKeyFor(ctx, isa), { kinds: indexKindsFor(isa), impl: 'noble' })
    const patients = []
    for await (const item of readPatients(patientsCsv(pop.patients), { today })) {
      if (!isReject(item)) patients.push({ id: item.patientId, tokens: reference.tokens(item.person), active: Boolean(item.active), restricted: item.restricted })
    }
    const memory = buildMemoryIndex(patients)
    // Every patient holds exactly its own tokens (one wrong token anywhere in the file shows here) ...
    const sorted = (t: Record<string, readonly string[]>) => Object.entries(t).map(([k, v]) => `${k}:${[...v].sort().join(',')}`).sort().join(';')
    const wrong = patients.filter((p) => sorted(live.index.patient(p.id)!.tokens) !== sorted(p.tokens)).map((p) => p.id)
    expect(wrong).toEqual([])
    // ... and the candidates are answered as by the memory index.
    let matched = 0
    for (const c of pop.candidates) {
      const tokens = reference.tokens(normalisePerson(c, { today }).person)
      const a = matchCandidate(tokens, live.index)
      expect(a).toEqual(matchCandidate(tokens, memory))
      if (a.reason === 'matched') matched++
    }
    expect(matched).toBeGreaterThan(150)
  })

  it('keeps the live version when an import fails, and marks the failed one', async () => {
    const before = await ctx.indexes.live()
    await expect(importIndex(ctx, isa, Buffer.from('patient_id,given_name\nP1,Ann\n'), { asOf })).rejects.toMatchObject({ code: 'COLUMN_MISSING' })
    const after = await ctx.indexes.live()
    expect(after?.versionId).toBe(before?.versionId)
    const last = await ctx.db.selectFrom('index_version').select(['id', 'status']).orderBy('id', 'desc').executeTakeFirstOrThrow()
    expect(last.status).toBe('failed')
    expect(await filesOf(last.id)).toEqual([])
  })

  it('refuses a file in which every row is rejected, naming the first reject, and keeps the live version', async () => {
    const before = await ctx.indexes.live()
    const header = 'patient_id,nhs_number,given_name,family_name,date_of_birth,sex,postcode,active_service'
    const rows = ['P1,,Ann,Lee,01/13/1980,F,ST16 2AB,true', 'P2,,Bob,Lee,31/02/1981,M,ST16 2AB,false']
    const run = importIndex(ctx, isa, Buffer.from(`${header}\n${rows.join('\n')}\n`), { asOf })
    await expect(run).rejects.toMatchObject({ code: 'FILE_MALFORMED', details: { rows_rejected: 2 } })
    await expect(run).rejects.toThrow(/None of the file's 2 rows could be loaded \(line 2, /)
    expect((await ctx.indexes.live())?.versionId).toBe(before?.versionId)
    const last = await ctx.db.selectFrom('index_version').select(['status']).orderBy('id', 'desc').executeTakeFirstOrThrow()
    expect(last.status).toBe('failed')
  })

  it('stores nothing more for an import whose source fails part-way, not even the chunks still on the workers', async () => {
    const pop = generatePopulation({ seed: 41, patients: 60_000, candidates: 0, tier: 'clean' })
    const csv = Buffer.from(toCsv(pop.patients, [...PATIENT_COLUMNS] as (keyof PatientRow)[]))
    // The file in pieces, then the connection drops half-way: chunks stored, and ~4 (a few thousand patients each)
    // still on the workers, which answer after the import has failed.
    async function* dropped(): AsyncGenerator<Uint8Array> {
      for (let at = 0; at < csv.length / 2; at += 65_536) yield csv.subarray(at, at + 65_536)
      throw new Error('connection reset')
    }
    await expect(importIndex(ctx, isa, dropped(), { asOf, chunkBytes: 256 * 1024, workers: 'threads' })).rejects.toThrow('connection reset')
    const failed = await ctx.db.selectFrom('index_version').select(['id', 'status']).orderBy('id', 'desc').executeTakeFirstOrThrow()
    expect(failed.status).toBe('failed')
    const atFailure = importStatus(ctx.db)
    expect(atFailure).toMatchObject({ state: 'failed', version_id: failed.id })
    // Time for the workers' last answers to arrive: none of them is taken in.
    await new Promise((r) => setTimeout(r, 1500))
    expect(importStatus(ctx.db)).toEqual(atFailure)
    const rows = await sql<{ n: number }>`select count(*)::int as n from index_chunk where version_id = ${failed.id}`.execute(ctx.db)
    expect(rows.rows[0]!.n).toBe(0)
    expect(await filesOf(failed.id)).toEqual([])
  })
})

/** The index directory's files of one version (finished or not). */
async function filesOf(versionId: number): Promise<string[]> {
  return (await readdir(indexDir)).filter((n) => n.startsWith(`index-v${versionId}-`))
}

async function layoutOf(versionId: number): Promise<{ file_name: string | null; tokens: number; chunks: number }> {
  const r = await sql<{ file_name: string | null; tokens: number; chunks: number }>`select file_name, tokens::int as tokens, chunks from index_layout where version_id = ${versionId}`.execute(ctx.db)
  return r.rows[0]!
}

describe('token files', () => {
  const pop = generatePopulation({ seed: 12, patients: 5000, candidates: 400, tier: 'realistic' })
  const csv = () => Buffer.from(patientsCsv(pop.patients))
  const key = () => createTokeniser(epochKeyFor(ctx, isa), { kinds: indexKindsFor(isa), impl: 'noble' })
  /** Every candidate's outcome against an index, to compare two ways of reading one version. */
  const outcomes = (index: Parameters<typeof matchCandidate>[1]) => pop.candidates.map((c) => matchCandidate(key().tokens(normalisePerson(c, { today }).person), index))

  it("keeps a version's tokens in its own file, not in the database; each chunk names its place and digest", async () => {
    const report = await importIndex(ctx, isa, csv(), { asOf, chunkBytes: 64 * 1024, workers: 'threads' })
    const layout = await layoutOf(report.version_id)
    expect(layout.file_name).toMatch(new RegExp(`^index-v${report.version_id}-[0-9a-f]{12}\\.tokens$`))
    expect(layout.chunks).toBeGreaterThan(0)
    expect(await filesOf(report.version_id)).toEqual([layout.file_name])
    const file = await stat(join(indexDir, layout.file_name!))
    // one kind code and 16 token bytes per token; only the service's user may read it
    expect(file.size).toBe(layout.tokens * 17)
    expect(file.mode & 0o777).toBe(0o600)
    expect((await stat(indexDir)).mode & 0o777).toBe(0o700)
    const inRows = await sql<{ n: number; placed: number }>`
      select count(*) filter (where kinds is not null or token_bytes is not null)::int as n,
             count(*) filter (where file_offset is not null and length(file_digest) = 32)::int as placed
      from index_chunk where version_id = ${report.version_id}`.execute(ctx.db)
    expect(inRows.rows[0]).toEqual({ n: 0, placed: layout.chunks })
    // Read back from the file (as after a restart), it answers as the index the import built.
    const fromImport = (await ctx.indexes.live())!
    expect(fromImport.builtFrom).toBe('import')
    const readBack = (await new IndexCache(ctx.db, indexDir).live())!
    expect(readBack.builtFrom).toBe('tables')
    const expected = outcomes(fromImport.index)
    expect(expected.filter((o) => o.reason === 'matched').length).toBeGreaterThan(50)
    expect(outcomes(readBack.index)).toEqual(expected)
  })

  it('refuses to read a damaged or missing token file, and says to import again', async () => {
    const live = (await ctx.indexes.live())!
    const path = join(indexDir, (await layoutOf(live.versionId)).file_name!)
    const original = await readFile(path)
    try {
      const damaged = Buffer.from(original)
      damaged[Math.floor(damaged.length / 2)]! ^= 1
      await writeFile(path, damaged)
      await expect(new IndexCache(ctx.db, indexDir).live()).rejects.toMatchObject({ code: 'INDEX_NOT_LOADED', message: expect.stringMatching(/damaged.*import the patient index again/) })
      await writeFile(path, original.subarray(0, original.length - 16))
      await expect(new IndexCache(ctx.db, indexDir).live()).rejects.toMatchObject({ code: 'INDEX_NOT_LOADED', message: expect.stringMatching(/shorter.*import the patient index again/) })
      await rm(path)
      await expect(new IndexCache(ctx.db, indexDir).live()).rejects.toMatchObject({ code: 'INDEX_NOT_LOADED', message: expect.stringMatching(/missing.*import the patient index again/) })
    } finally {
      await writeFile(path, original)
      await chmod(path, 0o600)
    }
    expect((await new IndexCache(ctx.db, indexDir).live())!.index.size).toBe(live.index.size)
  })

  it('reads a version stored before the token files from its rows', async () => {
    const live = (await ctx.indexes.live())!
    const layout = await layoutOf(live.versionId)
    const path = join(indexDir, layout.file_name!)
    const bytes = await readFile(path)
    // Move each chunk's bytes from the file into its row, as the release before the token files stored them.
    const chunks = await sql<{ chunk_no: number; tokens: number; file_offset: string }>`select chunk_no, tokens, file_offset from index_chunk where version_id = ${live.versionId}`.execute(ctx.db)
    await ctx.db.transaction().execute(async (trx) => {
      for (const c of chunks.rows) {
        const at = Number(c.file_offset)
        const kinds = bytes.subarray(at, at + c.tokens).toString('base64')
        const tokens = bytes.subarray(at + c.tokens, at + c.tokens * 17).toString('base64')
        await sql`update index_chunk set kinds = decode(${kinds}, 'base64'), token_bytes = decode(${tokens}, 'base64'), file_offset = null, file_digest = null
                  where version_id = ${live.versionId} and chunk_no = ${c.chunk_no}`.execute(trx)
      }
      await sql`update index_layout set file_name = null where version_id = ${live.versionId}`.execute(trx)
    })
    await rm(path)
    const legacy = (await new IndexCache(ctx.db, indexDir).live())!
    expect(legacy.versionId).toBe(live.versionId)
    expect(outcomes(legacy.index)).toEqual(outcomes(live.index))
  })

  it('refuses an import it cannot store, naming the index directory, and keeps the live version', async () => {
    const before = (await ctx.indexes.live())!
    // A directory that cannot be made: its parent is a file.
    const blocker = join(indexDir, 'not-a-directory')
    await writeFile(blocker, 'x')
    const broken = { ...ctx, indexDir: join(blocker, 'index') }
    await expect(importIndex(broken, isa, csv(), { asOf, workers: 'inline' })).rejects.toMatchObject({
      code: 'INDEX_STORAGE_FAILED',
      statusCode: 507,
      message: expect.stringMatching(/could not write .* \(INDEX_DIR, .*not-a-directory\/index\): the file system said ENOTDIR\. Nothing was loaded/),
    })
    const last = await ctx.db.selectFrom('index_version').select(['status']).orderBy('id', 'desc').executeTakeFirstOrThrow()
    expect(last.status).toBe('failed')
    expect((await ctx.indexes.live())!.versionId).toBe(before.versionId)
    await rm(blocker)
  })

  it("removes the unfinished file of an import whose process died, once the next import has marked it failed", async () => {
    // What a process killed mid-import leaves: a version still 'loading' and its file under the temporary name.
    const dead = await ctx.db.insertInto('index_version').values({ status: 'loading', as_of: asOf, source_digest: '', epoch: 1, key_kcv: 'x' }).returning('id').executeTakeFirstOrThrow()
    await writeFile(join(indexDir, `index-v${dead.id}-0123456789ab.tokens.partial`), Buffer.alloc(4096, 7))
    await importIndex(ctx, isa, csv(), { asOf, workers: 'inline' })
    const row = await ctx.db.selectFrom('index_version').select('status').where('id', '=', dead.id).executeTakeFirstOrThrow()
    expect(row.status).toBe('failed')
    expect(await filesOf(dead.id)).toEqual([])
  })

  it('deletes the files of versions retired longer than the grace period, and keeps the others', async () => {
    const first = await importIndex(ctx, isa, csv(), { asOf, workers: 'inline' })
    const second = await importIndex(ctx, isa, csv(), { asOf, workers: 'inline' })
    // Within the grace period the retired version keeps its file (an exchange may still be reading it back).
    expect(await filesOf(first.version_id)).toHaveLength(1)
    // (The file's clock stands at its start; the versions were retired after it by the database's.)
    const third = await importIndex({ ...ctx, now: () => new Date(Date.now() + 1000) }, isa, csv(), { asOf, workers: 'inline', graceMs: 0 })
    expect(await filesOf(first.version_id)).toEqual([])
    expect(await filesOf(second.version_id)).toEqual([])
    expect(await filesOf(third.version_id)).toHaveLength(1)
    // Nothing but the live version's file is left, whatever came before.
    expect((await readdir(indexDir)).filter((n) => !n.startsWith(`index-v${third.version_id}-`))).toEqual([])
  })
})
