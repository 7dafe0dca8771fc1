/**
 * A version's tokens on disk (docs/architecture.md, index storage): the kind codes and token bytes of each stored
 * chunk, one chunk after the other, in one file per index version in the side-car's index directory. PostgreSQL keeps
 * everything else of the version (its state, its patients' ids and flags, and per chunk where its bytes start in the
 * file and their SHA-256). Tokens are derived data: a file that is lost or damaged costs a re-import of the trust's
 * extract, never a wrong answer, as every chunk is checked against its digest when it is read.
 *
 * Why not in the database: writing the ~350 MB of token bytes of a million patients cost PostgreSQL 6.5–8 CPU-s (a
 * fifth of the whole import's CPU) and reading them back 8 s; a file takes ~0.7 CPU-s to write and well under a
 * second to read (docs/performance.md).
 */
import { createHash, randomBytes } from 'node:crypto'
import { mkdir, open, readdir, rename, rm, type FileHandle } from 'node:fs/promises'
import { join } from 'node:path'
import { errors } from '@healthflag/protocol'
import { TOKEN_BYTES } from '@healthflag/tokens'

const PARTIAL = '.partial'

/** SHA-256 of a chunk's bytes as the file holds them: its kind codes, then its tokens. */
export function chunkDigest(kinds: Uint8Array, tokens: Uint8Array): Uint8Array {
  return createHash('sha256').update(kinds).update(tokens).digest()
}

/**
 * Bytes appended between two flushes started in the background. Without them the whole file (~350 MB at a million
 * patients) was still only in the page cache when the import finished, and commit's fsync wrote all of it while the
 * import waited (0.12–0.17 s on this machine's virtual disk; over a second on a disk that writes a few hundred MB/s).
 */
const SYNC_EVERY = 64 << 20

/** Writes one version's file: appended to under a temporary name, renamed to its own once complete and on disk. */
export class TokenFileWriter {
  private size = 0
  private closed = false
  /** where the last background flush started covers the file up to, and that flush while it runs */
  private syncFrom = 0
  private syncing: Promise<void> | undefined
  private synced = 0
  /** a background flush's failure, reported by the next append or by commit */
  private failure: unknown

  private constructor(
    private readonly dir: string,
    readonly name: string,
    private readonly fh: FileHandle,
    private readonly syncEvery: number,
  ) {}

  /**
   * A new file for a version, readable and writable by the service's user only, in a directory likewise. `syncEvery`:
   * bytes appended between background flushes (tests make it small).
   */
  static async create(dir: string, versionId: number, opts?: { syncEvery?: number }): Promise<TokenFileWriter> {
    return storing(dir, async () => {
      await mkdir(dir, { recursive: true, mode: 0o700 })
      const name = `${filePrefix(versionId)}${randomBytes(6).toString('hex')}.tokens`
      const fh = await open(join(dir, name + PARTIAL), 'wx', 0o600)
      return new TokenFileWriter(dir, name, fh, opts?.syncEvery ?? SYNC_EVERY)
    })
  }

  /** How many of the file's first bytes a finished background flush has put on disk. */
  get syncedBytes(): number {
    return this.synced
  }

  /**
   * Appends a chunk's kinds and tokens (one call at a time); resolves with the offset they start at. Once `syncEvery`
   * bytes have been appended since the last flush began, another starts in the background (one at a time), so that
   * commit has only the file's end left to write.
   */
  async append(kinds: Uint8Array, tokens: Uint8Array): Promise<number> {
    this.throwFailure()
    const offset = this.size
    this.size += kinds.length + tokens.length
    await storing(this.dir, async () => {
      await writeAll(this.fh, kinds, offset)
      await writeAll(this.fh, tokens, offset + kinds.length)
    })
    if (this.syncing === undefined && this.size - this.syncFrom >= this.syncEvery) {
      const upTo = this.size
      this.syncFrom = upTo
      this.syncing = storing(this.dir, () => this.fh.datasync())
        .then(
          () => void (this.synced = upTo),
          (e: unknown) => void (this.failure ??= e),
        )
        .finally(() => (this.syncing = undefined))
    }
    return offset
  }

  /** Flushes the file to disk and gives it its name; the version may go live once this has resolved. */
  async commit(): Promise<void> {
    await this.syncing
    this.throwFailure()
    await storing(this.dir, async () => {
      await this.fh.sync()
      await this.close()
      await rename(join(this.dir, this.name + PARTIAL), join(this.dir, this.name))
      const d = await open(this.dir, 'r')
      try {
        await d.sync()
      } finally {
        await d.close()
      }
    })
  }

  /** Removes the unfinished file (a failed import). */
  async discard(): Promise<void> {
    await this.syncing
    await this.close().catch(() => undefined)
    await rm(join(this.dir, this.name + PARTIAL), { force: true })
  }

  private throwFailure(): void {
    if (this.failure !== undefined) throw this.failure
  }

  private async close(): Promise<void> {
    if (this.closed) return
    this.closed = true
    await this.fh.close()
  }
}

/** Reads chunks of a version's file into place, each checked against the digest stored for it. */
export class TokenFileReader {
  private constructor(
    private readonly fh: FileHandle,
    private readonly versionId: number,
  ) {}

  static async open(dir: string, name: string, versionId: number): Promise<TokenFileReader> {
    try {
      return new TokenFileReader(await open(join(dir, name), 'r'), versionId)
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') throw unreadable(versionId, `its token file ${name} is missing from the index directory`)
      throw e
    }
  }

  /** Reads `kinds.length` tokens stored at `offset` into `kinds` and `tokens`, and checks them against `digest`. */
  async readInto(offset: number, kinds: Uint8Array, tokens: Uint8Array, digest: Uint8Array): Promise<void> {
    if (tokens.length !== kinds.length * TOKEN_BYTES) throw new RangeError('a chunk has 16 token bytes per kind code')
    await readAll(this.fh, kinds, offset, this.versionId)
    await readAll(this.fh, tokens, offset + kinds.length, this.versionId)
    if (!equalBytes(chunkDigest(kinds, tokens), digest)) throw unreadable(this.versionId, 'its token file does not match the digests stored with it (damaged or replaced)')
  }

  async close(): Promise<void> {
    await this.fh.close()
  }
}

/** Deletes every file of these versions from the directory, finished or not. */
export async function removeTokenFiles(dir: string, versionIds: readonly number[]): Promise<void> {
  if (versionIds.length === 0) return
  let names: string[]
  try {
    names = await readdir(dir)
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return
    throw e
  }
  const prefixes = versionIds.map(filePrefix)
  await Promise.all(names.filter((n) => prefixes.some((p) => n.startsWith(p))).map((n) => rm(join(dir, n), { force: true })))
}

/**
 * Runs a write to the index directory; a failure of the file system (disk full, no permission, directory missing)
 * becomes an error the IG officer can act on, naming the directory and the system's reason, not an internal error.
 */
async function storing<T>(dir: string, write: () => Promise<T>): Promise<T> {
  try {
    return await write()
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code
    if (typeof code !== 'string') throw e
    const why = code === 'ENOSPC' || code === 'EDQUOT' ? 'the disk is full' : code === 'EACCES' || code === 'EPERM' || code === 'EROFS' ? 'the service may not write there' : `the file system said ${code}`
    throw errors.indexStorageFailed(`The side-car could not write the patient index's token file in its index directory (INDEX_DIR, ${dir}): ${why}. Nothing was loaded and the live index is unchanged; fix the directory and import again.`, { errno: code })
  }
}

function filePrefix(versionId: number): string {
  return `index-v${versionId}-`
}

function unreadable(versionId: number, why: string): Error {
  return errors.indexNotLoaded(`The live patient index (version ${versionId}) cannot be read: ${why}. Ask the trust IG team to import the patient index again.`)
}

async function writeAll(fh: FileHandle, bytes: Uint8Array, position: number): Promise<void> {
  for (let done = 0; done < bytes.length; ) {
    const { bytesWritten } = await fh.write(bytes, done, bytes.length - done, position + done)
    done += bytesWritten
  }
}

async function readAll(fh: FileHandle, into: Uint8Array, position: number, versionId: number): Promise<void> {
  for (let done = 0; done < into.length; ) {
    const { bytesRead } = await fh.read(into, done, into.length - done, position + done)
    if (bytesRead === 0) throw unreadable(versionId, 'its token file is shorter than the chunks stored with it')
    done += bytesRead
  }
}

function equalBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false
  return true
}
