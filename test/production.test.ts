/** The production path: `npm start` runs only against PostgreSQL, and the compose file is valid. */
import { describe, expect, it } from 'vitest'
import { spawnSync } from 'node:child_process'
import { existsSync } from 'node:fs'
import path from 'node:path'

const root = path.resolve(import.meta.dirname, '..')
const tsx = path.join(root, 'node_modules/.bin/tsx')

function start(service: string, env: Record<string, string>) {
  const clean = Object.fromEntries(Object.entries(process.env).filter(([k]) => !['DATABASE_URL', 'KEYS_FILE', 'ISA_FILE', 'USERS_FILE', 'INDEX_DIR'].includes(k))) as Record<string, string>
  return spawnSync(tsx, ['scripts/start.ts', service], { cwd: root, env: { ...clean, ...env }, encoding: 'utf8', timeout: 60_000 })
}

describe('npm start', () => {
  for (const service of ['council', 'sidecar', 'ledger']) {
    it(`refuses to start the ${service} without a PostgreSQL URL`, () => {
      const r = start(service, {})
      expect(r.status).toBe(1)
      expect(r.stderr).toContain('DATABASE_URL must be a PostgreSQL URL')
    })
  }

  it('refuses a non-PostgreSQL database URL', () => {
    const r = start('ledger', { DATABASE_URL: 'file:///tmp/x.db' })
    expect(r.status).toBe(1)
    expect(r.stderr).toContain('refusing to start')
  })

  it('names every missing setting when the rest of the configuration is absent', () => {
    const r = start('council', { DATABASE_URL: 'postgres://nobody@127.0.0.1:1/none' })
    expect(r.status).toBe(1)
    for (const v of ['KEYS_FILE', 'ISA_FILE', 'SIDECAR_URL', 'LEDGER_URL', 'USERS_FILE']) expect(r.stderr).toContain(v)
  })

  it('names the index directory among the side-car\'s missing settings', () => {
    const r = start('sidecar', { DATABASE_URL: 'postgres://nobody@127.0.0.1:1/none' })
    expect(r.status).toBe(1)
    for (const v of ['KEYS_FILE', 'ISA_FILE', 'LEDGER_URL', 'USERS_FILE', 'INDEX_DIR']) expect(r.stderr).toContain(v)
  })
})

describe('docker-compose.yml', () => {
  const bin = ['/usr/bin/docker-compose', '/usr/local/bin/docker-compose'].find((b) => existsSync(b))
  it.skipIf(!bin)('is valid for docker-compose config (.ci/run installs docker-compose)', () => {
    const r = spawnSync(bin!, ['-f', 'docker-compose.yml', 'config'], { cwd: root, encoding: 'utf8' })
    expect(r.stderr).toBe('')
    expect(r.status).toBe(0)
    for (const s of ['postgres:', 'council:', 'sidecar:', 'ledger:', 'healthcheck:', '/council', '/sidecar', '/ledger', 'INDEX_DIR', 'sidecar-index:']) expect(r.stdout).toContain(s)
  })
})
