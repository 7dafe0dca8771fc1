// The patient ids an import has seen so far, as fingerprints: how a patient seen again after others is told.

/**
 * A set of 63-bit fingerprints of patient ids (two FNV-1a variants, the second's lowest bit always set, as 0 there marks
 * an empty slot), open addressing in one typed array: 8 bytes a slot, at most half of them used, so 16–32 bytes per
 * patient instead of a string in a Set. A probe reads one cache line; with the two halves and a used mark in three
 * arrays it read three. Most of the set's cost is those cache misses (~0.5 s of a million-patient import's main thread,
 * ~40 ms less than with three arrays). Two different ids sharing a fingerprint (odds ~n²/2⁶⁴) would be reported as a
 * repeat, never merged.
 */
export class FingerprintSet {
  /** [h1, h2] per slot; h2 is 0 only in an empty slot */
  private slots: Int32Array
  private count = 0

  /** `slots`: a power of two, the table's size before it first grows */
  constructor(slots = 1 << 16) {
    this.slots = new Int32Array(2 * slots)
  }

  add(id: string): boolean {
    let h1 = 0x811c9dc5
    let h2 = 0x01000193 ^ id.length
    for (let i = 0; i < id.length; i++) {
      const c = id.charCodeAt(i)
      h1 = Math.imul(h1 ^ c, 0x01000193)
      h2 = Math.imul(h2 ^ c, 0x5bd1e995) ^ (h2 >>> 15)
    }
    if ((this.count + 1) * 4 > this.slots.length) this.grow()
    return this.insert(h1 | 0, h2 | 1)
  }

  private insert(h1: number, h2: number): boolean {
    const s = this.slots
    const mask = (s.length >> 1) - 1
    for (let i = (h1 ^ Math.imul(h2, 0x9e3779b1)) & mask; ; i = (i + 1) & mask) {
      const lo = s[2 * i + 1]!
      if (lo === 0) {
        s[2 * i] = h1
        s[2 * i + 1] = h2
        this.count++
        return true
      }
      if (lo === h2 && s[2 * i] === h1) return false
    }
  }

  private grow(): void {
    const old = this.slots
    this.slots = new Int32Array(old.length * 2)
    this.count = 0
    for (let i = 0; i < old.length; i += 2) if (old[i + 1] !== 0) this.insert(old[i]!, old[i + 1]!)
  }
}
