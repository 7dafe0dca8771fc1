/**
 * A party's long-term keys: Ed25519 for signing, X25519 for token key agreement. Production reads them
 * from a file (JSON, base64url, mode 0600); the demo generates them into its data directory.
 */
import { promises as fs } from 'node:fs'
import path from 'node:path'
import { ed25519, x25519 } from '@noble/curves/ed25519.js'
import { fromBase64Url, toBase64Url } from '@healthflag/protocol'

export interface PartyKeys {
  signing: { privateKey: Uint8Array; publicKey: Uint8Array }
  agreement: { privateKey: Uint8Array; publicKey: Uint8Array }
}

export function generatePartyKeys(): PartyKeys {
  const s = ed25519.utils.randomSecretKey()
  const a = x25519.utils.randomSecretKey()
  return {
    signing: { privateKey: s, publicKey: ed25519.getPublicKey(s) },
    agreement: { privateKey: a, publicKey: x25519.getPublicKey(a) },
  }
}

export async function readPartyKeys(file: string): Promise<PartyKeys> {
  const raw = JSON.parse(await fs.readFile(file, 'utf8')) as { signing_private: string; agreement_private: string }
  const s = fromBase64Url(raw.signing_private)
  const a = fromBase64Url(raw.agreement_private)
  return {
    signing: { privateKey: s, publicKey: ed25519.getPublicKey(s) },
    agreement: { privateKey: a, publicKey: x25519.getPublicKey(a) },
  }
}

/** Reads the key file, or creates it (0600) when absent: for the demo's data directory only. */
export async function loadOrCreatePartyKeys(file: string): Promise<PartyKeys> {
  try {
    return await readPartyKeys(file)
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e
  }
  const keys = generatePartyKeys()
  await fs.mkdir(path.dirname(file), { recursive: true })
  await fs.writeFile(file, JSON.stringify({ signing_private: toBase64Url(keys.signing.privateKey), agreement_private: toBase64Url(keys.agreement.privateKey) }), { mode: 0o600 })
  return keys
}

export function publicKeys(keys: PartyKeys): { signing: string; agreement: string } {
  return { signing: toBase64Url(keys.signing.publicKey), agreement: toBase64Url(keys.agreement.publicKey) }
}
