// Test helpers: normalise council values the simple way, to compare them with the trust's canonical values.
import type { CandidateRow, PatientRow, Population, Truth } from '../src/index.js'

export function normPostcode(s: string): string {
  return s.toUpperCase().replace(/\s+/g, '')
}

export function normName(s: string): string {
  return s.trim().replace(/\s+/g, ' ').toLowerCase()
}

/** Drop a leading title ("Mr", "Mrs.", "Master") from a council given name. */
export function dropTitle(s: string): string {
  return s.trim().replace(/^(mr|mrs|ms|miss|dr|master)\.? /i, '')
}

export function isMissingPostcode(s: string): boolean {
  const n = normPostcode(s)
  return n === '' || n.startsWith('ZZ99') || /^N\.?F\.?A\.?$/.test(n) || n === 'NOFIXEDABODE'
}

/** Parse the four UK date formats the council uses into ISO, or null. */
export function parseUkDate(s: string): string | null {
  let m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(s)
  if (m) return valid(Number(m[1]), Number(m[2]), Number(m[3]))
  m = /^(\d{2})[/.-](\d{2})[/.-](\d{4})$/.exec(s)
  if (m) return valid(Number(m[3]), Number(m[2]), Number(m[1]))
  return null
}

function valid(y: number, mo: number, d: number): string | null {
  const dt = new Date(Date.UTC(y, mo - 1, d))
  if (dt.getUTCFullYear() !== y || dt.getUTCMonth() !== mo - 1 || dt.getUTCDate() !== d) return null
  return `${y}-${String(mo).padStart(2, '0')}-${String(d).padStart(2, '0')}`
}

export interface Pair {
  cand: CandidateRow
  truth: Truth
  patient: PatientRow
}

/** Candidates that are really indexed patients, with their patient rows. */
export function pairs(pop: Population): Pair[] {
  const byId = new Map(pop.patients.map((p) => [p.patient_id, p]))
  const out: Pair[] = []
  pop.candidates.forEach((cand, i) => {
    const truth = pop.truth[i] as Truth
    if (truth.patientId === null) return
    const patient = byId.get(truth.patientId)
    if (!patient) throw new Error(`truth row ${i} points to a missing patient`)
    out.push({ cand, truth, patient })
  })
  return out
}

/** Optimal-string-alignment distance (Damerau–Levenshtein without repeated edits). */
export function osaDistance(a: string, b: string): number {
  const d: number[][] = Array.from({ length: a.length + 1 }, (_, i) => Array.from({ length: b.length + 1 }, (_, j) => (i === 0 ? j : j === 0 ? i : 0)))
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1
      let v = Math.min(d[i - 1]![j]! + 1, d[i]![j - 1]! + 1, d[i - 1]![j - 1]! + cost)
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) v = Math.min(v, d[i - 2]![j - 2]! + 1)
      d[i]![j] = v
    }
  }
  return d[a.length]![b.length]!
}

/** True when the observed share k/n is within `sigmas` binomial standard deviations of p (plus a small floor). */
export function withinTolerance(k: number, n: number, p: number, sigmas = 4): boolean {
  if (n === 0) return false
  const sd = Math.sqrt((p * (1 - p)) / n)
  return Math.abs(k / n - p) <= sigmas * sd + 0.5 / n
}
