// A side-car started with warm import workers (npm start) and shut down before any import must be able to exit: the
// idle workers may not hold the process open.
import { spawnSync } from 'node:child_process'
import path from 'node:path'
import { expect, it } from 'vitest'

const root = path.resolve(import.meta.dirname, '../../..')

it('lets the process exit once its warmed import workers are idle, without any import having run', () => {
  const r = spawnSync(path.join(root, 'node_modules/.bin/tsx'), [path.join(import.meta.dirname, 'fixtures/warm-pool.ts')], { cwd: root, encoding: 'utf8', timeout: 60_000 })
  // Held open, the child is killed at the timeout (status 143 through tsx's wrapper, or signal SIGTERM).
  expect({ signal: r.signal, status: r.status, stdout: r.stdout.trim() }).toEqual({ signal: null, status: 0, stdout: 'warm' })
}, 90_000)
