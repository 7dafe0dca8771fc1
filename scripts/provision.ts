/**
 * npm run provision -- --out DIR: key pairs for council, trust and ledger, the example ISA carrying the
 * parties' public keys, and users files with fresh API tokens for the CLI and initial passwords for the
 * web pages (both printed once; only their hashes are stored: SHA-256 for tokens, scrypt for passwords).
 * In a real deployment each party runs this for its own keys only and exchanges public keys via the ISA.
 */
import { Command } from 'commander'
import { promises as fs } from 'node:fs'
import path from 'node:path'
import { randomBytes } from 'node:crypto'
import { ed25519 } from '@noble/curves/ed25519.js'
import { loadExampleIsa, withPartyKeys } from '@healthflag/isa'
import { toBase64Url } from '@healthflag/protocol'
import { generatePartyKeys, hashPassword, hashToken, publicKeys, type ApiUser, type PartyKeys } from '@healthflag/service-kit'

const opts = new Command().requiredOption('--out <dir>', 'directory for the generated config').parse().opts<{ out: string }>()

async function main(): Promise<void> {
  const dir = path.resolve(opts.out)
  await fs.mkdir(dir, { recursive: true })
  const write = (name: string, data: unknown) => fs.writeFile(path.join(dir, name), JSON.stringify(data, null, 2) + '\n', { mode: 0o600 })
  const keyFile = (k: PartyKeys) => ({ signing_private: toBase64Url(k.signing.privateKey), agreement_private: toBase64Url(k.agreement.privateKey) })
  const council = generatePartyKeys()
  const trust = generatePartyKeys()
  await write('council-keys.json', keyFile(council))
  await write('trust-keys.json', keyFile(trust))
  await write('ledger-key.json', { signing_private: toBase64Url(ed25519.utils.randomSecretKey()) })
  await write('isa.json', withPartyKeys(loadExampleIsa(), { council: publicKeys(council), trust: publicKeys(trust) }))
  const secrets: string[] = []
  const user = async (name: string, role: ApiUser['role'], district: string | null = null): Promise<ApiUser> => {
    const token = randomBytes(24).toString('base64url')
    const password = randomBytes(15).toString('base64url')
    secrets.push(`${name} (${role}${district ? `, ${district}` : ''}): API token ${token}  initial password ${password}`)
    return { name, role, district, tokenSha256: hashToken(token), passwordHash: await hashPassword(password) }
  }
  await write('council-users.json', [await user('central-analyst', 'analyst'), await user('council-admin', 'admin')])
  await write('sidecar-users.json', [await user('ig-officer', 'ig_officer'), await user('trust-admin', 'admin')])
  await write('ledger-users.json', [await user('auditor', 'auditor'), await user('ledger-admin', 'admin')])
  console.log(
    `wrote keys, isa.json and users files to ${dir}\n` +
      `API tokens (for the CLI) and initial passwords (for signing in on the web pages), shown once; store them in a password manager:\n  ${secrets.join('\n  ')}`,
  )
}

main().catch((e: unknown) => {
  console.error(`provision failed: ${(e as Error).message}`)
  process.exitCode = 1
})
