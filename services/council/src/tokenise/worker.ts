// Worker-thread entry of the council's tokenising: runs tokeniseRows for the jobs the pool sends.
import { parentPort } from 'node:worker_threads'
import { tokeniseRows, type RowsJob } from './rows.js'

const port = parentPort!
port.on('message', (job: RowsJob & { warmUp?: boolean }) => {
  // The warm-up job (warm-up.ts) is the first message; it has no reply, so a real job queued behind it gets the only one.
  if (job.warmUp) {
    try {
      tokeniseRows(job)
    } catch {
      // warming only
    }
    return
  }
  try {
    const result = tokeniseRows(job)
    // The text's buffer is handed over, not copied.
    port.postMessage({ ok: true, result }, [result.bytes.buffer as ArrayBuffer])
  } catch (e) {
    port.postMessage({ ok: false, message: e instanceof Error ? e.message : String(e) })
  }
})
