/**
 * Repository functions for the `isa_version` table, identical in the council and side-car databases.
 * Every read re-hashes the stored document: a row whose document no longer matches its digest is an error,
 * never a silently different agreement.
 */
import { type ColumnType, type Kysely, type Selectable, type Transaction } from 'kysely'
import { errors } from '@healthflag/protocol'
import { isaDigest } from './digest.js'
import { parseIsaDocument, type IsaDocument, type IsaVersion } from './schema.js'

export interface IsaVersionTable {
  isa_id: ColumnType<string, string, never>
  version: ColumnType<number, number, never>
  digest: ColumnType<string, string, never>
  /** jsonb; written as a JSON string, read back as an object. */
  doc: ColumnType<unknown, string, never>
  status: ColumnType<string, string, never>
  effective_from: ColumnType<Date, Date | string, never>
  recorded_at: ColumnType<Date, Date | string | undefined, never>
  /** When this party put the version in the ledger (migrations 0003); null until then. */
  ledgered_at?: ColumnType<Date | null, never, Date | string>
}

export interface IsaTables {
  isa_version: IsaVersionTable
}

export type IsaDb = Kysely<IsaTables> | Transaction<IsaTables>

/** A stored version with the time this database recorded it. */
export interface StoredIsaVersion extends IsaVersion {
  recordedAt: Date
}

function fromRow(row: Selectable<IsaVersionTable>): StoredIsaVersion {
  const raw = typeof row.doc === 'string' ? (JSON.parse(row.doc) as unknown) : row.doc
  const doc: IsaDocument = parseIsaDocument(raw)
  if (isaDigest(doc) !== row.digest || doc.id !== row.isa_id || doc.version !== row.version) {
    throw errors.isaDigestMismatch(
      `The stored ISA ${row.isa_id} version ${row.version} no longer matches its digest; restore it from the registered copy before exchanging.`,
    )
  }
  return { doc, digest: row.digest, recordedAt: row.recorded_at }
}

/**
 * Records a version. Returns true when inserted, false when exactly this version was already recorded
 * (idempotent). Refuses a digest that is not the document's, a different document under an existing
 * (isa_id, version), and a version > 1 whose predecessor is not recorded here with the digest it supersedes.
 */
export async function saveIsaVersion(db: IsaDb, v: IsaVersion): Promise<boolean> {
  const doc = parseIsaDocument(v.doc)
  if (isaDigest(doc) !== v.digest) {
    throw errors.isaDigestMismatch(
      `ISA ${doc.id} version ${doc.version} does not match the digest given with it; recompute the digest from the document.`,
    )
  }
  const existing = await db
    .selectFrom('isa_version')
    .select(['digest'])
    .where('isa_id', '=', doc.id)
    .where('version', '=', doc.version)
    .executeTakeFirst()
  if (existing !== undefined) {
    if (existing.digest === v.digest) return false
    throw errors.conflict(
      `ISA ${doc.id} version ${doc.version} is already recorded with different content; versions are never edited, so register a new version instead.`,
    )
  }
  if (doc.version > 1) {
    const prev = await db
      .selectFrom('isa_version')
      .select(['digest'])
      .where('isa_id', '=', doc.id)
      .where('version', '=', doc.version - 1)
      .executeTakeFirst()
    if (prev === undefined || prev.digest !== doc.supersedes) {
      throw errors.conflict(
        `ISA ${doc.id} version ${doc.version} does not follow a recorded version ${doc.version - 1} with the digest it supersedes; record the earlier versions first.`,
      )
    }
  }
  const inserted = await db
    .insertInto('isa_version')
    .values({
      isa_id: doc.id,
      version: doc.version,
      digest: v.digest,
      doc: JSON.stringify(doc),
      status: doc.status,
      effective_from: new Date(doc.effective_from),
    })
    .onConflict((oc) => oc.doNothing())
    .returning('digest')
    .executeTakeFirst()
  if (inserted === undefined) {
    throw errors.conflict(
      `ISA ${doc.id} version ${doc.version} was recorded at the same moment by another request; reload the versions and try again.`,
    )
  }
  return true
}

/** Every recorded version of one agreement, oldest first. */
export async function listIsaVersions(db: IsaDb, isaId: string): Promise<StoredIsaVersion[]> {
  const rows = await db.selectFrom('isa_version').selectAll().where('isa_id', '=', isaId).orderBy('version').execute()
  return rows.map(fromRow)
}

/** The row of the version in effect at `at`: the latest to take effect by then, the highest version of those. */
function inEffect(db: IsaDb, isaId: string, at: Date) {
  return db.selectFrom('isa_version').where('isa_id', '=', isaId).where('effective_from', '<=', at).orderBy('effective_from', 'desc').orderBy('version', 'desc').limit(1)
}

/** The version in effect at `at` (same rule as `resolveVersion`), or undefined. */
export async function isaInEffect(db: IsaDb, isaId: string, at: Date): Promise<StoredIsaVersion | undefined> {
  const row = await inEffect(db, isaId, at).selectAll().executeTakeFirst()
  return row === undefined ? undefined : fromRow(row)
}

/**
 * The digest of the version in effect at `at` (as isaInEffect chooses it), without reading the document: for a caller
 * that keeps what it needs of each version by digest, versions being immutable.
 */
export async function isaDigestInEffect(db: IsaDb, isaId: string, at: Date): Promise<string | undefined> {
  return (await inEffect(db, isaId, at).select('digest').executeTakeFirst())?.digest
}

/** The version with this digest, whichever agreement it belongs to. */
export async function isaByDigest(db: IsaDb, digest: string): Promise<StoredIsaVersion | undefined> {
  const row = await db.selectFrom('isa_version').selectAll().where('digest', '=', digest).executeTakeFirst()
  return row === undefined ? undefined : fromRow(row)
}

/** The highest recorded version of each agreement, ordered by ISA id. */
export async function listIsas(db: IsaDb): Promise<StoredIsaVersion[]> {
  const rows = await db
    .selectFrom('isa_version')
    .selectAll()
    .distinctOn('isa_id')
    .orderBy('isa_id')
    .orderBy('version', 'desc')
    .execute()
  return rows.map(fromRow)
}

/** Versions this party has not yet recorded in the ledger, oldest first per agreement. */
export async function unledgeredIsaVersions(db: IsaDb): Promise<StoredIsaVersion[]> {
  const rows = await db.selectFrom('isa_version').selectAll().where('ledgered_at', 'is', null).orderBy('isa_id').orderBy('version').execute()
  return rows.map(fromRow)
}

/** Marks a version as recorded in the ledger by this party. */
export async function markIsaLedgered(db: IsaDb, digest: string, at: Date): Promise<void> {
  await db.updateTable('isa_version').set({ ledgered_at: at }).where('digest', '=', digest).where('ledgered_at', 'is', null).execute()
}
