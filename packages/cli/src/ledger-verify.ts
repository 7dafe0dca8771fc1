/**
 * `healthflag ledger verify`: audits an export file or a whole ledger database with @healthflag/ledger-core,
 * recomputing every leaf from the stored bodies. Nothing the database says about hashes is trusted.
 */
import { existsSync, readFileSync } from 'node:fs'
import { openDatabase } from '@healthflag/db'
import { auditExport, auditLog, fromBase64Url, parseVerifierKey, type AuditReport, type AuditRow, type LedgerExport, type NoteVerifier } from '@healthflag/ledger-core'
import type { LedgerDB } from '@healthflag/ledger'

export interface VerifyInputs {
  /** vkey text, or a file holding it */
  ledgerKey: string
  /** files holding signed checkpoints the log must agree with */
  checkpoints: string[]
  /** files holding earlier signed checkpoints */
  earlier: string[]
  /** "party=base64url" */
  partyKeys: string[]
  /** ISA document file (JSON with parties[].id and parties[].signing_key) */
  isa?: string
}

export type VerifyReport = AuditReport & { source: string; partyKeysFrom: string }

const fileOrText = (v: string): string => (existsSync(v) ? readFileSync(v, 'utf8') : v).trim()

function ledgerVerifier(v: string): NoteVerifier {
  try {
    return parseVerifierKey(fileOrText(v))
  } catch (e) {
    throw new Error(`--ledger-key: ${(e as Error).message}`)
  }
}

function partyKeyMap(inp: VerifyInputs): Map<string, Uint8Array> | undefined {
  const keys = new Map<string, Uint8Array>()
  if (inp.isa) {
    const doc = JSON.parse(readFileSync(inp.isa, 'utf8')) as { parties?: { id: string; signing_key: string }[] }
    for (const p of doc.parties ?? []) {
      const k = fromBase64Url(p.signing_key)
      if (!k || k.length !== 32) throw new Error(`--isa: party ${p.id} has a malformed signing key`)
      keys.set(p.id, k)
    }
  }
  for (const pk of inp.partyKeys) {
    const [party, key] = pk.split('=')
    const k = key ? fromBase64Url(key) : null
    if (!party || !k || k.length !== 32) throw new Error('--party-key must be party=<32-byte Ed25519 public key, base64url>')
    keys.set(party, k)
  }
  return keys.size > 0 ? keys : undefined
}

const notes = (files: string[], label: string) => files.map((f, i) => ({ label: files.length > 1 ? `${label} #${i + 1}` : label, note: readFileSync(f, 'utf8') }))

/** Checks an export offline against its own checkpoint, the checkpoints the auditor holds and the party keys. */
export async function verifyExportFile(file: string, inp: VerifyInputs): Promise<VerifyReport> {
  const doc = JSON.parse(readFileSync(file, 'utf8')) as LedgerExport
  const keys = partyKeyMap(inp)
  const v = ledgerVerifier(inp.ledgerKey)
  const report = auditExport(doc, { ledgerKey: v, origin: v.name, ...(keys ? { partyKeys: keys } : {}), earlier: [...notes(inp.checkpoints, 'given'), ...notes(inp.earlier, 'earlier')] })
  return { ...report, source: `export ${file}`, partyKeysFrom: keys ? 'command line' : 'none' }
}

const PAGE = 5000

/** Audits a whole ledger database: every row, in index order, against every checkpoint given and the database's own. */
export async function verifyDatabase(url: string, schema: string | undefined, inp: VerifyInputs): Promise<VerifyReport> {
  const v = ledgerVerifier(inp.ledgerKey)
  const handle = await openDatabase<LedgerDB>({ kind: 'postgres', url, ...(schema ? { schema } : {}), poolSize: 2 })
  try {
    const db = handle.db
    let keys = partyKeyMap(inp)
    let keysFrom = 'command line'
    if (!keys) {
      const rows = await db.selectFrom('party').select(['id', 'signing_key']).execute()
      keys = new Map(rows.map((r) => [r.id, fromBase64Url(r.signing_key) ?? new Uint8Array(0)]))
      keysFrom = 'the database party table (give --isa or --party-key to check against keys you hold)'
    }
    const latest = await db.selectFrom('checkpoint').select(['size', 'note']).orderBy('size', 'desc').limit(1).executeTakeFirst()
    const head = await db.selectFrom('log_head').select(['size']).where('id', '=', 1).executeTakeFirst()
    const page = (after: number) =>
      db
        .selectFrom('entry')
        .select(['idx', 'body', 'leaf_hash', 'type', 'isa_id', 'clause_id', 'exchange_id', 'party', 'at'])
        .where('idx', '>', after)
        .orderBy('idx')
        .limit(PAGE)
        .execute()
    async function* rows(): AsyncGenerator<AuditRow> {
      // The next page is fetched while this one is hashed, so the database and the hashing overlap.
      let next = page(-1)
      for (;;) {
        const rows = await next
        if (rows.length === PAGE) next = page(Number(rows[rows.length - 1]!.idx))
        for (const r of rows) {
          yield {
            index: Number(r.idx),
            body: new Uint8Array(r.body),
            storedLeafHash: new Uint8Array(r.leaf_hash),
            columns: { type: r.type, isa_id: r.isa_id, clause_id: r.clause_id, exchange_id: r.exchange_id, party: r.party, at: r.at },
          }
        }
        if (rows.length < PAGE) return
      }
    }
    const report = await auditLog(rows(), {
      ledgerKey: v,
      origin: v.name,
      partyKeys: keys,
      requireCovered: true,
      checkpoints: [...(latest ? [{ label: 'database latest', note: latest.note }] : []), ...notes(inp.checkpoints, 'given'), ...notes(inp.earlier, 'earlier')],
    })
    if (head && Number(head.size) !== report.size) report.problems.push(`the log head says ${head.size} entries but ${report.size} are stored`)
    report.ok = report.problems.length === 0
    return { ...report, source: `database${schema ? ` schema ${schema}` : ''}`, partyKeysFrom: keysFrom }
  } finally {
    await handle.close()
  }
}

export function formatReport(r: VerifyReport): string {
  const head = `ledger verify (${r.source}): ${r.ok ? 'OK' : 'FAILED'} — ${r.leavesRehashed} entries rehashed, ${r.signaturesChecked} signatures checked (party keys from ${r.partyKeysFrom}), ${r.checkpointsChecked} checkpoint comparisons; size ${r.size}, root ${r.root}\n`
  return head + r.problems.map((p) => `  ✗ ${p}\n`).join('')
}
