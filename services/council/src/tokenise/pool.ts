/**
 * Tokenising an exchange's rows on worker threads, one per core, when the batch is large enough to pay for them
 * (a 50,000-row county list: ~450,000 HMACs and the field derivations before them). The rows are cut into one
 * contiguous slice per worker and the slices' JSON joined in order, so the caller's (shuffled) order is kept.
 * Workers start on first use and stay, unreferenced, for the next exchange.
 */
import { availableParallelism } from 'node:os'
import type { Worker } from 'node:worker_threads'
import { startWorker } from '@healthflag/service-kit'
import { tokeniseRows, type RowsJob, type RowsResult } from './rows.js'

/** Below this many rows one thread is quicker than starting and feeding workers. */
export const WORKER_THRESHOLD = 4000

type Reply = { ok: true; result: RowsResult } | { ok: false; message: string }

const idle: Worker[] = []
let busy = 0

function spawn(): Worker {
  const worker = startWorker(new URL('./worker.ts', import.meta.url))
  worker.unref()
  // A worker that fails to start is dropped; the next job starts another (or runs inline when none can start).
  worker.once('error', () => {
    const i = idle.indexOf(worker)
    if (i >= 0) idle.splice(i, 1)
  })
  return worker
}

/**
 * Starts the workers ahead of need (a worker loads the tokeniser's sources first, ~1–2 s here): called when a list
 * large enough to use them is uploaded, so its exchange does not wait for them.
 */
export function warmTokenisers(threads = availableParallelism()): void {
  while (idle.length + busy < threads) idle.push(spawn())
}

function runOn(job: RowsJob): Promise<RowsResult> {
  const worker = idle.pop() ?? spawn()
  busy++
  worker.ref()
  return new Promise((resolve, reject) => {
    const onError = (e: Error) => {
      busy--
      worker.off('message', onMessage)
      reject(e)
    }
    const onMessage = (m: Reply) => {
      busy--
      worker.off('error', onError)
      worker.unref()
      idle.push(worker)
      if (m.ok) resolve(m.result)
      else reject(new Error(`tokenising worker: ${m.message}`))
    }
    worker.once('message', onMessage)
    worker.once('error', onError)
    worker.postMessage(job)
  })
}

export async function tokeniseRowsParallel(job: RowsJob, opts: { threads?: number } = {}): Promise<RowsResult> {
  const n = job.persons.length
  const threads = n < WORKER_THRESHOLD ? 1 : (opts.threads ?? availableParallelism())
  if (threads <= 1) return tokeniseRows(job)
  const per = Math.ceil(n / threads)
  const slices = Array.from({ length: threads }, (_, t) => ({ from: t * per, to: Math.min(n, (t + 1) * per) })).filter((s) => s.from < s.to)
  let results: RowsResult[]
  try {
    results = await Promise.all(slices.map((s) => runOn({ epochKey: job.epochKey, kinds: job.kinds, refs: job.refs.slice(s.from, s.to), persons: job.persons.slice(s.from, s.to) })))
  } catch {
    // A worker that cannot start or crashed: the same rows on this thread, slower but never wrong.
    return tokeniseRows(job)
  }
  return {
    json: results.map((r) => r.json).filter((j) => j.length > 0).join(','),
    skipped: results.flatMap((r, t) => r.skipped.map((i) => i + slices[t]!.from)),
  }
}
