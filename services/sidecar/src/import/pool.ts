/**
 * Worker threads for the index import, one per core, started on first use and kept (unreferenced, so they never hold
 * the process open) for the next import. Each runs one chunk at a time; the caller bounds how many are queued.
 */
import { availableParallelism } from 'node:os'
import type { Worker } from 'node:worker_threads'
import { startWorker, workerLoaded } from '@healthflag/service-kit'
import { HealthflagError, type ErrorCode } from '@healthflag/protocol'
import type { ChunkJob, ChunkResult, ChunkSettings, SerialisedError, TokenBuffers } from './chunk-work.js'
import type { FillJob, ParallelFill } from './compact-index.js'

/** A chunk to tokenise, or a run of an index's hash table to fill (CompactIndexBuilder.buildAsync). */
type Task =
  | { type: 'job'; settingsId: number; settings: ChunkSettings; job: ChunkJob; resolve: (r: ChunkResult) => void; reject: (e: unknown) => void }
  | { type: 'fill'; job: FillJob; resolve: (left: Int32Array) => void; reject: (e: unknown) => void }

interface Slot {
  worker: Worker
  known: Set<number>
  task: Task | undefined
}

function revive(e: SerialisedError): Error {
  if (e.code && e.statusCode) return new HealthflagError(e.code as ErrorCode, e.statusCode, e.message, e.details)
  const err = new Error(e.message)
  err.name = e.name
  return err
}

export class ChunkPool {
  private readonly slots: Slot[] = []
  private readonly queue: Task[] = []
  private readonly ids = new WeakMap<ChunkSettings, number>()
  private nextId = 1
  /** results' token buffers handed back (recycle), given to the next jobs */
  private readonly spares: TokenBuffers[] = []

  constructor(readonly size: number = availableParallelism()) {}

  run(settings: ChunkSettings, job: ChunkJob): Promise<ChunkResult> {
    let settingsId = this.ids.get(settings)
    if (settingsId === undefined) this.ids.set(settings, (settingsId = this.nextId++))
    return new Promise((resolve, reject) => {
      this.queue.push({ type: 'job', settingsId: settingsId!, settings, job, resolve, reject })
      this.pump()
    })
  }

  /** Fills one run of an index's hash table in a worker (runFillJob); resolves to the entries it left. */
  fill(job: FillJob): Promise<Int32Array> {
    return new Promise((resolve, reject) => {
      this.queue.push({ type: 'fill', job, resolve, reject })
      this.pump()
    })
  }

  /** The pool's workers as the index build's parallel fill: one run of the table each. */
  parallelFill(): ParallelFill {
    return { parts: this.size, run: (job) => this.fill(job) }
  }

  /**
   * Starts every worker now rather than in the first import (each loads the tokeniser's sources, ~1.5 s of CPU here,
   * plus as much again on its loader thread): a long-running side-car does this at start-up and waits for it, so an
   * import's wall time is the import's own work. Resolves when every worker has loaded; a worker that fails to start
   * is not an error here (the pool starts another for the next chunk, and that one reports).
   */
  async warm(): Promise<void> {
    while (this.slots.length < this.size) this.spawn()
    await Promise.allSettled(this.slots.map((s) => workerLoaded(s.worker)))
  }

  /**
   * Takes back the buffers of a result the caller is done with (nothing may use its kinds or tokens afterwards): the
   * next job's result is written into them instead of into new memory.
   */
  recycle(buffers: TokenBuffers): void {
    if (this.spares.length < this.size * 2 + 2) this.spares.push(buffers)
  }

  /** Forgets an import's settings (its key) in every worker. */
  release(settings: ChunkSettings): void {
    const id = this.ids.get(settings)
    if (id === undefined) return
    for (const s of this.slots) if (s.known.delete(id)) s.worker.postMessage({ type: 'drop', id })
  }

  private pump(): void {
    while (this.queue.length > 0) {
      let slot = this.slots.find((s) => s.task === undefined)
      if (!slot && this.slots.length < this.size) slot = this.spawn()
      if (!slot) return
      const task = this.queue.shift()!
      slot.task = task
      slot.worker.ref()
      if (task.type === 'fill') {
        // Shared memory: the views travel, their buffers are the building thread's.
        slot.worker.postMessage({ type: 'fill', job: task.job })
        continue
      }
      if (!slot.known.has(task.settingsId)) {
        slot.worker.postMessage({ type: 'settings', id: task.settingsId, settings: task.settings })
        slot.known.add(task.settingsId)
      }
      const spare = this.spares.pop()
      const job: ChunkJob = spare ? { ...task.job, spare } : task.job
      slot.worker.postMessage({ type: 'job', settingsId: task.settingsId, job }, spare ? [job.body.buffer as ArrayBuffer, spare.kinds, spare.tokens] : [job.body.buffer as ArrayBuffer])
    }
  }

  private spawn(): Slot {
    // Workers load the TypeScript sources through tsx, in tests as under `tsx`.
    const worker = startWorker(new URL('./worker.ts', import.meta.url))
    const slot: Slot = { worker, known: new Set(), task: undefined }
    worker.on('message', (m: { ok: true; result: unknown } | { ok: false; error: SerialisedError }) => {
      const task = slot.task
      slot.task = undefined
      worker.unref()
      if (task) {
        if (!m.ok) task.reject(revive(m.error))
        // A chunk job answers with its ChunkResult, a fill with the entries it left.
        else if (task.type === 'fill') task.resolve(m.result as Int32Array)
        else task.resolve(m.result as ChunkResult)
      }
      this.pump()
    })
    const fail = (e: unknown) => {
      const i = this.slots.indexOf(slot)
      if (i >= 0) this.slots.splice(i, 1)
      slot.task?.reject(e instanceof Error ? e : new Error('import worker stopped'))
      slot.task = undefined
      this.pump()
    }
    worker.on('error', fail)
    worker.on('exit', (code) => fail(new Error(`import worker exited (${code})`)))
    // Unreferenced after its listeners are on: a 'message' listener added later refers the worker's port again, so a
    // warmed worker that never ran a job held the process open.
    worker.unref()
    this.slots.push(slot)
    return slot
  }
}

let shared: ChunkPool | undefined

/** The process's import pool (one worker per core). */
export function importPool(): ChunkPool {
  return (shared ??= new ChunkPool())
}
