// Worker-thread bootstrap for every worker of the services (the side-car's import, the council's tokenising): the
// workspace runs TypeScript sources directly, so register tsx in this thread, then load the worker's entry module
// (workerData.entry, a file URL). (A worker does not inherit the parent's loader hooks, and `--import` in execArgv is
// not honoured.)
// The large plain-JavaScript dependencies of the worker's module graph are loaded first, natively: through tsx's hooks
// every file costs a round trip to the hooks thread, which made a worker take ~2 s of CPU to start (typebox alone
// ~1.3 s); loaded here they are the same module instances the TypeScript sources then import. A name that no longer
// resolves is skipped here and reported, if still imported, by the import that needs it.
import { workerData } from 'node:worker_threads'
import { register } from 'tsx/esm/api'

const PRELOAD = ['typebox', 'ajv', 'ajv-formats', 'kysely', 'csv-parse', 'json-canonicalize', 'double-metaphone', '@noble/hashes/sha2.js', '@noble/hashes/hmac.js', '@noble/hashes/hkdf.js', '@noble/hashes/utils.js', '@noble/curves/ed25519.js']
await Promise.allSettled(PRELOAD.map((m) => import(m)))
register()
await import(workerData.entry)
// Loaded: tell startWorker (workerLoaded), on the port made for it.
workerData.loaded.postMessage('loaded')
workerData.loaded.close()
