// An exchange held for IG approval is answered only from an index made under the key its tokens were made with. When
// both parties move to a new key epoch while it waits (a restart with TOKEN_EPOCH raised) and the trust imports its
// index again under the new key, approving it must refuse it with KEY_MISMATCH, as on arrival, rather than match the
// old key's tokens against the new index and answer "not active" for every row.
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, expect, it } from 'vitest'
import { CANDIDATE_COLUMNS, PATIENT_COLUMNS, generatePopulation, toCsv } from '@healthflag/synth'
import { api } from '../scripts/lib/client.js'
import { startStack, type Stack, type StackOptions } from '../scripts/lib/stack.js'
import { adminCall, exchangeTrail } from './isa-fixtures.js'
import { restartableDatabases } from './support/harness.js'

let databases: StackOptions['databases']
let dropDatabases = async (): Promise<void> => {}
let base: string
const csv = <T extends object>(rows: T[], cols: readonly string[]) => toCsv(rows, [...cols] as (keyof T)[])
const pop = generatePopulation({ seed: 47, patients: 800, candidates: 120, tier: 'clean' })

beforeAll(async () => {
  base = await mkdtemp(join(tmpdir(), 'hf-approval-epoch-'))
  const made = await restartableDatabases('approval_epoch', base)
  databases = made.databases
  dropDatabases = made.drop
})

afterAll(async () => {
  await dropDatabases()
  if (base) await rm(base, { recursive: true, force: true })
})

const start = (epoch: number, keys?: Stack['keys']) => startStack({ databases, indexDir: join(base, 'index'), approvalRequired: true, epoch, ...(keys ? { keys } : {}) })

it('refuses at approval an exchange whose tokens were made under the key epoch the parties have since left', async () => {
  const first = await start(1)
  const keys = first.keys
  let id: string
  try {
    await api.importIndex(first.urls.sidecar, first.tokens.igOfficer, csv(pop.patients, PATIENT_COLUMNS))
    const up = await api.upload(first.urls.council, first.tokens.analyst, csv(pop.candidates, CANDIDATE_COLUMNS))
    const ex = await api.startExchange(first.urls.council, first.tokens.analyst, up.body.upload_id)
    expect(ex.body.status).toBe('pending_approval')
    id = ex.body.exchange_id
  } finally {
    await first.close()
  }

  const moved = await start(2, keys)
  try {
    await api.importIndex(moved.urls.sidecar, moved.tokens.igOfficer, csv(pop.patients, PATIENT_COLUMNS))
    const approve = await adminCall(moved.urls.sidecar, moved.tokens.igOfficer, 'POST', `/v1/ig/exchanges/${id}/approve`)
    expect(approve).toMatchObject({ status: 409, body: { code: 'KEY_MISMATCH' } })
    const list = (await adminCall(moved.urls.sidecar, moved.tokens.igOfficer, 'GET', '/v1/ig/exchanges')).body as { exchange_id: string; status: string; error_code: string | null; tokens_held: boolean }[]
    expect(list.find((e) => e.exchange_id === id)).toMatchObject({ status: 'refused', error_code: 'KEY_MISMATCH', tokens_held: false })
    expect(await api.exchange(moved.urls.council, moved.tokens.analyst, id)).toMatchObject({ status: 'refused', error_code: 'KEY_MISMATCH' })
    expect(await exchangeTrail(moved, id)).toEqual(['council exchange.requested', 'trust exchange.refused KEY_MISMATCH'])
  } finally {
    await moved.close()
  }
})
