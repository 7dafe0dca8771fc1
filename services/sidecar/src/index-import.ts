/**
 * Imports the trust's patient index extract into a new index version. The version is loaded while
 * 'loading' and becomes live in one transaction that retires the previous one, so an exchange sees the
 * old index or the new one, never a mix. A failed load leaves the live version untouched.
 */
import { createHash } from 'node:crypto'
import { Readable } from 'node:stream'
import { sql } from 'kysely'
import { isReject, readPatients, type PatientInput } from '@healthflag/records'
import { createTokeniser, deriveEpochKey, keyCheckValue } from '@healthflag/tokens'
import { deriveActive, type IsaVersion } from '@healthflag/isa'
import { errors, fromBase64Url } from '@healthflag/protocol'
import type { SidecarContext } from './context.js'

export interface ImportReport {
  version_id: number
  as_of: string
  rows_read: number
  patients_loaded: number
  rows_rejected: number
  rejects: { line: number; code: string; message: string }[]
  key_kcv: string
}

const BATCH = 1000

export function epochKeyFor(ctx: SidecarContext, isa: IsaVersion): Uint8Array {
  const council = isa.doc.parties.find((p) => p.id === 'council')
  const trust = isa.doc.parties.find((p) => p.id === 'trust')
  if (!council || !trust) throw errors.isaUnknown('The ISA must name a council and a trust party with keys.')
  return deriveEpochKey({
    ownPrivateKey: ctx.keys.agreement.privateKey,
    peerPublicKey: fromBase64Url(council.agreement_key),
    isaId: isa.doc.id,
    epoch: ctx.epoch,
    councilPublicKey: fromBase64Url(council.agreement_key),
    trustPublicKey: fromBase64Url(trust.agreement_key),
  })
}

export async function importIndex(ctx: SidecarContext, isa: IsaVersion, bytes: Uint8Array, opts: { asOf: string }): Promise<ImportReport> {
  const sourceDigest = createHash('sha256').update(bytes).digest('hex')
  const epochKey = epochKeyFor(ctx, isa)
  const kcv = keyCheckValue(epochKey)
  const clause = isa.doc.clauses[0]
    const tokeniser = createTokeniser(epochKey, clause ? { kinds: clause.permitted_match_keys as never } : {})
  const asOfDate = new Date(`${opts.asOf}T23:59:59Z`)

  // One row per patient: a referral-format extract has one line per referral, so group first.
  const patients = new Map<string, PatientInput & { referrals: { service: string; referred_on: string; discharged_on: string | null }[] }>()
  const rejects: ImportReport['rejects'] = []
  let rowsRead = 0
  const text = new TextDecoder('utf-8', { fatal: false }).decode(bytes)
  for await (const item of readPatients(Readable.from([text]), { today: ctx.now() })) {
    rowsRead++
    if (isReject(item)) {
      rejects.push(item)
      continue
    }
    const existing = patients.get(item.patientId)
    if (existing) {
      if (item.referral) existing.referrals.push(item.referral)
      existing.active = existing.active === null && item.active === null ? null : Boolean(existing.active) || Boolean(item.active)
      existing.restricted = existing.restricted || item.restricted
    } else {
      patients.set(item.patientId, { ...item, referrals: item.referral ? [item.referral] : [] })
    }
  }
  if (rowsRead === 0) throw errors.fileEmpty('The patient index file has no rows.')

  const version = await ctx.db
    .insertInto('index_version')
    .values({ status: 'loading', as_of: opts.asOf, source_digest: sourceDigest, epoch: ctx.epoch, key_kcv: kcv })
    .returning('id')
    .executeTakeFirstOrThrow()
  try {
    let seq = 0
    let batch: { version_id: number; seq: number; patient_id: string; active: boolean; restricted: boolean; tokens: string }[] = []
    const flush = async () => {
      if (batch.length === 0) return
      await ctx.db.insertInto('index_patient').values(batch).execute()
      batch = []
    }
    for (const p of patients.values()) {
      const active = p.active ?? deriveActive(p.referrals, clause?.active_definition ?? { services: [], max_index_age_days: 0 }, asOfDate)
      batch.push({ version_id: version.id, seq: seq++, patient_id: p.patientId, active, restricted: p.restricted, tokens: JSON.stringify(tokeniser.tokens(p.person)) })
      if (batch.length >= BATCH) await flush()
    }
    await flush()
    await ctx.db.transaction().execute(async (trx) => {
      await trx.updateTable('index_version').set({ status: 'retired', retired_at: sql`now()` }).where('status', '=', 'live').execute()
      await trx
        .updateTable('index_version')
        .set({ status: 'live', live_at: sql`now()`, rows_read: rowsRead, rows_loaded: patients.size, rows_rejected: rejects.length })
        .where('id', '=', version.id)
        .execute()
    })
  } catch (e) {
    await ctx.db.deleteFrom('index_patient').where('version_id', '=', version.id).execute()
    await ctx.db.updateTable('index_version').set({ status: 'failed' }).where('id', '=', version.id).execute()
    throw e
  }
  await ctx.ledger.append({
    type: 'index.loaded',
    isa_id: isa.doc.id,
    isa_digest: isa.digest,
    counts: { rows_read: rowsRead, patients: patients.size, rejected: rejects.length },
    digests: { source: sourceDigest },
    key_kcv: kcv,
  })
  return { version_id: version.id, as_of: opts.asOf, rows_read: rowsRead, patients_loaded: patients.size, rows_rejected: rejects.length, rejects: rejects.slice(0, 100), key_kcv: kcv }
}
