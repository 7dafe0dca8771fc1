/** The eight Staffordshire districts the programme reports by, and per-family flags within a scope. */
export const STAFFORDSHIRE_DISTRICTS = [
  'Cannock Chase',
  'East Staffordshire',
  'Lichfield',
  'Newcastle-under-Lyme',
  'South Staffordshire',
  'Stafford',
  'Staffordshire Moorlands',
  'Tamworth',
] as const

export interface ResultRowLike {
  district: string | null
  family_id: string | null
  active: boolean | null
}

export interface FamilySummary {
  family_id: string
  district: string | null
  members: number
  members_flagged: number
  /** A family meets the mental-health criterion when any member is flagged. */
  flagged: boolean
}

/** Families among the given rows (rows without a family_id are not a family). */
export function familiesOf(rows: readonly ResultRowLike[]): FamilySummary[] {
  const byId = new Map<string, FamilySummary>()
  for (const r of rows) {
    if (r.family_id === null || r.family_id === '') continue
    const f = byId.get(r.family_id) ?? { family_id: r.family_id, district: r.district, members: 0, members_flagged: 0, flagged: false }
    f.members++
    if (r.active === true) {
      f.members_flagged++
      f.flagged = true
    }
    if (f.district === null) f.district = r.district
    byId.set(r.family_id, f)
  }
  return [...byId.values()].sort((a, b) => a.family_id.localeCompare(b.family_id))
}

export interface DistrictSummary {
  district: string
  people: number
  people_flagged: number
  families: number
  families_flagged: number
}

/** One line per Staffordshire district (zeros included), then rows with another or no district. */
export function districtSummary(rows: readonly ResultRowLike[]): DistrictSummary[] {
  const out = new Map<string, DistrictSummary>(STAFFORDSHIRE_DISTRICTS.map((d) => [d, { district: d, people: 0, people_flagged: 0, families: 0, families_flagged: 0 }]))
  const key = (d: string | null) => (d === null || d === '' ? 'No district' : d)
  for (const r of rows) {
    const s = out.get(key(r.district)) ?? { district: key(r.district), people: 0, people_flagged: 0, families: 0, families_flagged: 0 }
    s.people++
    if (r.active === true) s.people_flagged++
    out.set(s.district, s)
  }
  for (const f of familiesOf(rows)) {
    const s = out.get(key(f.district))!
    s.families++
    if (f.flagged) s.families_flagged++
  }
  return [...out.values()]
}
