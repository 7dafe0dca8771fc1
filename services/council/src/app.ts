/**
 * The council service as a fastify plugin: external plugins (errors, OpenAPI, auth), then the
 * council's context, then routes. server.ts (or a test) registers it on a fresh instance.
 */
import fp from 'fastify-plugin'
import type { FastifyInstance } from 'fastify'
import { migrateToLatest, openDatabase, type DatabaseTarget } from '@healthflag/db'
import { isaVersion, saveIsaVersion, type IsaDb, type IsaDocument } from '@healthflag/isa'
import { createLedgerClient } from '@healthflag/ledger-client'
import { authPlugin, errorsPlugin, openapiPlugin, routeTablePlugin, type ApiUser, type PartyKeys } from '@healthflag/service-kit'
import type { CouncilDB } from './db/schema.js'
import type { CouncilContext } from './context.js'
import { uploadRoutes } from './routes/uploads.js'
import { exchangeRoutes } from './routes/exchanges.js'
import { pageRoutes } from './routes/pages.js'
import { adminRoutes } from './routes/admin.js'
import { isaRoutes, ledgerPendingIsaVersions, type IsaRoutesOptions } from '@healthflag/isa/routes'
import { appendAndRemember, drainLedgerQueue } from './exchange.js'
import { purgeExpired } from './retention.js'
import { collectOrphans } from './approval.js'
import { warmTokenisers } from './tokenise/pool.js'

export interface CouncilOptions {
  database: DatabaseTarget
  keys: PartyKeys
  party?: string
  isa: IsaDocument
  sidecarUrl: string
  ledgerUrl: string
  users: readonly ApiUser[]
  epoch?: number
  now?: () => Date
  /** How often the retention purge runs (ms; default hourly). */
  retentionSweepMs?: number
  /** Start the tokenising worker threads at start-up instead of with the first large list (production; off in tests). */
  warmWorkers?: boolean
}

export const councilApp = fp(
  async (app: FastifyInstance, opts: CouncilOptions) => {
    const handle = await openDatabase<CouncilDB>(opts.database, { onConnectionLost: (e) => app.log.warn({ code: e.code, reason: e.message }, 'PostgreSQL ended a pooled connection; the next query opens another') })
    app.addHook('onClose', () => handle.close())
    app.decorate('healthflagDb', handle.db)
    await migrateToLatest(handle.db, 'council')
    const now = opts.now ?? (() => new Date())
    const isaDb = handle.db as unknown as IsaDb
    await saveIsaVersion(isaDb, isaVersion(opts.isa))

    const party = opts.party ?? 'council'
    const ctx: CouncilContext = {
      db: handle.db,
      isaDb,
      keys: opts.keys,
      party,
      sidecarUrl: opts.sidecarUrl,
      ledger: createLedgerClient({ url: opts.ledgerUrl, key: { party, privateKey: opts.keys.signing.privateKey } }),
      epoch: opts.epoch ?? 1,
      now,
      log: app.log,
    }

    await app.register(errorsPlugin)
    await app.register(openapiPlugin, { title: 'healthflag council', description: 'Candidate uploads, validation reports, exchanges with the trust side-car, and results by district.' })
    await app.register(routeTablePlugin)
    await app.register(authPlugin, { users: opts.users })
    app.addContentTypeParser(['text/csv', 'application/octet-stream', 'text/plain'], { parseAs: 'buffer', bodyLimit: 64 * 1024 * 1024 }, (_req, body, done) => done(null, body))
    await app.register(pageRoutes, { ctx })
    await app.register(uploadRoutes, { ctx })
    await app.register(exchangeRoutes, { ctx, defaultIsaId: opts.isa.id })
    await app.register(adminRoutes, { ctx, defaultIsaId: opts.isa.id })
    const recordIsa: IsaRoutesOptions['recorded'] = (type, v) =>
      appendAndRemember(ctx, { type, isa_id: v.doc.id, isa_digest: v.digest, counts: { version: v.doc.version }, reason: v.doc.status })
    await app.register(isaRoutes, { isaDb, now, readRoles: ['analyst', 'admin'], recorded: recordIsa })

    // The version loaded from configuration (or one registered while the ledger was down) goes in the
    // ledger once it is reachable: at start-up, and again with each scheduled run until it succeeds.
    const ledgerIsas = () => ledgerPendingIsaVersions(isaDb, now, recordIsa).catch((e: unknown) => app.log.error({ err: e }, 'ISA version not yet in the ledger; will retry'))
    // Exchanges a stopped council process left `sending`: at start-up and with each sweep (approval.ts).
    const orphans = () => collectOrphans(ctx).catch((e: unknown) => app.log.error({ err: e }, 'collecting exchanges left sending failed'))
    // Ledger entries queued by a process that stopped, or while the ledger was down.
    const ledgerQueue = () => drainLedgerQueue(ctx).catch((e: unknown) => app.log.error({ err: e }, 'draining the ledger queue failed'))
    app.addHook('onReady', async () => {
      // A long-running service is ready when its workers are: its first large exchange does not share the cores with
      // compiling them.
      if (opts.warmWorkers) await warmTokenisers()
      await ledgerIsas()
      // Not awaited: the side-car may be slow or away, and the council answers meanwhile.
      void orphans()
      void ledgerQueue()
    })
    const sweep = setInterval(() => {
      void ledgerIsas()
      void orphans()
      void ledgerQueue()
      purgeExpired(ctx, opts.isa.id).catch((e: unknown) => app.log.error({ err: e }, 'retention purge failed'))
    }, opts.retentionSweepMs ?? 3_600_000)
    sweep.unref()
    // The queue is drained more often than the hourly sweep, so an entry waits on a ledger outage, not on the clock.
    const queueSweep = setInterval(() => void ledgerQueue(), Math.min(opts.retentionSweepMs ?? 3_600_000, 60_000))
    queueSweep.unref()
    app.addHook('onClose', async () => {
      clearInterval(sweep)
      clearInterval(queueSweep)
    })
  },
  { name: 'healthflag-council' },
)
