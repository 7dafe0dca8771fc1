/** The production path: `npm start` runs only against PostgreSQL, and the compose file is valid. */
import { describe, expect, it } from 'vitest'
import { spawnSync } from 'node:child_process'
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
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

  it('runs the service with glibc\'s large allocations on huge pages unless GLIBC_TUNABLES is set already', async () => {
    // A module loaded first by every node process npm starts prints the environment the service's process has.
    const dir = mkdtempSync(path.join(tmpdir(), 'hf-tunables-'))
    const probe = path.join(dir, 'probe.mjs')
    writeFileSync(probe, 'process.stderr.write(`TUNABLES=${JSON.stringify(process.env.GLIBC_TUNABLES ?? null)}\\n`)\n')
    try {
      const run = (env: Record<string, string>) => {
        const clean = Object.fromEntries(Object.entries(process.env).filter(([k]) => k !== 'GLIBC_TUNABLES' && k !== 'DATABASE_URL')) as Record<string, string>
        const r = spawnSync('npm', ['start', '--', 'nosuch'], { cwd: root, env: { ...clean, NODE_OPTIONS: `--import=${probe}`, ...env }, encoding: 'utf8', timeout: 60_000 })
        expect(r.stderr).toContain('usage: npm start')
        // the last process to print is the service's own (npm's and tsx's print first)
        return [...r.stderr.matchAll(/^TUNABLES=(.*)$/gm)].map((m) => JSON.parse(m[1]!) as string | null).at(-1)
      }
      expect(run({})).toBe('glibc.malloc.hugetlb=1')
      expect(run({ GLIBC_TUNABLES: 'glibc.malloc.arena_max=2' })).toBe('glibc.malloc.arena_max=2')
      expect(run({ GLIBC_TUNABLES: '' })).toBe('')
    } finally {
      rmSync(dir, { recursive: true, force: true })
    }
  }, 120_000)

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
