/** Production entry point of the ledger: config from env, PostgreSQL only. Parties come from the ISA. */
import { readFileSync } from 'node:fs'
import { Type } from 'typebox'
import { hasPlaceholderKeys, loadIsaFile } from '@healthflag/isa'
import { fromBase64Url } from '@healthflag/protocol'
import { CommonEnv, parseEnv, productionDatabase, serve, type ApiUser } from '@healthflag/service-kit'
import { ledgerApp } from './app.js'

export async function main(env: NodeJS.ProcessEnv = process.env): Promise<void> {
  const cfg = parseEnv(
    Type.Object({
      ...CommonEnv.properties,
      PORT: Type.Integer({ default: 3003 }),
      LEDGER_KEY_FILE: Type.String({ description: 'JSON {signing_private: base64url Ed25519 seed}' }),
      LEDGER_ORIGIN: Type.String({ minLength: 1 }),
      ISA_FILE: Type.String(),
    }),
    env,
  )
  const database = productionDatabase(cfg.DATABASE_URL)
  const isa = loadIsaFile(cfg.ISA_FILE)
  if (hasPlaceholderKeys(isa)) throw new Error('ISA_FILE still carries placeholder keys; register both parties\' public keys in the ISA first.')
  const key = JSON.parse(readFileSync(cfg.LEDGER_KEY_FILE, 'utf8')) as { signing_private: string }
  await serve({
    service: 'ledger',
    plugin: ledgerApp,
    options: {
      database,
      signingKey: fromBase64Url(key.signing_private),
      origin: cfg.LEDGER_ORIGIN,
      parties: Object.fromEntries(isa.parties.map((p) => [p.id, p.signing_key])),
      users: JSON.parse(readFileSync(cfg.USERS_FILE, 'utf8')) as ApiUser[],
    },
    host: cfg.HOST,
    port: cfg.PORT,
    logLevel: cfg.LOG_LEVEL,
  })
}
