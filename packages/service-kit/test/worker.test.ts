import { existsSync, mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Worker } from 'node:worker_threads'
import { afterAll, afterEach, describe, expect, it } from 'vitest'
import { startWorker, workerLoaded } from '../src/worker.js'

// Where the slow entry leaves its mark (a worker starts with a copy of this process's environment).
const dir = mkdtempSync(join(tmpdir(), 'hf-worker-'))
const mark = join(dir, 'loaded.mark')
process.env.HF_WORKER_TEST_MARK = mark
const started: Worker[] = []

afterEach(async () => {
  await Promise.all(started.splice(0).map((w) => w.terminate()))
  rmSync(mark, { force: true })
})

afterAll(() => {
  rmSync(dir, { recursive: true, force: true })
  delete process.env.HF_WORKER_TEST_MARK
})

describe('startWorker / workerLoaded', () => {
  it('resolves only after the entry module has finished loading, top-level await included', async () => {
    rmSync(mark, { force: true })
    const w = startWorker(new URL('./fixtures/slow-entry.ts', import.meta.url))
    started.push(w)
    expect(existsSync(mark)).toBe(false)
    await workerLoaded(w)
    expect(existsSync(mark)).toBe(true)
  })

  it('rejects when the entry fails to load, rather than waiting for ever', async () => {
    const w = startWorker(new URL('./fixtures/broken-entry.ts', import.meta.url))
    started.push(w)
    await expect(workerLoaded(w)).rejects.toThrow(/does not load|exited/)
  })

  it('rejects for a worker it did not start', async () => {
    const w = new Worker('setTimeout(() => {}, 10)', { eval: true })
    started.push(w)
    await expect(workerLoaded(w)).rejects.toThrow(/not a worker started by startWorker/)
  })
})
