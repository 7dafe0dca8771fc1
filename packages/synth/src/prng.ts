// Seeded PRNG (sfc32, seeded through splitmix32) and sampling helpers; no Math.random anywhere in synth.

/** Mix a 32-bit value (splitmix32 finaliser). */
export function mix32(x: number): number {
  x = (x + 0x9e3779b9) | 0
  x = Math.imul(x ^ (x >>> 16), 0x85ebca6b)
  x = Math.imul(x ^ (x >>> 13), 0xc2b2ae35)
  return (x ^ (x >>> 16)) >>> 0
}

/** FNV-1a of a label, used to derive independent streams from one seed. */
function hashLabel(label: string): number {
  let h = 0x811c9dc5
  for (let i = 0; i < label.length; i++) {
    h ^= label.charCodeAt(i)
    h = Math.imul(h, 0x01000193)
  }
  return h >>> 0
}

/**
 * Small fast generator (sfc32). One instance per concern ("households", "noise", ...) so that, for
 * example, changing the number of trust patients does not reshuffle the candidate list.
 */
export class Rng {
  private a: number
  private b: number
  private c: number
  private d: number

  constructor(seed: number, label = '') {
    const s = mix32((Math.trunc(seed) ^ hashLabel(label)) >>> 0)
    this.a = mix32(s ^ 0x243f6a88)
    this.b = mix32(s ^ 0x85a308d3)
    this.c = mix32(s ^ 0x13198a2e)
    this.d = 1
    for (let i = 0; i < 12; i++) this.u32()
  }

  /** Uniform unsigned 32-bit integer. */
  u32(): number {
    const t = (((this.a + this.b) | 0) + this.d) | 0
    this.d = (this.d + 1) | 0
    this.a = this.b ^ (this.b >>> 9)
    this.b = (this.c + (this.c << 3)) | 0
    this.c = (this.c << 21) | (this.c >>> 11)
    this.c = (this.c + t) | 0
    return t >>> 0
  }

  /** Uniform float in [0, 1). */
  float(): number {
    return this.u32() / 4294967296
  }

  /** Uniform integer in [0, n). */
  int(n: number): number {
    return Math.floor(this.float() * n)
  }

  /** Uniform integer in [lo, hi] inclusive. */
  range(lo: number, hi: number): number {
    return lo + this.int(hi - lo + 1)
  }

  /** True with probability p. */
  chance(p: number): boolean {
    return p > 0 && this.float() < p
  }

  pick<T>(items: readonly T[]): T {
    if (items.length === 0) throw new Error('pick: items must not be empty')
    return items[this.int(items.length)] as T
  }

  /** In-place Fisher–Yates shuffle. */
  shuffle<A extends { length: number; [i: number]: unknown }>(items: A): A {
    for (let i = items.length - 1; i > 0; i--) {
      const j = this.int(i + 1)
      const t = items[i]
      items[i] = items[j]
      items[j] = t
    }
    return items
  }

  /** k distinct indices from [0, n), in random order. */
  sampleIndices(n: number, k: number): number[] {
    const take = Math.min(k, n)
    const idx = Array.from({ length: n }, (_, i) => i)
    for (let i = 0; i < take; i++) {
      const j = i + this.int(n - i)
      const t = idx[i] as number
      idx[i] = idx[j] as number
      idx[j] = t
    }
    return idx.slice(0, take)
  }
}

/** Weighted sampler over a fixed list (Walker's alias method: O(1) per draw). */
export class WeightedPicker<T> {
  private readonly items: readonly T[]
  private readonly prob: Float64Array
  private readonly alias: Uint32Array
  private readonly shares = new Map<T, number>()

  constructor(items: readonly T[], weights: readonly number[]) {
    const n = items.length
    if (n === 0 || weights.length !== n) throw new Error('WeightedPicker: items and weights must be non-empty and the same length')
    this.items = items
    const sum = weights.reduce((s, w) => s + w, 0)
    items.forEach((item, i) => this.shares.set(item, (this.shares.get(item) ?? 0) + (weights[i] as number) / sum))
    this.prob = new Float64Array(n)
    this.alias = new Uint32Array(n)
    const total = weights.reduce((s, w) => s + w, 0)
    const scaled = weights.map((w) => (w * n) / total)
    const small: number[] = []
    const large: number[] = []
    scaled.forEach((p, i) => (p < 1 ? small : large).push(i))
    while (small.length > 0 && large.length > 0) {
      const s = small.pop() as number
      const l = large.pop() as number
      this.prob[s] = scaled[s] as number
      this.alias[s] = l
      scaled[l] = (scaled[l] as number) + (scaled[s] as number) - 1
      ;((scaled[l] as number) < 1 ? small : large).push(l)
    }
    for (const i of large) this.prob[i] = 1
    for (const i of small) this.prob[i] = 1
  }

  /** The probability that pick() returns this item (0 for an item not in the list). */
  share(item: T): number {
    return this.shares.get(item) ?? 0
  }

  pick(rng: Rng): T {
    const i = rng.int(this.items.length)
    return (rng.float() < (this.prob[i] as number) ? this.items[i] : this.items[this.alias[i] as number]) as T
  }
}

/** Zipf–Mandelbrot weights for ranks 1..n: 1 / (rank + q)^s. */
export function zipfWeights(n: number, s: number, q: number): number[] {
  return Array.from({ length: n }, (_, i) => 1 / Math.pow(i + 1 + q, s))
}
