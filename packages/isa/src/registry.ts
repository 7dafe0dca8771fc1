/**
 * Pure version logic. An agreement is a chain of versions; a variation, suspension or expiry is a new
 * version that names the digest of the one before it. Nothing here edits a version in place.
 */
import { errors } from '@healthflag/protocol'
import { isaDigest } from './digest.js'
import { parseIsaDocument, type IsaDocument, type IsaVersion } from './schema.js'

/** Validates a document and pairs it with its digest. */
export function isaVersion(doc: IsaDocument): IsaVersion {
  const valid = parseIsaDocument(doc)
  return { doc: valid, digest: isaDigest(valid) }
}

/**
 * The version in effect at `at`: the one with the latest effective_from not after `at` (ties: the higher
 * version number). Undefined when none has taken effect yet. Status is not considered here: a suspended
 * version in effect is returned, and `checkIsaStatus` refuses it.
 */
export function resolveVersion(versions: readonly IsaVersion[], at: Date): IsaVersion | undefined {
  const t = at.getTime()
  let best: IsaVersion | undefined
  let bestAt = -Infinity
  for (const v of versions) {
    const from = Date.parse(v.doc.effective_from)
    if (from > t) continue
    if (from > bestAt || (from === bestAt && best !== undefined && v.doc.version > best.doc.version)) {
      best = v
      bestAt = from
    }
  }
  return best
}

/** What a variation may change: everything but identity and chain fields; effective_from is required. */
export type IsaChanges = Partial<Omit<IsaDocument, 'id' | 'version' | 'supersedes' | 'effective_from'>> & {
  effective_from: string
}

/**
 * A variation of `prev`: version + 1, `supersedes` = prev's digest, the given changes applied to a copy.
 * It may not take effect before `prev` did (a variation is never retroactive). The result is validated.
 */
export function nextVersion(prev: IsaVersion, changes: IsaChanges): IsaVersion {
  const forbidden = ['id', 'version', 'supersedes'].filter((k) => k in changes)
  if (forbidden.length > 0) {
    throw errors.isaInvalid(
      `A variation cannot change ${forbidden.join(', ')}; these follow from the version it supersedes.`,
    )
  }
  if (Date.parse(changes.effective_from) < Date.parse(prev.doc.effective_from)) {
    throw errors.isaInvalid(
      `A variation cannot take effect before the version it supersedes (${prev.doc.effective_from}); choose a later effective_from.`,
    )
  }
  const { status_reason: _dropped, ...carried } = structuredClone(prev.doc)
  const doc: IsaDocument = {
    ...carried,
    ...structuredClone(changes),
    id: prev.doc.id,
    version: prev.doc.version + 1,
    supersedes: prev.digest,
  }
  return isaVersion(doc)
}

/** A new version, in effect from `at`, that suspends the agreement for the reason given. */
export function suspend(prev: IsaVersion, at: Date, reason: string): IsaVersion {
  if (prev.doc.status === 'suspended' || prev.doc.status === 'expired') {
    throw errors.conflict(
      `ISA ${prev.doc.id} version ${prev.doc.version} is already ${prev.doc.status}; reinstate it with a variation first if that was intended.`,
    )
  }
  return nextVersion(prev, { status: 'suspended', status_reason: reason, effective_from: at.toISOString() })
}

/** A new version, in effect from `at`, that ends the agreement. Expiry is final: renew by a new ISA id. */
export function expire(prev: IsaVersion, at: Date, reason = 'Agreement ended by both parties.'): IsaVersion {
  if (prev.doc.status === 'expired') {
    throw errors.conflict(`ISA ${prev.doc.id} version ${prev.doc.version} has already expired; nothing to do.`)
  }
  return nextVersion(prev, { status: 'expired', status_reason: reason, effective_from: at.toISOString() })
}

/**
 * Re-hashes every version and checks the chain: one ISA id, versions 1..n without gaps, each digest
 * recomputed from its document, each `supersedes` equal to the previous digest, effective_from never
 * going backwards. Throws ISA_DIGEST_MISMATCH (or ISA_INVALID for shape) naming the first broken link.
 */
export function checkVersionChain(versions: readonly IsaVersion[]): void {
  const sorted = [...versions].sort((a, b) => a.doc.version - b.doc.version)
  sorted.forEach((v, i) => {
    const where = `ISA ${v.doc.id} version ${v.doc.version}`
    if (v.doc.id !== sorted[0]!.doc.id || v.doc.version !== i + 1) {
      throw errors.isaInvalid(`${where} does not continue the chain 1..n of one agreement; load the missing versions.`)
    }
    if (isaDigest(v.doc) !== v.digest) {
      throw errors.isaDigestMismatch(`${where} no longer matches its recorded digest; restore it from the ledger-registered copy.`)
    }
    const prev = sorted[i - 1]
    if (prev !== undefined) {
      if (v.doc.supersedes !== prev.digest) {
        throw errors.isaDigestMismatch(`${where} does not supersede the digest of version ${prev.doc.version}; restore the registered versions.`)
      }
      if (Date.parse(v.doc.effective_from) < Date.parse(prev.doc.effective_from)) {
        throw errors.isaInvalid(`${where} takes effect before version ${prev.doc.version}; variations are never retroactive.`)
      }
    }
  })
}
