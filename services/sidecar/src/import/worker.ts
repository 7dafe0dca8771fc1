// Worker-thread entry of the index import: runs processChunk for the jobs the pool sends, and fills runs of a new
// index's hash table (runFillJob) for its build.
import { parentPort } from 'node:worker_threads'
import { processChunk, serialiseError, transferList, type ChunkJob, type ChunkSettings } from './chunk-work.js'
import { runFillJob, type FillJob } from './compact-index.js'

type Message =
  | { type: 'settings'; id: number; settings: ChunkSettings }
  | { type: 'drop'; id: number }
  | { type: 'job'; settingsId: number; job: ChunkJob }
  | { type: 'fill'; job: FillJob }

const settings = new Map<number, ChunkSettings>()
const port = parentPort!

port.on('message', (m: Message) => {
  if (m.type === 'settings') settings.set(m.id, m.settings)
  else if (m.type === 'drop') settings.delete(m.id)
  else if (m.type === 'fill') {
    try {
      port.postMessage({ ok: true, result: runFillJob(m.job) })
    } catch (e) {
      port.postMessage({ ok: false, error: serialiseError(e) })
    }
  } else {
    const s = settings.get(m.settingsId)
    const run = s ? processChunk(s, m.job) : Promise.reject(new Error('worker has no settings for this job'))
    run.then(
      (result) => port.postMessage({ ok: true, result }, transferList(result)),
      (e: unknown) => port.postMessage({ ok: false, error: serialiseError(e) }),
    )
  }
})
