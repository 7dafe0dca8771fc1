/** Workers started ahead of need run a warm-up job first, which never takes the place of a real job's answer. */
import { randomBytes } from 'node:crypto'
import { describe, expect, it } from 'vitest'
import { generatePopulation } from '@healthflag/synth'
import { MATCH_KEYS, normalisePerson } from '@healthflag/tokens'
import { tokeniseRows } from '../src/tokenise/rows.js'
import { WORKER_THRESHOLD, joinRows, tokeniseRowsParallel, warmTokenisers } from '../src/tokenise/pool.js'
import { warmUpJob } from '../src/tokenise/warm-up.js'

describe('warming the tokenising workers', () => {
  it('gives every made-up person of the warm-up job tokens under every key kind', () => {
    const job = warmUpJob(200)
    const out = tokeniseRows(job)
    expect(out.skipped).toEqual([])
    const rows = JSON.parse(`[${Buffer.from(out.bytes).toString('utf8')}]`) as { tokens: Record<string, string[]> }[]
    expect(new Set(rows.flatMap((r) => Object.keys(r.tokens)))).toEqual(new Set(MATCH_KEYS))
  })

  it('answers a job sent while the workers still warm up with that job\'s rows', async () => {
    const pop = generatePopulation({ seed: 4, patients: 50, candidates: WORKER_THRESHOLD + 100, tier: 'realistic' })
    const persons = pop.candidates.map((c) => JSON.stringify(normalisePerson(c).person))
    const job = { epochKey: new Uint8Array(32).fill(5), kinds: MATCH_KEYS, refs: persons.map(() => randomBytes(16).toString('base64url')), persons }
    void warmTokenisers(2)
    const two = await tokeniseRowsParallel(job, { threads: 2 })
    const one = tokeniseRows(job)
    expect(Buffer.from(joinRows(two.slices)).toString('utf8')).toBe(Buffer.from(one.bytes).toString('utf8'))
    expect(two.skipped).toEqual(one.skipped)
  })
})
