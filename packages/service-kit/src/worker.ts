import { Worker } from 'node:worker_threads'

/** A worker thread running a TypeScript entry module (through worker-boot.mjs, which registers tsx in the thread). */
export function startWorker(entry: URL): Worker {
  return new Worker(new URL('./worker-boot.mjs', import.meta.url), { workerData: { entry: entry.href } })
}
