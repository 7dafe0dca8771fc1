/**
 * The live patient index in memory, built once per index version from what the side-car stored (the packed chunks
 * of import/store.ts and the version's token file, as a CompactIndex; a version stored by an earlier release, one
 * JSONB row per patient, as a memory index). A version is immutable once live, so a cached copy can never be half
 * old, half new.
 */
import type { Kysely } from 'kysely'
import { buildMemoryIndex, type IndexedPatient, type MatchKeyKind, type PatientIndex } from '@healthflag/tokens'
import type { SidecarDB } from './db/schema.js'
import { importPool } from './import/pool.js'
import { loadCompactIndex } from './import/store.js'

export interface LiveIndex {
  versionId: number
  asOf: string
  kcv: string
  epoch: number
  index: PatientIndex
  /** built from the chunks the import that made it live had kept, or read back from what it stored */
  builtFrom: 'import' | 'tables'
}

export class IndexCache {
  private cached: Promise<LiveIndex> | undefined
  private cachedId: number | undefined
  /** the cached build has finished */
  private ready = false

  constructor(
    private readonly db: Kysely<SidecarDB>,
    /** the index directory, where the versions' token files are */
    private readonly dir: string,
  ) {}

  /**
   * Takes a version's index being built as the cached one: read back from the tables (live), or built by the import
   * that has just made it live, from the chunks it stored, so that the first exchange does not read it back. A build
   * that fails leaves nothing cached: the next caller loads the version from its tables.
   */
  prime(versionId: number, index: Promise<LiveIndex>): void {
    this.cachedId = versionId
    this.cached = index
    this.ready = false
    index.then(
      () => {
        if (this.cached === index) this.ready = true
      },
      () => {
        if (this.cached === index) {
          this.cached = undefined
          this.cachedId = undefined
        }
      },
    )
  }

  /**
   * Whether a version's index is in this process' memory: 'ready' to match, 'building' (an exchange now waits for it),
   * or 'not_loaded' (the next exchange reads it back first, or a read failed and the next one tries again).
   */
  inMemory(versionId: number): 'ready' | 'building' | 'not_loaded' {
    if (this.cachedId !== versionId || !this.cached) return 'not_loaded'
    return this.ready ? 'ready' : 'building'
  }

  /** The live version, or undefined when no index was ever loaded. */
  async live(): Promise<LiveIndex | undefined> {
    const v = await this.db.selectFrom('index_version').selectAll().where('status', '=', 'live').executeTakeFirst()
    if (!v) return undefined
    if (this.cachedId !== v.id || !this.cached) this.prime(v.id, this.load(v.id, asDate(v.as_of), v.key_kcv, v.epoch))
    return this.cached
  }

  private async load(versionId: number, asOf: string, kcv: string, epoch: number): Promise<LiveIndex> {
    const compact = await loadCompactIndex(this.db, versionId, this.dir, importPool().parallelFill())
    if (compact) return { versionId, asOf, kcv, epoch, index: compact, builtFrom: 'tables' }
    const patients: IndexedPatient[] = []
    const PAGE = 20_000
    for (let from = 0; ; from += PAGE) {
      const rows = await this.db
        .selectFrom('index_patient')
        .select(['seq', 'patient_id', 'active', 'restricted', 'tokens'])
        .where('version_id', '=', versionId)
        .where('seq', '>=', from)
        .where('seq', '<', from + PAGE)
        .orderBy('seq')
        .execute()
      for (const r of rows) patients.push({ id: r.patient_id, active: r.active, restricted: r.restricted, tokens: r.tokens as Partial<Record<MatchKeyKind, string[]>> })
      if (rows.length === 0) {
        const more = await this.db.selectFrom('index_patient').select('seq').where('version_id', '=', versionId).where('seq', '>=', from).limit(1).executeTakeFirst()
        if (!more) break
      }
    }
    return { versionId, asOf, kcv, epoch, index: buildMemoryIndex(patients), builtFrom: 'tables' }
  }
}

export function asDate(v: unknown): string {
  return v instanceof Date ? v.toISOString().slice(0, 10) : String(v).slice(0, 10)
}
