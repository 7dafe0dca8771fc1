import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { Kysely, sql } from 'kysely'
import { PGlite } from '@electric-sql/pglite'
import { PGliteDialect } from 'kysely-pglite-dialect'
import { ErrorCode } from '@healthflag/protocol'
import {
  isaByDigest,
  isaInEffect,
  isaVersion,
  listIsas,
  listIsaVersions,
  loadExampleIsa,
  nextVersion,
  saveIsaVersion,
  suspend,
  type IsaTables,
} from '../src/index.js'

let db: Kysely<IsaTables>

beforeAll(async () => {
  db = new Kysely<IsaTables>({ dialect: new PGliteDialect(new PGlite()) })
  // As in migrations/{council,sidecar}/0001_initial.sql.
  await sql`CREATE TABLE isa_version (
    isa_id          text        NOT NULL,
    version         integer     NOT NULL,
    digest          text        NOT NULL UNIQUE,
    doc             jsonb       NOT NULL,
    status          text        NOT NULL,
    effective_from  timestamptz NOT NULL,
    recorded_at     timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (isa_id, version)
  )`.execute(db)
})

afterAll(async () => {
  await db.destroy()
})

const v1 = isaVersion(loadExampleIsa())
const v2 = nextVersion(v1, { effective_from: '2026-12-01T00:00:00Z', review_date: '2027-02-01' })
const other = isaVersion({ ...loadExampleIsa(), id: 'brfc-sssft-mh-pilot', title: 'Pilot agreement' })

describe('ISA store', () => {
  it('records versions and reads them back with identical documents and digests', async () => {
    expect(await saveIsaVersion(db, v1)).toBe(true)
    expect(await saveIsaVersion(db, v2)).toBe(true)
    const versions = await listIsaVersions(db, v1.doc.id)
    expect(versions.map((v) => [v.doc.version, v.digest])).toEqual([
      [1, v1.digest],
      [2, v2.digest],
    ])
    expect(versions[0]!.doc).toEqual(v1.doc)
    expect(versions[1]!.doc).toEqual(v2.doc)
    expect(versions[0]!.recordedAt).toBeInstanceOf(Date)
  })

  it('treats recording the same version again as a no-op', async () => {
    expect(await saveIsaVersion(db, v1)).toBe(false)
    expect(await listIsaVersions(db, v1.doc.id)).toHaveLength(2)
  })

  it('refuses different content under an existing version number', async () => {
    const rival = nextVersion(v1, { effective_from: '2026-12-01T00:00:00Z', review_date: '2027-01-15' })
    await expect(saveIsaVersion(db, rival)).rejects.toMatchObject({ code: ErrorCode.CONFLICT, statusCode: 409 })
  })

  it('refuses a version whose predecessor is not recorded', async () => {
    const orphan = nextVersion(nextVersion(other, { effective_from: '2026-12-01T00:00:00Z' }), {
      effective_from: '2026-12-02T00:00:00Z',
    })
    await expect(saveIsaVersion(db, orphan)).rejects.toMatchObject({ code: ErrorCode.CONFLICT })
  })

  it('refuses a digest that is not the document’s', async () => {
    await expect(saveIsaVersion(db, { doc: other.doc, digest: v1.digest.replace(/^./, 'f') })).rejects.toMatchObject({
      code: ErrorCode.ISA_DIGEST_MISMATCH,
    })
  })

  it('finds the version in effect at a given time', async () => {
    expect(await isaInEffect(db, v1.doc.id, new Date('2015-01-01T00:00:00Z'))).toBeUndefined()
    expect((await isaInEffect(db, v1.doc.id, new Date('2026-11-30T23:59:59Z')))!.digest).toBe(v1.digest)
    expect((await isaInEffect(db, v1.doc.id, new Date('2026-12-01T00:00:00Z')))!.digest).toBe(v2.digest)
    expect(await isaInEffect(db, 'no-such-isa', new Date('2026-12-01T00:00:00Z'))).toBeUndefined()
  })

  it('finds a version by its digest', async () => {
    expect((await isaByDigest(db, v2.digest))!.doc.version).toBe(2)
    expect(await isaByDigest(db, '0'.repeat(64))).toBeUndefined()
  })

  it('lists the latest version of each agreement', async () => {
    await saveIsaVersion(db, other)
    const s = suspend(v2, new Date('2026-12-10T00:00:00Z'), 'Paused by both IG leads.')
    await saveIsaVersion(db, s)
    const latest = await listIsas(db)
    expect(latest.map((v) => [v.doc.id, v.doc.version, v.doc.status])).toEqual([
      ['brfc-sssft-mh', 3, 'suspended'],
      ['brfc-sssft-mh-pilot', 1, 'active'],
    ])
  })

  it('refuses to return a stored document that was altered behind its digest', async () => {
    await sql`UPDATE isa_version SET doc = jsonb_set(doc, '{title}', '"altered"') WHERE isa_id = 'brfc-sssft-mh-pilot'`.execute(db)
    await expect(isaByDigest(db, other.digest)).rejects.toMatchObject({ code: ErrorCode.ISA_DIGEST_MISMATCH })
  })

  it('works inside a caller’s transaction and rolls back with it', async () => {
    const pilot2 = isaVersion({ ...loadExampleIsa(), id: 'rollback-check' })
    await expect(
      db.transaction().execute(async (trx) => {
        await saveIsaVersion(trx, pilot2)
        expect(await listIsaVersions(trx, 'rollback-check')).toHaveLength(1)
        throw new Error('abort')
      }),
    ).rejects.toThrow('abort')
    expect(await listIsaVersions(db, 'rollback-check')).toHaveLength(0)
  })
})
