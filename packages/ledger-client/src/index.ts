/**
 * How a party writes to the ledger and keeps it honest: every entry is signed by the party's Ed25519 key
 * and sent as a signed HTTP request, and the ledger must prove (by an inclusion proof in the checkpoint it
 * answers with) that the entry is in the log; every checkpoint the party sees is opened with the ledger's key and
 * proven (by a consistency proof) to extend the last one it accepted, and another party's view carried in
 * an exchange message is checked the same way, so a ledger leaving an entry out, showing two parties different
 * logs, or rolling back, is caught.
 */
import {
  bytesEqual,
  checkConsistency,
  entryBytes,
  fromBase64,
  leafHash,
  openCheckpoint,
  parseVerifierKey,
  signEntry,
  toBase64,
  toHex,
  verifyConsistency,
  verifyInclusion,
  type Checkpoint,
  type LedgerEntry,
  type NoteVerifier,
  type SignedEntry,
} from '@healthflag/ledger-core'
import { errors, type SigningKey } from '@healthflag/protocol'
import { signedFetch } from '@healthflag/service-kit'

export interface AppendResult {
  index: number
  leaf_hash: string
  checkpoint: string
}

/** The latest checkpoint a party has accepted: size, root (standard base64) and the signed note itself. */
export interface LedgerView {
  size: number
  root: string
  note: string
}

/** Another party's view as carried in an exchange message (the note lets us check the ledger signed it). */
export interface PeerView {
  size: number
  root: string
  note?: string
}

export type EntryInput = Omit<LedgerEntry, 'party' | 'at'> & { at?: string }

export * from './outbox.js'
export * from './party.js'

export interface LedgerClient {
  /**
   * Signs and appends an entry, then checks the ledger holds it: the leaf hash it answers with is ours, and an
   * inclusion proof puts the entry at the index it gave in the checkpoint it answered with. Throws LEDGER_INCONSISTENT
   * when either fails (the ledger left the entry out), LEDGER_UNAVAILABLE when the proof cannot be fetched.
   */
  append(entry: EntryInput): Promise<AppendResult>
  /** As append, for up to 1000 entries in one request (one inclusion proof fetched per entry). */
  appendMany(entries: EntryInput[]): Promise<{ appended: { index: number; leaf_hash: string }[]; checkpoint: string }>
  checkpoint(): Promise<string>
  /** The ledger's checkpoint key: the one given at construction, else fetched once from /v1/log and pinned. */
  verifier(): Promise<NoteVerifier & { origin: string }>
  /**
   * Opens `note` and proves it consistent with `prev`; returns the view to keep (the larger). Throws
   * LEDGER_INCONSISTENT on a bad signature, a fork, a rewrite or a rollback.
   */
  advanceView(prev: LedgerView | null, note: string): Promise<LedgerView>
  /** Checks another party's view against ours: the smaller must be a prefix of the larger. Throws LEDGER_INCONSISTENT. */
  checkPeerView(own: LedgerView | null, peer: PeerView): Promise<void>
}

// LEDGER_INCONSISTENT is for what the ledger proved wrong (a signature, a proof, a root): stop and tell the auditors.
// LEDGER_UNAVAILABLE is for a ledger that did not answer (down, 5xx, a body that is not JSON): nothing was proved
// either way, so nothing is accepted, and the caller tries again later.
const inconsistent = (why: string) => errors.ledgerInconsistent(`The ledger's checkpoints do not agree: ${why}. Stop exchanging and tell the ledger's auditors.`)
const notIncluded = (why: string) => errors.ledgerInconsistent(`The ledger did not prove it holds our entry: ${why}. Stop exchanging and tell the ledger's auditors.`)
const unavailable = (what: string) => errors.ledgerUnavailable(`The ledger ${what}; try again later.`)

/** Parallel inclusion-proof fetches per appendMany: enough to hide latency, few enough not to swamp the ledger. */
const PROOF_FETCHES = 8
const FETCH_TIMEOUT_MS = 30_000

export function createLedgerClient(opts: { url: string; key: SigningKey; ledgerKey?: string }): LedgerClient {
  let pinned: Promise<NoteVerifier & { origin: string }> | undefined
  const sign = (partial: EntryInput) => {
    const entry = { ...partial, party: opts.key.party, at: partial.at ?? new Date().toISOString() } as LedgerEntry
    return signEntry(entry, opts.key.privateKey, opts.key.party)
  }
  const get = async (path: string): Promise<Response> => {
    const route = path.split('?')[0] ?? path
    let res: Response
    try {
      res = await fetch(new URL(path, opts.url), { signal: AbortSignal.timeout(FETCH_TIMEOUT_MS) })
    } catch {
      throw unavailable(`could not be reached (${route})`)
    }
    // We only ask for proofs between sizes of checkpoints the ledger signed, so a 400 is the ledger refusing to prove
    // its own log (it lost entries: a rollback); any other refusal says nothing about the log.
    if (res.status === 400 && route.startsWith('/v1/proof/')) throw inconsistent(`the ledger refuses to prove sizes it signed (${route} answered HTTP 400)`)
    if (!res.ok) throw unavailable(`answered ${route} with HTTP ${res.status}`)
    return res
  }
  const getJson = async <T>(path: string): Promise<T> => {
    const res = await get(path)
    try {
      return (await res.json()) as T
    } catch {
      throw unavailable(`answered ${path.split('?')[0]} with a body that is not JSON`)
    }
  }
  /** A proof's hashes; one that is not a list of 32-byte hashes fails the verification it is fetched for. */
  const proofAt = async (path: string): Promise<Uint8Array[]> => {
    const body = await getJson<{ proof?: unknown }>(path)
    if (!Array.isArray(body?.proof)) throw inconsistent(`the ledger answered ${path.split('?')[0]} without a proof`)
    return body.proof.map((p) => (typeof p === 'string' ? fromBase64(p) : null) ?? new Uint8Array(0))
  }
  const consistency = (from: number, to: number): Promise<Uint8Array[]> => proofAt(`/v1/proof/consistency?from=${from}&to=${to}`)
  const open = async (note: string, what: string): Promise<Checkpoint> => {
    const v = await client.verifier()
    try {
      return openCheckpoint(note, v, { origin: v.origin })
    } catch (e) {
      throw inconsistent(`${what} (${(e as Error).message})`)
    }
  }
  const asView = (cp: Checkpoint, note: string): LedgerView => ({ size: cp.size, root: toBase64(cp.rootHash), note })
  const rootOf = (root: string, what: string): Uint8Array => {
    const r = fromBase64(root)
    if (r === null || r.length !== 32) throw inconsistent(`${what} has a malformed root`)
    return r
  }

  /**
   * Checks that the ledger holds each of our entries where it says: the leaf hash it answered with is the hash of
   * the leaf bytes we signed, and an inclusion proof puts that leaf at the index it gave in the checkpoint it answered
   * with. Without this, a host could answer an append with a made-up index and a genuine checkpoint of a log that
   * leaves the entry out, and every consistency check would still pass.
   */
  const confirmIncluded = async (signed: SignedEntry[], answered: unknown, note: unknown): Promise<void> => {
    if (!Array.isArray(answered) || answered.length !== signed.length) throw notIncluded(`it answered ${signed.length} appended entries with ${Array.isArray(answered) ? answered.length : 'no'} results`)
    if (typeof note !== 'string') throw notIncluded('it answered without a checkpoint')
    const cp = await open(note, 'the checkpoint answering an append does not open with the ledger key')
    const checks = signed.map((s, i) => async () => {
      const a = answered[i] as { index?: unknown; leaf_hash?: unknown } | null
      const leaf = leafHash(entryBytes(s))
      if (a?.leaf_hash !== toHex(leaf)) throw notIncluded(`it answered with another leaf hash than our entry's`)
      const index = a.index
      if (typeof index !== 'number' || !Number.isSafeInteger(index) || index < 0 || index >= cp.size) {
        throw notIncluded(`it put the entry at index ${typeof index === 'number' ? index : '(none)'}, outside its checkpoint of size ${cp.size}`)
      }
      const proof = await proofAt(`/v1/proof/inclusion?index=${index}&size=${cp.size}`)
      if (!verifyInclusion(leaf, index, cp.size, proof, cp.rootHash)) throw notIncluded(`its checkpoint of size ${cp.size} does not hold our entry at index ${index}`)
    })
    for (let i = 0; i < checks.length; i += PROOF_FETCHES) await Promise.all(checks.slice(i, i + PROOF_FETCHES).map((c) => c()))
  }

  const client: LedgerClient = {
    async append(partial) {
      const signed = sign(partial)
      const res = await signedFetch<AppendResult>(opts.url, opts.key, 'POST', '/v1/entries', signed)
      await confirmIncluded([signed], [res.body], res.body?.checkpoint)
      return res.body
    },
    async appendMany(partials) {
      const signed = partials.map(sign)
      const res = await signedFetch<{ appended: { index: number; leaf_hash: string }[]; checkpoint: string }>(opts.url, opts.key, 'POST', '/v1/entries/batch', { entries: signed })
      await confirmIncluded(signed, res.body?.appended, res.body?.checkpoint)
      return res.body
    },
    async checkpoint() {
      return await (await get('/v1/checkpoint')).text()
    },
    verifier() {
      pinned ??= (async () => {
        const vkey = opts.ledgerKey ?? (await getJson<{ vkey: string }>('/v1/log')).vkey
        const v = parseVerifierKey(vkey)
        return { ...v, origin: v.name }
      })()
      pinned.catch(() => (pinned = undefined))
      return pinned
    },
    async advanceView(prev, note) {
      const next = await open(note, 'a checkpoint does not open with the ledger key')
      if (prev === null) return asView(next, note)
      const before = await open(prev.note, 'the checkpoint we kept no longer opens with the ledger key (was the key replaced?)')
      if (next.size >= before.size) {
        const proof = next.size === before.size ? [] : await consistency(before.size, next.size)
        try {
          checkConsistency(before, next, proof)
        } catch (e) {
          throw inconsistent((e as Error).message)
        }
        return asView(next, note)
      }
      // An older checkpoint (answers to concurrent appends can arrive out of order): it must be a prefix of
      // ours, and the ledger must still be able to prove our size; a rolled-back ledger cannot.
      const proof = await consistency(next.size, before.size)
      if (!verifyConsistency(next.size, before.size, proof, next.rootHash, before.rootHash)) throw inconsistent(`checkpoint of size ${next.size} is not a prefix of the size ${before.size} we hold`)
      return prev
    },
    async checkPeerView(own, peer) {
      const theirs: Checkpoint = peer.note ? await open(peer.note, "the other party's checkpoint does not open with the ledger key") : { origin: '', size: peer.size, rootHash: rootOf(peer.root, "the other party's view") }
      if (peer.note && (theirs.size !== peer.size || !bytesEqual(theirs.rootHash, rootOf(peer.root, "the other party's view")))) throw inconsistent("the other party's view does not match its own note")
      const mine: Checkpoint | null = own ? await open(own.note, 'the checkpoint we kept no longer opens with the ledger key') : null
      if (!mine) return
      const [small, large] = mine.size <= theirs.size ? [mine, theirs] : [theirs, mine]
      if (small.size === large.size) {
        if (!bytesEqual(small.rootHash, large.rootHash)) throw inconsistent(`the other party was shown a different log of size ${small.size} (a fork)`)
        return
      }
      const proof = await consistency(small.size, large.size)
      if (!verifyConsistency(small.size, large.size, proof, small.rootHash, large.rootHash)) {
        throw inconsistent(`the other party's log (size ${theirs.size}) and ours (size ${mine.size}) are not one log (a fork)`)
      }
    },
  }
  return client
}
