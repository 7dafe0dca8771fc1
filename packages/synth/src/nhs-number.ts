// NHS numbers: mod-11 check digits and a seeded, collision-free allocator in a range not issued to real people.
import { mix32 } from './prng.js'

/**
 * Mod-11 check digit for the first nine digits (weights 10..2). Returns 0–9, or 10 when no valid
 * check digit exists (such a nine-digit stem is never issued).
 */
export function nhsCheckDigit(stem: string): number {
  let sum = 0
  for (let i = 0; i < 9; i++) sum += (stem.charCodeAt(i) - 48) * (10 - i)
  const c = 11 - (sum % 11)
  return c === 11 ? 0 : c
}

/** True when `s` is ten digits with a correct mod-11 check digit. */
export function isValidNhsNumber(s: string): boolean {
  if (!/^\d{10}$/.test(s)) return false
  const c = nhsCheckDigit(s)
  return c !== 10 && c === s.charCodeAt(9) - 48
}

const HALF = 10_000 // the 10^8 stem space is split into two 10^4 halves for a Feistel permutation

/**
 * Hands out unique, mod-11-valid NHS numbers starting with 9 (stems 900000000–999999999). England issues
 * 4xx and 6xx–7xx numbers and Scotland/NI use lower ranges, so no synthetic number belongs to a real
 * person. Uniqueness comes from a keyed 4-round Feistel permutation of a counter, so no set is kept.
 */
export class NhsAllocator {
  private counter = 0
  private spareCounter = 0
  private readonly keys: number[]
  private readonly reserved: Set<string>

  constructor(seed: number, reserved: Iterable<string> = []) {
    this.keys = [1, 2, 3, 4].map((r) => mix32((seed * 31 + r * 0x9e37) >>> 0))
    this.reserved = new Set(reserved)
  }

  private permute(x: number): number {
    let l = Math.floor(x / HALF)
    let r = x % HALF
    for (let i = 0; i < 4; i++) {
      const f = mix32((r ^ (this.keys[i] as number)) >>> 0) % HALF
      const nl = r
      r = (l + f) % HALF
      l = nl
    }
    return l * HALF + r
  }

  /** The next number for a person. */
  next(): string {
    return this.take(false)
  }

  /**
   * A valid number that belongs to nobody generated (e.g. a mistyped-but-valid number), drawn from the
   * other end of the permutation so taking one never shifts the numbers people get.
   */
  spare(): string {
    return this.take(true)
  }

  private take(spare: boolean): string {
    for (;;) {
      if (this.counter + this.spareCounter >= HALF * HALF) throw new Error('NhsAllocator: synthetic NHS number range exhausted')
      const slot = spare ? HALF * HALF - 1 - this.spareCounter++ : this.counter++
      const stem = 900_000_000 + this.permute(slot)
      let sum = 0
      for (let x = stem, w = 2; w <= 10; w++, x = Math.floor(x / 10)) sum += (x % 10) * w
      const c = (11 - (sum % 11)) % 11
      if (c === 10) continue
      const nhs = String(stem * 10 + c)
      if (this.reserved.has(nhs)) continue
      return nhs
    }
  }
}

/** A ten-digit string with the right shape but a wrong check digit (for invalid-row tests). */
export function corruptCheckDigit(nhs: string): string {
  const c = nhs.charCodeAt(9) - 48
  return nhs.slice(0, 9) + String((c + 1) % 10)
}
