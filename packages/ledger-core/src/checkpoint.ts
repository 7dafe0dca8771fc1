// C2SP tlog-checkpoint (https://c2sp.org/tlog-checkpoint): the log's signed statement of (size, root), and
// the check a party makes when it sees a newer checkpoint.
import { fromBase64, toBase64 } from './encoding.js'
import { HASH_SIZE } from './hash.js'
import { verifyConsistency } from './merkle.js'
import { openNote, signNote, type NoteSigner, type NoteVerifier } from './note.js'

export interface Checkpoint {
  origin: string
  size: number
  rootHash: Uint8Array
}

const CONTROL = /[\u0000-\u001f\u007f]/

function assertCheckpoint(cp: Checkpoint): void {
  if (cp.origin.length === 0 || CONTROL.test(cp.origin)) throw new Error('checkpoint origin must be one non-empty line')
  if (!Number.isSafeInteger(cp.size) || cp.size < 0) throw new Error('checkpoint size must be a non-negative integer')
  if (!(cp.rootHash instanceof Uint8Array) || cp.rootHash.length !== HASH_SIZE) {
    throw new Error('checkpoint root hash must be 32 bytes')
  }
}

/** The checkpoint body: "origin\nsize\nbase64(root)\n" (no extension lines). */
export function formatCheckpoint(cp: Checkpoint): string {
  assertCheckpoint(cp)
  return `${cp.origin}\n${cp.size}\n${toBase64(cp.rootHash)}\n`
}

/** Parses a checkpoint body. Extension lines after the root are allowed and ignored. */
export function parseCheckpoint(text: string): Checkpoint {
  if (!text.endsWith('\n')) throw new Error('checkpoint must end with a newline')
  const lines = text.slice(0, -1).split('\n')
  const [origin, sizeText, rootText, ...extensions] = lines
  if (origin === undefined || sizeText === undefined || rootText === undefined) {
    throw new Error('checkpoint must have origin, size and root lines')
  }
  if (origin.length === 0 || CONTROL.test(origin)) throw new Error('checkpoint origin is malformed')
  if (!/^(?:0|[1-9][0-9]*)$/.test(sizeText) || !Number.isSafeInteger(Number(sizeText))) {
    throw new Error('checkpoint size is malformed')
  }
  const rootHash = fromBase64(rootText)
  if (rootHash === null || rootHash.length !== HASH_SIZE) throw new Error('checkpoint root hash is malformed')
  if (extensions.some((l) => l.length === 0)) throw new Error('checkpoint extension lines must not be empty')
  return { origin, size: Number(sizeText), rootHash }
}

/** Signs a checkpoint as a signed note with the log's Ed25519 key. */
export function signCheckpoint(cp: Checkpoint, signer: NoteSigner): string {
  return signNote(formatCheckpoint(cp), signer)
}

/**
 * Opens a signed checkpoint: throws on bad syntax, a missing or invalid signature by `verifier`, or (when
 * `options.origin` is given) a checkpoint for another log.
 */
export function openCheckpoint(note: string, verifier: NoteVerifier, options: { origin?: string } = {}): Checkpoint {
  const cp = parseCheckpoint(openNote(note, verifier))
  if (options.origin !== undefined && cp.origin !== options.origin) throw new Error('checkpoint is for a different log')
  return cp
}

/**
 * A party's view check: `next` must extend `prev` (the last checkpoint this party accepted) as the
 * consistency proof shows. Throws a plain Error saying what is wrong; returns nothing when consistent.
 * With no previous checkpoint there is nothing to compare, and `next` is accepted as the first view.
 */
export function checkConsistency(prev: Checkpoint | null, next: Checkpoint, proof: readonly Uint8Array[]): void {
  assertCheckpoint(next)
  if (prev === null) return
  assertCheckpoint(prev)
  if (prev.origin !== next.origin) throw new Error('checkpoints are for different logs (origins differ)')
  if (next.size < prev.size) {
    throw new Error(`log shrank from size ${prev.size} to ${next.size}: truncated or rolled back`)
  }
  if (!verifyConsistency(prev.size, next.size, proof, prev.rootHash, next.rootHash)) {
    throw new Error(
      next.size === prev.size
        ? `log forked: two different roots for size ${next.size}`
        : `log of size ${next.size} is not an extension of size ${prev.size}: rewritten or forked, or the proof is wrong`,
    )
  }
}
