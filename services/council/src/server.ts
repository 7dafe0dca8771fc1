/** Production entry point of the council service: config from env, PostgreSQL only. */
import { readFileSync } from 'node:fs'
import { Type } from 'typebox'
import { hasPlaceholderKeys, loadIsaFile } from '@healthflag/isa'
import { CommonEnv, parseEnv, productionDatabase, readPartyKeys, serve, type ApiUser } from '@healthflag/service-kit'
import { councilApp } from './app.js'

export async function main(env: NodeJS.ProcessEnv = process.env): Promise<void> {
  const cfg = parseEnv(
    Type.Object({
      ...CommonEnv.properties,
      PORT: Type.Integer({ default: 3001 }),
      KEYS_FILE: Type.String(),
      ISA_FILE: Type.String(),
      SIDECAR_URL: Type.String({ format: 'uri' }),
      LEDGER_URL: Type.String({ format: 'uri' }),
      TOKEN_EPOCH: Type.Integer({ minimum: 0, default: 1 }),
    }),
    env,
  )
  const database = productionDatabase(cfg.DATABASE_URL)
  const isa = loadIsaFile(cfg.ISA_FILE)
  if (hasPlaceholderKeys(isa)) throw new Error('ISA_FILE still carries placeholder keys; register both parties\' public keys in the ISA first.')
  await serve({
    service: 'council',
    plugin: councilApp,
    options: {
      database,
      keys: await readPartyKeys(cfg.KEYS_FILE),
      isa,
      sidecarUrl: cfg.SIDECAR_URL,
      ledgerUrl: cfg.LEDGER_URL,
      users: JSON.parse(readFileSync(cfg.USERS_FILE, 'utf8')) as ApiUser[],
      epoch: cfg.TOKEN_EPOCH,
      warmWorkers: true,
    },
    host: cfg.HOST,
    port: cfg.PORT,
    logLevel: cfg.LOG_LEVEL,
  })
}
