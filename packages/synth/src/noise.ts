// Council-side variations: pure formatting (every tier) and value errors (realistic and hard tiers).
import { Rng } from './prng.js'
import { formatDate, type DateFormat, type Ymd } from './dates.js'
import { PSEUDO_POSTCODES } from './places.js'

const NEIGHBOURS: Readonly<Record<string, string>> = {
  a: 'qwsz', b: 'vghn', c: 'xdfv', d: 'serfcx', e: 'wsdr', f: 'drtgvc', g: 'ftyhbv', h: 'gyujnb',
  i: 'ujko', j: 'huikmn', k: 'jiolm', l: 'kop', m: 'njk', n: 'bhjm', o: 'iklp', p: 'ol',
  q: 'wa', r: 'edft', s: 'awedxz', t: 'rfgy', u: 'yhji', v: 'cfgb', w: 'qase', x: 'zsdc',
  y: 'tghu', z: 'asx',
}

function isAsciiLetter(ch: string): boolean {
  if (ch.length !== 1) return false
  const c = ch.charCodeAt(0) | 0x20
  return c >= 0x61 && c <= 0x7a
}

function matchCase(ch: string, like: string): string {
  return like === like.toUpperCase() ? ch.toUpperCase() : ch.toLowerCase()
}

/** Number of ASCII letters, the positions a typo may touch. */
export function letterCount(s: string): number {
  let n = 0
  for (const ch of s) if (isAsciiLetter(ch)) n++
  return n
}

/**
 * One keyboard-style edit (neighbour substitution, deletion, doubled letter or adjacent transposition)
 * at an ASCII letter; the result always differs from the input. Needs at least 3 letters.
 */
export function typo(s: string, rng: Rng): string {
  const chars = [...s]
  const positions = chars.flatMap((ch, i) => (isAsciiLetter(ch) ? [i] : []))
  if (positions.length < 3) throw new Error('typo: name must have at least 3 letters')
  for (;;) {
    // Keep the first letter most of the time: people rarely get the initial wrong.
    const i = positions[1 + rng.int(positions.length - 1)] as number
    const ch = chars[i] as string
    const out = chars.slice()
    switch (rng.int(4)) {
      case 0: {
        const nb = NEIGHBOURS[ch.toLowerCase()] ?? 'e'
        out[i] = matchCase(nb[rng.int(nb.length)] as string, ch)
        break
      }
      case 1:
        out.splice(i, 1)
        break
      case 2:
        out.splice(i, 0, ch.toLowerCase())
        break
      default: {
        const prev = out[i - 1]
        if (prev === undefined || !isAsciiLetter(prev)) continue
        out[i - 1] = matchCase(ch, prev)
        out[i] = matchCase(prev, ch)
      }
    }
    const r = out.join('')
    if (r !== s) return r
  }
}

/** Case and spacing variations of a name; noisy tiers also vary apostrophes and hyphens. */
export function formatName(name: string, rng: Rng, noisy: boolean): string {
  let s = name
  if (noisy && s.includes("'")) {
    const r = rng.float()
    if (r < 0.15) s = s.replace(/'/g, '\u2019')
    else if (r < 0.3) s = s.replace(/'/g, '')
  }
  if (noisy && s.includes('-') && rng.chance(0.1)) s = s.replace(/-/g, ' ')
  const r = rng.float()
  if (r < 0.15) s = s.toUpperCase()
  else if (r < 0.2) s = s.toLowerCase()
  else if (r < 0.23) s = ' ' + s
  else if (r < 0.26) s = s + ' '
  else if (r < 0.28 && s.includes(' ')) s = s.replace(' ', '  ')
  return s
}

const DATE_FORMATS: readonly DateFormat[] = ['iso', 'iso', 'iso', 'iso', 'slash', 'slash', 'slash', 'slash', 'dash', 'dot']

export function formatDob(d: Ymd, rng: Rng): string {
  return formatDate(d, rng.pick(DATE_FORMATS))
}

/** Spacing and case variations of a canonical postcode ("ST16 2AB"). */
export function formatPostcode(pc: string, rng: Rng): string {
  const r = rng.float()
  if (r < 0.6) return pc
  if (r < 0.8) return pc.replace(' ', '')
  if (r < 0.9) return pc.toLowerCase()
  if (r < 0.95) return pc.replace(' ', '  ')
  return ' ' + pc
}

export function formatNhs(nhs: string, rng: Rng): string {
  const r = rng.float()
  if (r < 0.6) return nhs
  const sep = r < 0.9 ? ' ' : '-'
  return nhs.slice(0, 3) + sep + nhs.slice(3, 6) + sep + nhs.slice(6)
}

export function formatSex(sex: 'M' | 'F', rng: Rng, noisy: boolean): string {
  const r = rng.float()
  if (!noisy) {
    if (r < 0.7) return sex
    if (r < 0.9) return sex === 'M' ? 'Male' : 'Female'
    return sex.toLowerCase()
  }
  if (r < 0.5) return sex
  if (r < 0.7) return sex === 'M' ? '1' : '2'
  if (r < 0.9) return sex === 'M' ? 'male' : 'female'
  return sex === 'M' ? 'Male' : 'Female'
}

/** A missing sex as councils record it. */
export function missingSex(rng: Rng): string {
  return rng.chance(0.7) ? '' : 'U'
}

/** A missing postcode: blank, a ZZ99 pseudo-postcode or "no fixed abode". Returns [value, noise kind]. */
export function missingPostcode(rng: Rng): [string, string] {
  const r = rng.float()
  if (r < 0.4) return ['', 'postcode_blank']
  if (r < 0.8) return [rng.pick(PSEUDO_POSTCODES), 'postcode_zz99']
  return [rng.pick(['NFA', 'No fixed abode', 'N.F.A.']), 'postcode_nfa']
}

/** Boolean as the trust extract writes it: true/false in the clean tier, mixed vocabularies otherwise. */
export function formatFlag(v: boolean, rng: Rng, noisy: boolean): string {
  if (!noisy) return v ? 'true' : 'false'
  const r = rng.float()
  if (r < 0.5) return v ? 'true' : 'false'
  if (r < 0.75) return v ? '1' : '0'
  return v ? 'Y' : 'N'
}

/** Impossible or unreadable dates of birth (for invalid-row tests). */
export const BAD_DOBS: readonly string[] = ['', '31/02/2011', '2010-13-05', 'unknown', '00/00/0000', '30.02.2009', '2012-04-31']
