// Calendar helpers on day numbers (days since 1970-01-01), fast enough for millions of dates.

/** Day number of a civil date (proleptic Gregorian). */
export function daysFromCivil(y: number, m: number, d: number): number {
  y -= m <= 2 ? 1 : 0
  const era = Math.floor(y / 400)
  const yoe = y - era * 400
  const doy = Math.floor((153 * (m + (m > 2 ? -3 : 9)) + 2) / 5) + d - 1
  const doe = yoe * 365 + Math.floor(yoe / 4) - Math.floor(yoe / 100) + doy
  return era * 146097 + doe - 719468
}

export interface Ymd {
  y: number
  m: number
  d: number
}

/** Civil date of a day number. */
export function civilFromDays(z: number): Ymd {
  z += 719468
  const era = Math.floor(z / 146097)
  const doe = z - era * 146097
  const yoe = Math.floor((doe - Math.floor(doe / 1460) + Math.floor(doe / 36524) - Math.floor(doe / 146096)) / 365)
  const doy = doe - (365 * yoe + Math.floor(yoe / 4) - Math.floor(yoe / 100))
  const mp = Math.floor((5 * doy + 2) / 153)
  const d = doy - Math.floor((153 * mp + 2) / 5) + 1
  const m = mp + (mp < 10 ? 3 : -9)
  return { y: yoe + era * 400 + (m <= 2 ? 1 : 0), m, d }
}

function pad2(n: number): string {
  return n < 10 ? '0' + n : String(n)
}

export function isoDate({ y, m, d }: Ymd): string {
  return `${y}-${pad2(m)}-${pad2(d)}`
}

/** Parse a strict ISO date (YYYY-MM-DD) that exists in the calendar, else null. */
export function parseIsoDate(s: string): Ymd | null {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(s)
  if (!m) return null
  const ymd = { y: Number(m[1]), m: Number(m[2]), d: Number(m[3]) }
  if (ymd.m < 1 || ymd.m > 12 || ymd.d < 1) return null
  const back = civilFromDays(daysFromCivil(ymd.y, ymd.m, ymd.d))
  return back.y === ymd.y && back.m === ymd.m && back.d === ymd.d ? ymd : null
}

export type DateFormat = 'iso' | 'slash' | 'dash' | 'dot'

/** Render a date in one of the UK formats the council files use (never US month-first). */
export function formatDate({ y, m, d }: Ymd, f: DateFormat): string {
  switch (f) {
    case 'iso':
      return `${y}-${pad2(m)}-${pad2(d)}`
    case 'slash':
      return `${pad2(d)}/${pad2(m)}/${y}`
    case 'dash':
      return `${pad2(d)}-${pad2(m)}-${y}`
    case 'dot':
      return `${pad2(d)}.${pad2(m)}.${y}`
  }
}
