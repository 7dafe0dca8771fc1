import { leafHash } from '../src/index.js'

export const hex = (h: string): Uint8Array => new Uint8Array(Buffer.from(h, 'hex'))
export const toHexs = (hs: readonly Uint8Array[]): string[] => hs.map((h) => Buffer.from(h).toString('hex'))

/** Leaf hashes of n distinct synthetic leaves, "leaf-0", "leaf-1", … */
export function syntheticLeaves(n: number): Uint8Array[] {
  return Array.from({ length: n }, (_, i) => leafHash(new TextEncoder().encode(`leaf-${i}`)))
}

export function flipBit(h: Uint8Array, bit = 3): Uint8Array {
  const c = h.slice()
  c[0] = (c[0] as number) ^ (1 << bit)
  return c
}
