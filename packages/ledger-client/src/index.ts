/**
 * How a party writes to the ledger: every entry is signed by the party's Ed25519 key (the entry itself)
 * and sent as a signed HTTP request. The ledger answers with the entry's index and a fresh checkpoint.
 */
import { signEntry, type LedgerEntry } from '@healthflag/ledger-core'
import type { SigningKey } from '@healthflag/protocol'
import { signedFetch } from '@healthflag/service-kit'

export interface AppendResult {
  index: number
  leaf_hash: string
  checkpoint: string
}

export interface LedgerClient {
  append(entry: Omit<LedgerEntry, 'party' | 'at'> & { at?: string }): Promise<AppendResult>
  checkpoint(): Promise<string>
}

export function createLedgerClient(opts: { url: string; key: SigningKey }): LedgerClient {
  return {
    async append(partial) {
      const entry = { ...partial, party: opts.key.party, at: partial.at ?? new Date().toISOString() } as LedgerEntry
      const signed = signEntry(entry, opts.key.privateKey, opts.key.party)
      const res = await signedFetch<AppendResult>(opts.url, opts.key, 'POST', '/v1/entries', signed)
      return res.body
    },
    async checkpoint() {
      const res = await fetch(new URL('/v1/checkpoint', opts.url))
      if (!res.ok) throw new Error(`ledger checkpoint: HTTP ${res.status}`)
      return await res.text()
    },
  }
}
