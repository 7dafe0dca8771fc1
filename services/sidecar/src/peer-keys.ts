/**
 * The peers' signing keys, as the ISA version in effect names them when a signed request arrives. A variation that
 * replaces the council's key (registered through POST /v1/isas) is honoured from its effective_from, not from the next
 * restart; the key of the version it replaced stops verifying then. Kept per version digest (versions are immutable),
 * so a request costs one indexed read of the digest in effect.
 */
import { fromBase64Url } from '@healthflag/protocol'
import { isaByDigest, isaDigestInEffect, type IsaDb, type IsaDocument } from '@healthflag/isa'

export class PeerKeys {
  private readonly byDigest = new Map<string, ReadonlyMap<string, Uint8Array>>()
  private current: ReadonlyMap<string, Uint8Array>

  constructor(
    private readonly isaDb: IsaDb,
    /** the side-car's own party id: its own key is never a peer's */
    private readonly party: string,
    /** the agreement loaded at start-up: its id, and its keys until a version of it is in effect */
    private readonly startup: IsaDocument,
  ) {
    this.current = peerKeysOf(startup, party)
  }

  /** Takes the keys of the version in effect at `at` (before verifying a request's signature). */
  async refresh(at: Date): Promise<void> {
    const digest = await isaDigestInEffect(this.isaDb, this.startup.id, at)
    if (digest === undefined) return
    let keys = this.byDigest.get(digest)
    if (!keys) {
      const v = await isaByDigest(this.isaDb, digest)
      if (!v) return
      keys = peerKeysOf(v.doc, this.party)
      this.byDigest.set(digest, keys)
    }
    this.current = keys
  }

  get(party: string): Uint8Array | undefined {
    return this.current.get(party)
  }
}

function peerKeysOf(doc: IsaDocument, own: string): ReadonlyMap<string, Uint8Array> {
  return new Map(doc.parties.filter((p) => p.id !== own).map((p) => [p.id as string, fromBase64Url(p.signing_key)]))
}
