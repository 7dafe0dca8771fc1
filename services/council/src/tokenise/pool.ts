/**
 * Tokenising an exchange's rows on worker threads, one per core, when the batch is large enough to pay for them
 * (a 50,000-row county list: ~450,000 HMACs and the field derivations before them). The rows are cut into one
 * contiguous slice per worker and the slices' JSON joined in order, so the caller's (shuffled) order is kept.
 * Workers start on first use and stay, unreferenced, for the next exchange.
 */
import { availableParallelism } from 'node:os'
import type { Worker } from 'node:worker_threads'
import { startWorker, workerLoaded } from '@healthflag/service-kit'
import { tokeniseRows, type RowsJob, type RowsResult } from './rows.js'
import { warmUpJob } from './warm-up.js'

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
 * Starts the workers ahead of need (a worker loads the tokeniser's sources first, ~1–2 s here): at start-up of a
 * long-running council service (which waits for it), and when a list large enough to use them is uploaded, so its
 * exchange does not wait for them (not waited for there).
 */
export async function warmTokenisers(threads = availableParallelism()): Promise<void> {
  if (idle.length + busy >= threads) return
  // One warm-up job for all (made once); each new worker runs it before anything sent after it, and does not answer it.
  const job = warmUpJob()
  const started: Worker[] = []
  while (idle.length + busy < threads) {
    const worker = spawn()
    worker.postMessage(job)
    idle.push(worker)
    started.push(worker)
  }
  // Resolves when the new workers have loaded their sources (a failed start is dropped by spawn's error handler).
  await Promise.allSettled(started.map((w) => workerLoaded(w)))
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

/** The rows' bytes in slices, in order (joinRows joins them), and the rows left out. */
export interface ParallelRowsResult {
  slices: Uint8Array[]
  skipped: number[]
}

export async function tokeniseRowsParallel(job: RowsJob, opts: { threads?: number } = {}): Promise<ParallelRowsResult> {
  const n = job.persons.length
  const threads = n < WORKER_THRESHOLD ? 1 : (opts.threads ?? availableParallelism())
  if (threads <= 1) return inOneSlice(tokeniseRows(job))
  const per = Math.ceil(n / threads)
  const slices = Array.from({ length: threads }, (_, t) => ({ from: t * per, to: Math.min(n, (t + 1) * per) })).filter((s) => s.from < s.to)
  let results: RowsResult[]
  try {
    results = await Promise.all(slices.map((s) => runOn({ epochKey: job.epochKey, kinds: job.kinds, refs: job.refs.slice(s.from, s.to), persons: job.persons.slice(s.from, s.to) })))
  } catch {
    // A worker that cannot start or crashed: the same rows on this thread, slower but never wrong.
    return inOneSlice(tokeniseRows(job))
  }
  return {
    slices: results.map((r) => r.bytes),
    skipped: results.flatMap((r, t) => r.skipped.map((i) => i + slices[t]!.from)),
  }
}

const inOneSlice = (r: RowsResult): ParallelRowsResult => ({ slices: [r.bytes], skipped: r.skipped })

const NOTHING = new Uint8Array(0)

/**
 * `prefix`, the slices' rows joined by commas (a slice whose rows were all left out adds nothing), then `suffix`: one
 * copy of each slice into the request body.
 */
export function joinRows(slices: readonly Uint8Array[], prefix: Uint8Array = NOTHING, suffix: Uint8Array = NOTHING): Uint8Array {
  const present = slices.filter((p) => p.length > 0)
  const out = new Uint8Array(prefix.length + present.reduce((n, p) => n + p.length, 0) + Math.max(0, present.length - 1) + suffix.length)
  out.set(prefix, 0)
  let o = prefix.length
  present.forEach((p, i) => {
    if (i > 0) out[o++] = 0x2c // ,
    out.set(p, o)
    o += p.length
  })
  out.set(suffix, o)
  return out
}
