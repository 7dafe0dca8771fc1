/** `healthflag` commands (commander). Returns the exit code instead of exiting, so tests can call it. */
import { Command, CommanderError } from 'commander'
import { verifyDatabase, verifyExportFile, formatReport, type VerifyInputs } from './ledger-verify.js'

export async function main(argv: string[], out: (s: string) => void = (s) => process.stdout.write(s), err: (s: string) => void = (s) => process.stderr.write(s)): Promise<number> {
  let code = 0
  const program = new Command('healthflag')
    .description('healthflag: privacy-preserving matching under an ISA, with a tamper-evident ledger')
    .exitOverride()
    .configureOutput({ writeOut: out, writeErr: err })
  const ledger = program.command('ledger').description('work with the audit ledger')
  ledger
    .command('verify')
    .description(
      'Verify the ledger without trusting its host: rehash every entry body, rebuild the tree, check it against signed checkpoints and check every entry signature. ' +
        'Give either --export (offline) or --database-url (a whole ledger database).',
    )
    .option('--export <file>', 'an export from GET /v1/export (JSON)')
    .option('--database-url <url>', 'the ledger database (postgres://…), read-only use')
    .option('--schema <name>', 'PostgreSQL schema of the ledger tables (default: search_path)')
    .requiredOption('--ledger-key <vkey|file>', "the ledger's checkpoint verifier key (name+hash+base64), or a file holding it")
    .option('--checkpoint <file>', 'a signed checkpoint you hold that the log must agree with', collect, [])
    .option('--earlier <file>', 'an earlier signed checkpoint: proves the log only grew (catches truncation and rewrites)', collect, [])
    .option('--party-key <party=key>', "a party's Ed25519 public key (base64url), repeatable", collect, [])
    .option('--isa <file>', 'take party keys from this ISA document (JSON)')
    .option('--json', 'print the report as JSON')
    .action(async (o: { export?: string; databaseUrl?: string; schema?: string; ledgerKey: string; checkpoint: string[]; earlier: string[]; partyKey: string[]; isa?: string; json?: boolean }) => {
      if (!o.export === !o.databaseUrl) {
        err('Give exactly one of --export or --database-url.\n')
        code = 2
        return
      }
      const inputs: VerifyInputs = { ledgerKey: o.ledgerKey, checkpoints: o.checkpoint, earlier: o.earlier, partyKeys: o.partyKey, ...(o.isa ? { isa: o.isa } : {}) }
      const report = o.export ? await verifyExportFile(o.export, inputs) : await verifyDatabase(o.databaseUrl!, o.schema, inputs)
      out(o.json ? `${JSON.stringify(report, null, 2)}\n` : formatReport(report))
      code = report.ok ? 0 : 1
    })
  try {
    await program.parseAsync(argv)
  } catch (e) {
    if (e instanceof CommanderError) return e.exitCode === 0 ? 0 : 2
    err(`healthflag: ${(e as Error).message}\n`)
    return 2
  }
  return code
}

function collect(v: string, prev: string[]): string[] {
  return [...prev, v]
}
