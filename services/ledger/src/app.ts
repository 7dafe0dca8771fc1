/** The audit ledger as a fastify plugin: signed appends from registered parties; proofs and checkpoints for anyone. */
import fp from 'fastify-plugin'
import type { FastifyInstance } from 'fastify'
import { migrateToLatest, openDatabase, type DatabaseTarget } from '@healthflag/db'
import { fromBase64Url } from '@healthflag/protocol'
import { encodeVerifierKey } from '@healthflag/ledger-core'
import { ed25519 } from '@noble/curves/ed25519.js'
import { authPlugin, errorsPlugin, openapiPlugin, routeTablePlugin, signedRequestsPlugin, type ApiUser } from '@healthflag/service-kit'
import type { LedgerDB } from './schema.js'
import { partyKeys, registerParty } from './store.js'
import { ledgerRoutes, type LedgerContext } from './routes/entries.js'
import { pageRoutes } from './routes/pages.js'
import { createSequencer } from './sequencer.js'

export interface LedgerOptions {
  database: DatabaseTarget
  /** The ledger's own Ed25519 signing key (checkpoints). */
  signingKey: Uint8Array
  /** Checkpoint origin line and note key name, e.g. "healthflag.example/brfc-sssft". */
  origin: string
  /** Parties allowed to append: id → Ed25519 public key (base64url). */
  parties: Record<string, string>
  users: readonly ApiUser[]
  now?: () => Date
  /** Most entries committed in one transaction by group commit (default 1000). */
  maxBatch?: number
}

export const ledgerApp = fp(
  async (app: FastifyInstance, opts: LedgerOptions) => {
    const handle = await openDatabase<LedgerDB>(opts.database, { onConnectionLost: (e) => app.log.warn({ code: e.code, reason: e.message }, 'PostgreSQL ended a pooled connection; the next query opens another') })
    app.addHook('onClose', () => handle.close())
    app.decorate('healthflagDb', handle.db)
    await migrateToLatest(handle.db, 'ledger')
    for (const [id, key] of Object.entries(opts.parties)) await registerParty(handle.db, id, key)
    const keys = new Map([...(await partyKeys(handle.db))].map(([id, k]) => [id, fromBase64Url(k)]))
    const signer = { name: opts.origin, origin: opts.origin, privateKey: opts.signingKey }
    const ctx: LedgerContext = {
      db: handle.db,
      signer,
      vkey: encodeVerifierKey(opts.origin, ed25519.getPublicKey(opts.signingKey)),
      partyKey: (p) => keys.get(p),
      sequencer: createSequencer(handle.db, signer, { singleRoundTrip: opts.database.kind === 'postgres', ...(opts.maxBatch !== undefined ? { maxBatch: opts.maxBatch } : {}) }),
    }

    await app.register(errorsPlugin)
    await app.register(openapiPlugin, { title: 'healthflag ledger', description: 'Append-only RFC 6962 log of exchanges under the ISA: signed entries, checkpoints, proofs.' })
    await app.register(routeTablePlugin)
    await app.register(authPlugin, { users: opts.users })
    await app.register(signedRequestsPlugin, { partyKey: ctx.partyKey, ...(opts.now ? { now: opts.now } : {}) })
    await app.register(ledgerRoutes, { ctx })
    await app.register(pageRoutes)
  },
  { name: 'healthflag-ledger' },
)
