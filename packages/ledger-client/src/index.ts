/**
 * How a party writes to the ledger and keeps it honest: every entry is signed by the party's Ed25519 key
 * and sent as a signed HTTP request; every checkpoint the party sees is opened with the ledger's key and
 * proven (by a consistency proof) to extend the last one it accepted, and another party's view carried in
 * an exchange message is checked the same way, so a ledger showing two parties different logs, or rolling
 * back, is caught.
 */
import {
  bytesEqual,
  checkConsistency,
  fromBase64,
  openCheckpoint,
  parseVerifierKey,
  signEntry,
  toBase64,
  verifyConsistency,
  type Checkpoint,
  type LedgerEntry,
  type NoteVerifier,
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

export interface LedgerClient {
  append(entry: EntryInput): Promise<AppendResult>
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

const inconsistent = (why: string) => errors.ledgerInconsistent(`The ledger's checkpoints do not agree: ${why}. Stop exchanging and tell the ledger's auditors.`)

export function createLedgerClient(opts: { url: string; key: SigningKey; ledgerKey?: string }): LedgerClient {
  let pinned: Promise<NoteVerifier & { origin: string }> | undefined
  const sign = (partial: EntryInput) => {
    const entry = { ...partial, party: opts.key.party, at: partial.at ?? new Date().toISOString() } as LedgerEntry
    return signEntry(entry, opts.key.privateKey, opts.key.party)
  }
  const getJson = async <T>(path: string): Promise<T> => {
    const res = await fetch(new URL(path, opts.url))
    if (!res.ok) throw inconsistent(`the ledger could not answer ${path.split('?')[0]} (HTTP ${res.status})`)
    return (await res.json()) as T
  }
  const consistency = async (from: number, to: number): Promise<Uint8Array[]> => {
    const body = await getJson<{ proof: string[] }>(`/v1/proof/consistency?from=${from}&to=${to}`)
    return body.proof.map((p) => fromBase64(p) ?? new Uint8Array(0))
  }
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

  const client: LedgerClient = {
    async append(partial) {
      const res = await signedFetch<AppendResult>(opts.url, opts.key, 'POST', '/v1/entries', sign(partial))
      return res.body
    },
    async appendMany(partials) {
      const res = await signedFetch<{ appended: { index: number; leaf_hash: string }[]; checkpoint: string }>(opts.url, opts.key, 'POST', '/v1/entries/batch', { entries: partials.map(sign) })
      return res.body
    },
    async checkpoint() {
      const res = await fetch(new URL('/v1/checkpoint', opts.url))
      if (!res.ok) throw new Error(`ledger checkpoint: HTTP ${res.status}`)
      return await res.text()
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
        try {
          checkConsistency(before, next, next.size === before.size ? [] : await consistency(before.size, next.size))
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
