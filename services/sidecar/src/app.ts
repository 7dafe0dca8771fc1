/** The trust side-car as a fastify plugin. It answers signed exchanges and never calls the council. */
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import fp from 'fastify-plugin'
import type { FastifyInstance } from 'fastify'
import { Type } from 'typebox'
import { sql } from 'kysely'
import { migrateToLatest, openDatabase, type DatabaseTarget } from '@healthflag/db'
import { isaVersion, saveIsaVersion, type IsaDb, type IsaDocument } from '@healthflag/isa'
import { createLedgerClient } from '@healthflag/ledger-client'
import { authPlugin, errorsPlugin, openapiPlugin, routeTablePlugin, signedRequestsPlugin, type ApiUser, type PartyKeys } from '@healthflag/service-kit'
import type { SidecarDB } from './db/schema.js'
import type { SidecarContext } from './context.js'
import { IndexCache } from './index-cache.js'
import { exchangeRoutes } from './routes/exchanges.js'
import { indexRoutes } from './routes/index-routes.js'
import { igRoutes } from './routes/ig-routes.js'
import { isaRoutes, ledgerPendingIsaVersions, type IsaRoutesOptions } from '@healthflag/isa/routes'
import { expirePending } from './approval.js'
import { appendAndRemember, drainLedgerQueue } from './ledger-view.js'
import { importPool } from './import/pool.js'
import { PeerKeys } from './peer-keys.js'

declare module 'fastify' {
  interface FastifyInstance {
    /** The side-car's index directory (its token files), for operational tooling and the leak tests. */
    healthflagIndexDir: string
  }
}

export interface SidecarOptions {
  database: DatabaseTarget
  keys: PartyKeys
  party?: string
  isa: IsaDocument
  ledgerUrl: string
  users: readonly ApiUser[]
  epoch?: number
  now?: () => Date
  /** How often held exchanges past their approval window are expired (ms; default one minute). */
  approvalSweepMs?: number
  /** Start the index-import worker threads at start-up instead of in the first import (production; off in tests). */
  warmWorkers?: boolean
  /**
   * Read the live index version back into memory once ready (production), so that the first exchange after a restart
   * does not wait for it (a million patients: seconds). Without it the first exchange reads it back.
   */
  preloadIndex?: boolean
  /**
   * The directory for the index versions' token files (production: INDEX_DIR). Without it (the demo, tests) the app
   * makes a temporary one and removes it when it closes, so its indexes last as long as the app.
   */
  indexDir?: string
  /**
   * An index upload that sends nothing for this long is cut off and its import fails (default 5 minutes): imports run
   * one at a time, so a stalled client must not hold off the next one indefinitely.
   */
  importIdleMs?: number
}

export const sidecarApp = fp(
  async (app: FastifyInstance, opts: SidecarOptions) => {
    const handle = await openDatabase<SidecarDB>(opts.database, { onConnectionLost: (e) => app.log.warn({ code: e.code, reason: e.message }, 'PostgreSQL ended a pooled connection; the next query opens another') })
    app.addHook('onClose', () => handle.close())
    app.decorate('healthflagDb', handle.db)
    await migrateToLatest(handle.db, 'sidecar')
    const now = opts.now ?? (() => new Date())
    const isaDb = handle.db as unknown as IsaDb
    await saveIsaVersion(isaDb, isaVersion(opts.isa))
    const party = opts.party ?? 'trust'
    let indexDir = opts.indexDir
    if (indexDir === undefined) {
      const temporary = await mkdtemp(join(tmpdir(), 'healthflag-index-'))
      app.addHook('onClose', () => rm(temporary, { recursive: true, force: true }))
      indexDir = temporary
    }
    app.decorate('healthflagIndexDir', indexDir)
    const ctx: SidecarContext = {
      db: handle.db,
      isaDb,
      keys: opts.keys,
      party,
      ledger: createLedgerClient({ url: opts.ledgerUrl, key: { party, privateKey: opts.keys.signing.privateKey } }),
      epoch: opts.epoch ?? 1,
      indexes: new IndexCache(handle.db, indexDir),
      indexDir,
      now,
      log: app.log,
    }
    // Peers are the parties of the ISA: their signing keys come from the document both sides signed, in the version in
    // effect when a request arrives (a variation may replace a key), looked up before its signature is verified.
    const peerKeys = new PeerKeys(isaDb, party, opts.isa)

    await app.register(errorsPlugin)
    await app.register(openapiPlugin, { title: 'healthflag trust side-car', description: 'Answers signed exchanges with one boolean per row; imports the trust patient index.' })
    await app.register(routeTablePlugin)
    await app.register(authPlugin, { users: opts.users })
    app.addHook('preValidation', async (req) => {
      if (req.routeOptions.config.signed) await peerKeys.refresh(now())
    })
    await app.register(signedRequestsPlugin, {
      partyKey: (p) => peerKeys.get(p),
      rememberNonce: async (p, nonce, at) => {
        const r = await handle.db.insertInto('seen_nonce').values({ party: p, nonce, seen_at: at }).onConflict((oc) => oc.doNothing()).executeTakeFirst()
        return Number(r.numInsertedOrUpdatedRows ?? 0n) === 1
      },
      // Freshness is judged on the real clock the peer signed with; `now` governs the ISA (validity,
      // windows), which tests move without making every signature stale.
    })
    app.addContentTypeParser(['text/csv', 'application/octet-stream', 'text/plain'], { parseAs: 'buffer', bodyLimit: 2 * 1024 * 1024 * 1024 - 1 }, (_req, body, done) => done(null, body))
    app.get('/health', { config: { roles: 'public' }, schema: { summary: 'Liveness', response: { 200: Type.Object({ ok: Type.Boolean() }) } } }, async () => {
      await sql`select 1`.execute(handle.db)
      return { ok: true }
    })
    await app.register(exchangeRoutes, { ctx })
    await app.register(indexRoutes, { ctx, isaId: opts.isa.id, ...(opts.importIdleMs !== undefined ? { idleMs: opts.importIdleMs } : {}) })
    await app.register(igRoutes, { ctx })
    const recordIsa: IsaRoutesOptions['recorded'] = async (type, v) => {
      await appendAndRemember(ctx, { type, isa_id: v.doc.id, isa_digest: v.digest, counts: { version: v.doc.version }, reason: v.doc.status })
    }
    await app.register(isaRoutes, { isaDb, now, readRoles: ['ig_officer', 'admin'], recorded: recordIsa })

    // The version loaded from configuration (or one registered while the ledger was down) goes in the
    // ledger once it is reachable: at start-up, and again with each sweep until it succeeds.
    const ledgerIsas = () => ledgerPendingIsaVersions(isaDb, now, recordIsa).catch((e: unknown) => app.log.error({ err: e }, 'ISA version not yet in the ledger; will retry'))
    // Ledger entries queued by a process that stopped, or while the ledger was down.
    const ledgerQueue = () => drainLedgerQueue(ctx).catch((e: unknown) => app.log.error({ err: e }, 'draining the ledger queue failed'))
    // Not awaited: the side-car answers meanwhile (an exchange waits for the build; GET /v1/index shows it).
    const preloadIndex = async (): Promise<void> => {
      const t0 = performance.now()
      try {
        const live = await ctx.indexes.live()
        if (live) app.log.info({ version: live.versionId, patients: live.index.size, ms: Math.round(performance.now() - t0) }, 'live patient index in memory')
      } catch (e) {
        app.log.warn({ err: e }, 'live patient index could not be read back; the next exchange tries again')
      }
    }
    app.addHook('onReady', async () => {
      // A long-running side-car is ready when its import workers are: its first import does not share the cores with
      // compiling them.
      if (opts.warmWorkers) await importPool().warm()
      await ledgerIsas()
      void ledgerQueue()
      if (opts.preloadIndex) void preloadIndex()
    })
    // Held tokens must not outlive the approval window even when nobody opens the console.
    const sweep = setInterval(() => {
      void ledgerIsas()
      void ledgerQueue()
      expirePending(ctx).catch((e: unknown) => app.log.error({ err: e }, 'approval expiry sweep failed'))
    }, opts.approvalSweepMs ?? 60_000)
    sweep.unref()
    app.addHook('onClose', async () => clearInterval(sweep))
  },
  { name: 'healthflag-sidecar' },
)
