import { describe, expect, it } from 'vitest'
import {
  DISTRICTS,
  HOSTILE_NAMES,
  MARKERS,
  NOISE_KINDS,
  generatePopulation,
  isPostcodeFormat,
  isValidNhsNumber,
  type Population,
} from '../src/index.js'
import { isMissingPostcode, normPostcode, pairs, parseUkDate } from './helpers.js'

const base = { seed: 7, patients: 8000, candidates: 1500 } as const

describe('generatePopulation', () => {
  it('produces identical output for the same seed and options', () => {
    const a = generatePopulation({ ...base, tier: 'hard', invalidRows: true, markers: true })
    const b = generatePopulation({ ...base, tier: 'hard', invalidRows: true, markers: true })
    expect(b).toEqual(a)
  })

  it('produces different people for a different seed', () => {
    const a = generatePopulation({ ...base, tier: 'realistic' })
    const b = generatePopulation({ ...base, seed: 8, tier: 'realistic' })
    const namesA = a.candidates.slice(0, 50).map((c) => c.family_name + c.date_of_birth)
    const namesB = b.candidates.slice(0, 50).map((c) => c.family_name + c.date_of_birth)
    expect(namesB).not.toEqual(namesA)
  })

  it('keeps the candidate list unchanged when only the size of the trust index changes', () => {
    const small = generatePopulation({ ...base, patients: 3000, tier: 'realistic' })
    const large = generatePopulation({ ...base, patients: 20000, tier: 'realistic' })
    expect(large.candidates).toEqual(small.candidates)
  })

  it('keeps the same families and the same indexed candidates across tiers', () => {
    const clean = generatePopulation({ ...base, tier: 'clean' })
    const hard = generatePopulation({ ...base, tier: 'hard' })
    const shape = (pop: Population) => pop.candidates.map((c, i) => [c.family_id, c.criteria_met, pop.truth[i]!.patientId !== null])
    expect(shape(hard)).toEqual(shape(clean))
  })

  it('returns exactly the requested numbers of patients, candidates and truth rows', () => {
    for (const [patients, candidates] of [
      [8000, 1500],
      [10, 40],
      [0, 5],
      [50, 0],
    ] as const) {
      const pop = generatePopulation({ seed: 3, patients, candidates, tier: 'realistic', markers: true, invalidRows: true })
      expect(pop.patients).toHaveLength(patients)
      expect(pop.candidates).toHaveLength(candidates)
      expect(pop.truth).toHaveLength(candidates)
    }
  })

  it('puts the requested share of candidates in the trust index', () => {
    const pop = generatePopulation({ ...base, tier: 'clean', patientShare: 0.5 })
    const linked = pop.truth.filter((t) => t.patientId !== null).length
    expect(linked).toBe(Math.round(base.candidates * 0.5))
  })

  it('marks about the requested share of indexed patients active', () => {
    const pop = generatePopulation({ ...base, tier: 'clean', activeShare: 0.25 })
    const active = pop.patients.filter((p) => p.active_service === 'true').length
    expect(active / pop.patients.length).toBeGreaterThan(0.23)
    expect(active / pop.patients.length).toBeLessThan(0.27)
  })

  it('rejects invalid options naming the field', () => {
    expect(() => generatePopulation({ ...base, patients: -1, tier: 'clean' })).toThrow(/patients/)
    expect(() => generatePopulation({ ...base, tier: 'clean', patientShare: 1.5 })).toThrow(/patientShare/)
    expect(() => generatePopulation({ ...base, tier: 'clean', asOf: '2026-02-30' })).toThrow(/asOf/)
    expect(() => generatePopulation({ ...base, tier: 'nope' as 'clean' })).toThrow(/tier/)
  })

  it('reports its parameters, including the tier rates', () => {
    const pop = generatePopulation({ ...base, tier: 'hard' })
    expect(pop.params).toMatchObject({ seed: 7, tier: 'hard', patientShare: 0.3, activeShare: 0.4, asOf: '2026-11-01' })
    expect((pop.params.rates as Record<string, number>).moved).toBeGreaterThan(0)
  })
})

describe('identifiers and formats', () => {
  const pop = generatePopulation({ ...base, tier: 'hard', invalidRows: true, markers: true })

  it('gives every patient a mod-11-valid NHS number, unique across the index', () => {
    expect(pop.patients.every((p) => isValidNhsNumber(p.nhs_number))).toBe(true)
    expect(new Set(pop.patients.map((p) => p.nhs_number)).size).toBe(pop.patients.length)
  })

  it('gives every council NHS number, other than deliberately invalid ones, a valid check digit', () => {
    pop.candidates.forEach((c, i) => {
      const digits = c.nhs_number.replace(/[\s-]/g, '')
      if (digits === '' || pop.truth[i]!.noise.includes('invalid_nhs')) return
      expect(isValidNhsNumber(digits)).toBe(true)
    })
  })

  it('makes every deliberately invalid NHS number fail the check', () => {
    const bad = pop.candidates.filter((_, i) => pop.truth[i]!.noise.includes('invalid_nhs'))
    expect(bad.length).toBeGreaterThan(0)
    for (const c of bad) expect(isValidNhsNumber(c.nhs_number.replace(/[\s-]/g, ''))).toBe(false)
  })

  it('uses unique patient ids and BRFC refs in the agreed shapes', () => {
    expect(new Set(pop.patients.map((p) => p.patient_id)).size).toBe(pop.patients.length)
    expect(new Set(pop.candidates.map((c) => c.ref)).size).toBe(pop.candidates.length)
    for (const c of pop.candidates) expect(c.ref).toMatch(/^BRFC-\d{6}$/)
  })

  it('writes canonical, valid-format postcodes and ISO dates on the trust side', () => {
    for (const p of pop.patients) {
      expect(isPostcodeFormat(p.postcode)).toBe(true)
      expect(parseUkDate(p.date_of_birth)).toBe(p.date_of_birth)
      expect(['M', 'F']).toContain(p.sex)
    }
  })

  it('writes council postcodes that are valid after spacing and case, or deliberately missing', () => {
    for (const c of pop.candidates) {
      if (isMissingPostcode(c.postcode)) continue
      const n = normPostcode(c.postcode)
      expect(isPostcodeFormat(`${n.slice(0, -3)} ${n.slice(-3)}`)).toBe(true)
    }
  })

  it('uses only the eight county districts or a blank', () => {
    const allowed = new Set<string>([...DISTRICTS, ''])
    for (const c of pop.candidates) expect(allowed.has(c.district)).toBe(true)
    expect(pop.candidates.some((c) => c.district === '')).toBe(true)
  })

  it('writes criteria_met as an integer, at least 2 unless the row is deliberately short of criteria', () => {
    pop.candidates.forEach((c, i) => {
      expect(c.criteria_met).toMatch(/^\d+$/)
      if (!pop.truth[i]!.noise.includes('low_criteria')) expect(Number(c.criteria_met)).toBeGreaterThanOrEqual(2)
      else expect(Number(c.criteria_met)).toBeLessThan(2)
    })
  })

  it('labels noise only with documented kinds', () => {
    const known = new Set<string>(NOISE_KINDS)
    for (const t of pop.truth) for (const n of t.noise) expect(known.has(n)).toBe(true)
  })
})

describe('truth', () => {
  const pops: Population[] = (['clean', 'realistic', 'hard'] as const).map((tier) =>
    generatePopulation({ ...base, tier, invalidRows: true, markers: true }),
  )

  it('points every truth patient id at an existing patient', () => {
    for (const pop of pops) {
      const ids = new Set(pop.patients.map((p) => p.patient_id))
      for (const t of pop.truth) if (t.patientId !== null) expect(ids.has(t.patientId)).toBe(true)
    }
  })

  it('expects active exactly for sent candidates whose patient is active and not restricted', () => {
    const yes = new Set(['true', '1', 'Y'])
    for (const pop of pops) {
      const byId = new Map(pop.patients.map((p) => [p.patient_id, p]))
      let positives = 0
      pop.truth.forEach((t) => {
        const p = t.patientId === null ? undefined : byId.get(t.patientId)
        const expected = p !== undefined && t.sent && yes.has(p.active_service) && !yes.has(p.restricted ?? '')
        expect(t.expectedActive).toBe(expected)
        if (expected) positives++
      })
      expect(positives).toBeGreaterThan(0)
    }
  })

  it('marks a row as not sent exactly when its date of birth is unusable or it meets fewer than 2 criteria', () => {
    for (const pop of pops) {
      pop.truth.forEach((t, i) => {
        const c = pop.candidates[i]!
        const usable = parseUkDate(c.date_of_birth) !== null && Number(c.criteria_met) >= 2
        expect(t.sent).toBe(usable)
      })
      expect(pop.truth.some((t) => !t.sent)).toBe(true)
    }
  })

  it('links a candidate to a patient with the same date of birth unless the date is swapped or invalid', () => {
    for (const pop of pops) {
      for (const { cand, truth, patient } of pairs(pop)) {
        if (truth.noise.includes('dob_swap') || truth.noise.includes('invalid_dob')) continue
        expect(parseUkDate(cand.date_of_birth)).toBe(patient.date_of_birth)
      }
    }
  })

  it('leaves values identical up to formatting in the clean tier', () => {
    const pop = pops[0]!
    for (const { cand, truth, patient } of pairs(pop)) {
      if (truth.noise.includes('marker')) continue
      expect(cand.given_name.trim().toLowerCase()).toBe(patient.given_name.toLowerCase())
      expect(cand.family_name.trim().toLowerCase()).toBe(patient.family_name.toLowerCase())
      expect(normPostcode(cand.postcode)).toBe(normPostcode(patient.postcode))
      const nhs = cand.nhs_number.replace(/[\s-]/g, '')
      if (nhs !== '' && !truth.noise.includes('invalid_nhs')) expect(nhs).toBe(patient.nhs_number)
    }
  })
})

describe('markers', () => {
  const pop = generatePopulation({ ...base, tier: 'hard', markers: true })

  it('exports marker people with valid NHS numbers, postcodes and dates', () => {
    expect(MARKERS.length).toBeGreaterThanOrEqual(3)
    for (const m of MARKERS) {
      expect(isValidNhsNumber(m.nhs_number)).toBe(true)
      expect(isPostcodeFormat(m.postcode)).toBe(true)
      expect(parseUkDate(m.date_of_birth)).toBe(m.date_of_birth)
    }
  })

  it('injects every marker as a candidate and the first as an active indexed patient', () => {
    for (const m of MARKERS) {
      expect(pop.candidates.some((c) => c.given_name === m.given_name && c.nhs_number === m.nhs_number)).toBe(true)
    }
    const first = MARKERS[0]!
    const patient = pop.patients.find((p) => p.nhs_number === first.nhs_number)
    expect(patient?.given_name).toBe(first.given_name)
    const i = pop.candidates.findIndex((c) => c.nhs_number === first.nhs_number)
    expect(pop.truth[i]!.patientId).toBe(patient?.patient_id)
    expect(pop.truth[i]!.expectedActive).toBe(true)
  })

  it('uses marker values nowhere else', () => {
    const values = MARKERS.flatMap((m) => [m.given_name, m.nhs_number])
    const nonMarker = pop.candidates.filter((_, i) => !pop.truth[i]!.noise.includes('marker'))
    for (const c of nonMarker) for (const v of values) expect(Object.values(c)).not.toContain(v)
    expect(pop.patients.filter((p) => values.includes(p.nhs_number))).toHaveLength(1)
  })

  it('injects no markers unless asked', () => {
    const plain = generatePopulation({ ...base, tier: 'hard' })
    const text = JSON.stringify(plain)
    for (const m of MARKERS) expect(text).not.toContain(m.nhs_number)
  })
})

describe('optional rows and columns', () => {
  it('leaves the restricted field out, and restricts nobody, when restrictedColumn is false', () => {
    const pop = generatePopulation({ ...base, tier: 'realistic', restrictedColumn: false })
    expect(pop.patients.every((p) => !('restricted' in p))).toBe(true)
    const byId = new Map(pop.patients.map((p) => [p.patient_id, p]))
    pop.truth.forEach((t) => {
      const p = t.patientId === null ? undefined : byId.get(t.patientId)
      expect(t.expectedActive).toBe(p !== undefined && t.sent && ['true', '1', 'Y'].includes(p.active_service))
    })
  })

  it('gives hostile family names only to a few non-patient candidates, labelled hostile', () => {
    const pop = generatePopulation({ ...base, tier: 'realistic', hostileRows: true })
    const rows = pop.candidates.flatMap((c, i) => (pop.truth[i]!.noise.includes('hostile') ? [i] : []))
    expect(rows.length).toBeGreaterThanOrEqual(1)
    expect(rows.length).toBeLessThanOrEqual(HOSTILE_NAMES.length)
    for (const i of rows) {
      expect(HOSTILE_NAMES).toContain(pop.candidates[i]!.family_name)
      expect(pop.truth[i]!.patientId).toBeNull()
      expect(pop.truth[i]!.sent).toBe(true)
    }
    const others = pop.candidates.filter((_, i) => !rows.includes(i))
    for (const c of others) expect(HOSTILE_NAMES).not.toContain(c.family_name)
  })

  it('adds no hostile names unless asked', () => {
    const pop = generatePopulation({ ...base, tier: 'hard' })
    expect(pop.candidates.some((c) => /^[=+@-]/.test(c.family_name))).toBe(false)
  })
})
