/** Production entry point of the trust side-car: config from env, PostgreSQL only. */
import { readFileSync } from 'node:fs'
import { Type } from 'typebox'
import { hasPlaceholderKeys, loadIsaFile } from '@healthflag/isa'
import { CommonEnv, parseEnv, productionDatabase, readPartyKeys, serve, type ApiUser } from '@healthflag/service-kit'
import { sidecarApp } from './app.js'

export async function main(env: NodeJS.ProcessEnv = process.env): Promise<void> {
  const cfg = parseEnv(
    Type.Object({
      ...CommonEnv.properties,
      PORT: Type.Integer({ default: 3002 }),
      KEYS_FILE: Type.String(),
      ISA_FILE: Type.String(),
      LEDGER_URL: Type.String({ format: 'uri' }),
      TOKEN_EPOCH: Type.Integer({ minimum: 0, default: 1 }),
      INDEX_DIR: Type.String({ minLength: 1 }),
    }),
    env,
  )
  const database = productionDatabase(cfg.DATABASE_URL)
  const isa = loadIsaFile(cfg.ISA_FILE)
  if (hasPlaceholderKeys(isa)) throw new Error('ISA_FILE still carries placeholder keys; register both parties\' public keys in the ISA first.')
  await serve({
    service: 'sidecar',
    plugin: sidecarApp,
    options: {
      database,
      keys: await readPartyKeys(cfg.KEYS_FILE),
      isa,
      ledgerUrl: cfg.LEDGER_URL,
      users: JSON.parse(readFileSync(cfg.USERS_FILE, 'utf8')) as ApiUser[],
      epoch: cfg.TOKEN_EPOCH,
      warmWorkers: true,
      preloadIndex: true,
      indexDir: cfg.INDEX_DIR,
    },
    host: cfg.HOST,
    port: cfg.PORT,
    logLevel: cfg.LOG_LEVEL,
  })
}
