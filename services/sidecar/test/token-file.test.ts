// A version's token file is flushed to disk while the import appends to it, so that commit has only its end left to
// write; what the file holds is every append, in order, whatever the flushes overlapped.
import { randomBytes } from 'node:crypto'
import { mkdtemp, readdir, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { TOKEN_BYTES } from '@healthflag/tokens'
import { until } from '../../../test/support/until.js'
import { TokenFileReader, TokenFileWriter, chunkDigest } from '../src/import/token-file.js'

const dirs: string[] = []
afterEach(async () => {
  await Promise.all(dirs.splice(0).map((d) => rm(d, { recursive: true, force: true })))
})

async function newDir(): Promise<string> {
  const d = await mkdtemp(join(tmpdir(), 'hf-token-file-'))
  dirs.push(d)
  return d
}

function chunk(tokens: number): { kinds: Uint8Array; tokens: Uint8Array } {
  return { kinds: new Uint8Array(randomBytes(tokens)), tokens: new Uint8Array(randomBytes(tokens * TOKEN_BYTES)) }
}

describe('TokenFileWriter', () => {
  it('flushes in the background once syncEvery bytes are appended, and the file reads back append by append', async () => {
    const dir = await newDir()
    const writer = await TokenFileWriter.create(dir, 7, { syncEvery: 8 << 10 })
    const chunks = Array.from({ length: 12 }, (_, i) => chunk(300 + 40 * i))
    const offsets: number[] = []
    for (const c of chunks) offsets.push(await writer.append(c.kinds, c.tokens))
    const total = chunks.reduce((n, c) => n + c.kinds.length + c.tokens.length, 0)

    await until('a background flush', async () => (writer.syncedBytes > 0 ? true : undefined), 5000)
    expect(writer.syncedBytes).toBeGreaterThanOrEqual(8 << 10)
    expect(writer.syncedBytes).toBeLessThanOrEqual(total)
    await writer.commit()

    const reader = await TokenFileReader.open(dir, writer.name, 7)
    try {
      for (const [i, c] of chunks.entries()) {
        const kinds = new Uint8Array(c.kinds.length)
        const tokens = new Uint8Array(c.tokens.length)
        await reader.readInto(offsets[i]!, kinds, tokens, chunkDigest(c.kinds, c.tokens))
        expect(kinds).toEqual(c.kinds)
        expect(tokens).toEqual(c.tokens)
      }
    } finally {
      await reader.close()
    }
  })

  it('starts no flush before syncEvery bytes have been appended', async () => {
    const dir = await newDir()
    const writer = await TokenFileWriter.create(dir, 8, { syncEvery: 1 << 20 })
    for (let i = 0; i < 3; i++) {
      const c = chunk(1000)
      await writer.append(c.kinds, c.tokens)
    }
    await new Promise((r) => setTimeout(r, 50))
    expect(writer.syncedBytes).toBe(0)
    await writer.commit()
  })

  it('a file discarded while a flush may still run leaves nothing behind', async () => {
    const dir = await newDir()
    const writer = await TokenFileWriter.create(dir, 9, { syncEvery: 1 })
    const c = chunk(500)
    await writer.append(c.kinds, c.tokens)
    await writer.discard()
    expect(await readdir(dir)).toEqual([])
  })
})
