import { describe, expect, it } from 'vitest'
import { generatePopulation, type CandidateRow, type PatientRow } from '../src/index.js'
import { normName, normPostcode, pairs } from './helpers.js'

// Clean tier: council values equal the true values up to formatting, so structure is visible in the rows. Look-alike
// strangers at thirty times the realistic rate so that there are enough of them to check.
const pop = generatePopulation({ seed: 11, patients: 30000, candidates: 6000, tier: 'clean', strangerScale: 30 })
const key = (c: { given_name: string; family_name: string; date_of_birth: string }): string =>
  `${normName(c.given_name)}|${normName(c.family_name)}|${c.date_of_birth}`
const iso = (s: string): string => {
  const m = /^(\d{2})[/.-](\d{2})[/.-](\d{4})$/.exec(s)
  return m ? `${m[3]}-${m[2]}-${m[1]}` : s
}
const cands = pop.candidates.map((c) => ({ ...c, date_of_birth: iso(c.date_of_birth) }))
const byKey = new Map<string, PatientRow[]>()
for (const p of pop.patients) byKey.set(key(p), [...(byKey.get(key(p)) ?? []), p])
const bySurnameDob = new Map<string, PatientRow[]>()
for (const p of pop.patients) {
  const k = `${normName(p.family_name)}|${p.date_of_birth}`
  bySurnameDob.set(k, [...(bySurnameDob.get(k) ?? []), p])
}
const families = new Map<string, CandidateRow[]>()
for (const c of cands) families.set(c.family_id, [...(families.get(c.family_id) ?? []), c])

describe('households', () => {
  it('groups household members under one family id with one postcode', () => {
    expect(families.size).toBeGreaterThan(500)
    for (const members of families.values()) {
      expect(new Set(members.map((m) => normPostcode(m.postcode))).size).toBe(1)
    }
  })

  it('gives most members of a family the family surname, with parents and children of different ages', () => {
    let shared = 0
    let total = 0
    let multiGeneration = 0
    for (const members of families.values()) {
      const first = normName(members[0]!.family_name)
      shared += members.filter((m) => normName(m.family_name) === first).length
      total += members.length
      const years = members.map((m) => Number(m.date_of_birth.slice(0, 4)))
      if (Math.max(...years) - Math.min(...years) >= 16) multiGeneration++
    }
    expect(shared / total).toBeGreaterThan(0.8)
    expect(multiGeneration / families.size).toBeGreaterThan(0.8)
  })
})

describe('twins', () => {
  const twinRows = cands.filter((_, i) => pop.truth[i]!.noise.includes('twin'))

  it('includes twins: same family, surname and date of birth, different given names and NHS numbers', () => {
    expect(twinRows.length).toBeGreaterThan(50)
    let bothListed = 0
    for (const t of twinRows) {
      const sibs = families.get(t.family_id)!.filter((m) => m !== t && m.date_of_birth === t.date_of_birth)
      if (sibs.length === 0) continue // the other twin is not on the council's list
      bothListed++
      const sib = sibs[0]!
      expect(normName(sib.given_name)).not.toBe(normName(t.given_name))
      expect(normName(sib.family_name)).toBe(normName(t.family_name))
      const a = t.nhs_number.replace(/\D/g, '')
      const b = sib.nhs_number.replace(/\D/g, '')
      if (a !== '' && b !== '') expect(a).not.toBe(b)
    }
    expect(bothListed).toBeGreaterThan(40)
  })

  it('includes confusable twin names such as Jon and John', () => {
    const similar = [
      ['jon', 'john'],
      ['aidan', 'aiden'],
      ['ellie', 'ella'],
      ['sophie', 'sophia'],
      ['lea', 'leah'],
      ['katie', 'kate'],
      ['steven', 'stephen'],
      ['sean', 'shaun'],
      ['amelia', 'amelie'],
      ['daniel', 'danielle'],
      ['louis', 'louise'],
      ['oliver', 'olivia'],
      ['george', 'georgia'],
      ['harry', 'harriet'],
    ]
    const found = twinRows.some((t) => {
      const sib = families.get(t.family_id)!.find((m) => m !== t && m.date_of_birth === t.date_of_birth)
      if (!sib) return false
      const pair = [normName(t.given_name), normName(sib.given_name)].sort().join('|')
      return similar.some((s) => [...s].sort().join('|') === pair)
    })
    expect(found).toBe(true)
  })

  it('includes non-patient twins whose twin is an indexed patient with the same surname, DOB and postcode', () => {
    const rows = pop.truth.flatMap((t, i) => (t.noise.includes('twin_of_patient') ? [i] : []))
    expect(rows.length).toBeGreaterThan(10)
    for (const i of rows) {
      expect(pop.truth[i]!.patientId).toBeNull()
      const c = cands[i]!
      const twin = (bySurnameDob.get(`${normName(c.family_name)}|${c.date_of_birth}`) ?? []).filter(
        (p) => normPostcode(p.postcode) === normPostcode(c.postcode),
      )
      expect(twin.length).toBeGreaterThanOrEqual(1)
      for (const p of twin) expect(normName(p.given_name)).not.toBe(normName(c.given_name))
    }
  })

  it('includes twin pairs where the other twin is not a candidate at all', () => {
    const hidden = pop.truth.filter((t, i) => {
      if (!t.noise.includes('twin_of_patient')) return false
      const c = cands[i]!
      return !families.get(c.family_id)!.some((m) => m !== c && m.date_of_birth === c.date_of_birth)
    })
    expect(hidden.length).toBeGreaterThan(0)
  })
})

describe('look-alikes', () => {

  it('includes non-patient candidates with a same-name-same-DOB stranger in the index', () => {
    const rows = pop.truth.flatMap((t, i) => (t.noise.includes('lookalike_stranger') ? [i] : []))
    expect(rows.length).toBeGreaterThan(20)
    for (const i of rows) {
      expect(pop.truth[i]!.patientId).toBeNull()
      const c = cands[i]!
      const strangers = byKey.get(key(c)) ?? []
      expect(strangers.length).toBeGreaterThanOrEqual(1)
      for (const s of strangers) expect(normPostcode(s.postcode)).not.toBe(normPostcode(c.postcode))
    }
  })

  it('draws strangers in proportion to how common the full name is: common names get them, rare ones almost never', () => {
    const nameCount = new Map<string, number>()
    const fullName = (c: { given_name: string; family_name: string }) => `${normName(c.given_name)}|${normName(c.family_name)}`
    for (const c of cands) nameCount.set(fullName(c), (nameCount.get(fullName(c)) ?? 0) + 1)
    const given = new Map<string, number>()
    const family = new Map<string, number>()
    for (const c of cands) {
      given.set(normName(c.given_name), (given.get(normName(c.given_name)) ?? 0) + 1)
      family.set(normName(c.family_name), (family.get(normName(c.family_name)) ?? 0) + 1)
    }
    const share = (c: CandidateRow) => (given.get(normName(c.given_name))! / cands.length) * (family.get(normName(c.family_name))! / cands.length)
    const withStranger = pop.truth.flatMap((t, i) => (t.noise.includes('lookalike_stranger') || t.noise.includes('stranger_in_index') ? [cands[i]!] : []))
    const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length
    // Names of people given a stranger are several times more common than names of candidates at large.
    expect(mean(withStranger.map(share))).toBeGreaterThan(3 * mean(cands.map(share)))
    // The rarer half of the names (by given x family share) holds few of the strangers.
    const sorted = cands.map(share).sort((a, b) => a - b)
    const median = sorted[Math.floor(sorted.length / 2)]!
    expect(withStranger.filter((c) => share(c) < median).length).toBeLessThan(0.15 * withStranger.length)
  })

  it('puts no look-alike strangers in the index at the clean tier by default', () => {
    const plain = generatePopulation({ seed: 11, patients: 5000, candidates: 1000, tier: 'clean' })
    expect(plain.truth.filter((t) => t.noise.includes('lookalike_stranger') || t.noise.includes('stranger_in_index'))).toEqual([])
  })

  it('includes indexed candidates who share name and DOB with another indexed patient', () => {
    const rows = pairs(pop).filter((p) => p.truth.noise.includes('stranger_in_index'))
    expect(rows.length).toBeGreaterThan(0)
    for (const { patient } of rows) expect(byKey.get(key(patient))?.length).toBeGreaterThanOrEqual(2)
  })

  it('includes non-patient household members of indexed patients', () => {
    const rows = pop.truth.filter((t) => t.noise.includes('household_of_patient'))
    expect(rows.length).toBeGreaterThan(100)
    for (const t of rows) expect(t.patientId).toBeNull()
  })

  it('has name skew: the commonest surname covers 1–5% of the index and hundreds of surnames occur', () => {
    const counts = new Map<string, number>()
    for (const p of pop.patients) counts.set(p.family_name, (counts.get(p.family_name) ?? 0) + 1)
    const top = Math.max(...counts.values()) / pop.patients.length
    expect(top).toBeGreaterThan(0.01)
    expect(top).toBeLessThan(0.05)
    expect(counts.size).toBeGreaterThan(250)
    const names = [...counts.keys()]
    expect(names.some((n) => n.includes("'"))).toBe(true)
    expect(names.some((n) => n.includes('-'))).toBe(true)
    expect(names.some((n) => /[^\x00-\x7f]/.test(n))).toBe(true)
  })
})

describe('name lists', () => {
  it('hold a few hundred distinct names per list, and nicknames only for listed or common formal names', async () => {
    const { MALE_GIVEN, FEMALE_GIVEN, SURNAMES, NICKNAMES } = await import('../src/names.js')
    for (const list of [MALE_GIVEN, FEMALE_GIVEN, SURNAMES]) {
      expect(list.length).toBeGreaterThanOrEqual(200)
      expect(new Set(list).size).toBe(list.length)
    }
    for (const [formal, nicks] of Object.entries(NICKNAMES)) {
      expect(nicks.length).toBeGreaterThan(0)
      expect(nicks).not.toContain(formal)
    }
  })
})
