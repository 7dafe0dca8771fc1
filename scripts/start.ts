/**
 * npm start -- <council|sidecar|ledger>: the production path. Each service runs against its own
 * PostgreSQL database given in DATABASE_URL and refuses to start without one.
 */
const service = process.argv[2] ?? process.env.HEALTHFLAG_SERVICE
const entry = {
  council: () => import('../services/council/src/server.js'),
  sidecar: () => import('../services/sidecar/src/server.js'),
  ledger: () => import('../services/ledger/src/server.js'),
}[service ?? '']

if (!entry) {
  console.error('usage: npm start -- <council|sidecar|ledger>   (or set HEALTHFLAG_SERVICE)')
  process.exitCode = 2
} else if (!process.env.DATABASE_URL || !/^postgres(ql)?:\/\//.test(process.env.DATABASE_URL)) {
  console.error(`healthflag ${service}: DATABASE_URL must be a PostgreSQL URL (postgres://…). The embedded database is only for the demo and tests; refusing to start.`)
  process.exitCode = 1
} else {
  entry()
    .then((m) => m.main())
    .catch((e: unknown) => {
      console.error(`healthflag ${service}: ${(e as Error).message}`)
      process.exitCode = 1
    })
}
