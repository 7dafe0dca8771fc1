import { MessageChannel, Worker } from 'node:worker_threads'

const loaded = new WeakMap<Worker, Promise<void>>()

/**
 * A worker thread running a TypeScript entry module (through worker-boot.mjs, which registers tsx in the thread). The
 * boot script says on a port of its own (not the worker's message channel, which is the pool's) when the entry module
 * has loaded: see workerLoaded.
 */
export function startWorker(entry: URL): Worker {
  const { port1, port2 } = new MessageChannel()
  const worker = new Worker(new URL('./worker-boot.mjs', import.meta.url), { workerData: { entry: entry.href, loaded: port2 }, transferList: [port2] })
  const done = new Promise<void>((resolve, reject) => {
    const settle = (e?: Error) => {
      port1.close()
      worker.off('exit', onExit)
      worker.off('error', onError)
      if (e) reject(e)
      else resolve()
    }
    const onExit = (code: number) => settle(new Error(`worker exited (${code}) before its module loaded`))
    const onError = (e: Error) => settle(e)
    port1.once('message', () => settle())
    worker.once('exit', onExit)
    worker.once('error', onError)
  })
  done.catch(() => undefined) // a pool that never asks is told of a failed start by the worker's own events
  // The port must not hold the process open: workers are unreferenced between jobs.
  port1.unref()
  loaded.set(worker, done)
  return worker
}

/**
 * Resolves when the worker has loaded its entry module (its sources compiled, its dependencies imported), rejects if it
 * stops first. A service awaits this at start-up so that its first heavy request does not share the cores with
 * compiling.
 */
export function workerLoaded(worker: Worker): Promise<void> {
  return loaded.get(worker) ?? Promise.reject(new Error('not a worker started by startWorker'))
}
