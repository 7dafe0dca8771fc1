// Worker-thread entry of the council's tokenising: runs tokeniseRows for the jobs the pool sends.
import { parentPort } from 'node:worker_threads'
import { tokeniseRows, type RowsJob } from './rows.js'

const port = parentPort!
port.on('message', (job: RowsJob) => {
  try {
    port.postMessage({ ok: true, result: tokeniseRows(job) })
  } catch (e) {
    port.postMessage({ ok: false, message: e instanceof Error ? e.message : String(e) })
  }
})
