/**
 * Small hand-made populations for the ISA, IG, role and district tests: every person is distinct on
 * every match key, so who is flagged is known exactly (active patient ⇒ flagged, anyone else ⇒ not).
 */
import { randomBytes } from 'node:crypto'
import Fastify from 'fastify'
import { ed25519 } from '@noble/curves/ed25519.js'
import { createTestTarget, type TestTarget } from '@healthflag/db'
import { loadExampleIsa, withApproval, withPartyKeys, type IsaDocument } from '@healthflag/isa'
import { toBase64Url } from '@healthflag/protocol'
import { SERVICE_FASTIFY_OPTIONS, generatePartyKeys, hashToken, publicKeys, type ApiUser } from '@healthflag/service-kit'
import { nhsCheckDigit } from '@healthflag/synth'
import { councilApp } from '@healthflag/council'
import { sidecarApp } from '@healthflag/sidecar'
import { ledgerApp } from '@healthflag/ledger'
import { api } from '../scripts/lib/client.js'
import { registerRenewals, type Stack } from '../scripts/lib/stack.js'

export interface PersonSpec {
  district?: string | null
  family?: string | null
  /** Whether (and how) the person is in the trust's index. */
  patient?: 'active' | 'inactive' | 'none'
  criteria?: number
}

const GIVEN = ['Alice', 'Brian', 'Carys', 'Dominic', 'Elspeth', 'Fergus', 'Gwendolyn', 'Horace', 'Imogen', 'Jasper', 'Keziah', 'Lionel', 'Marguerite', 'Nathaniel', 'Ottoline', 'Percival', 'Rosalind', 'Sebastian', 'Theodora', 'Ulric', 'Veronica', 'Wilfred', 'Xanthe', 'Yorick', 'Zenobia']
const FAMILY = ['Ashdown', 'Brackenbury', 'Cholmondeley', 'Dunstable', 'Everingham', 'Fairweather', 'Gainsborough', 'Hollingsworth', 'Ingleby', 'Jellicoe', 'Kettleborough', 'Lockwood', 'Marchbanks', 'Netherwood', 'Oakenshaw', 'Pemberton', 'Quenby', 'Ravenscroft', 'Stainforth', 'Thistlewood']
const LETTERS = 'ABDEFGHJLNPQRSTUWXY'

export interface Person {
  ref: string
  patientId: string
  nhs: string
  given: string
  family: string
  dob: string
  sex: 'M' | 'F'
  postcode: string
  spec: Required<PersonSpec>
}

function nhsNumber(i: number): string {
  for (let k = 0; ; k++) {
    const stem = String(401_000_000 + i * 7_919 + k * 101)
    const c = nhsCheckDigit(stem)
    if (c !== 10) return stem + String(c)
  }
}

/** Person `offset + i` for each spec; offsets keep separate batches of one test file distinct. */
export function people(specs: readonly PersonSpec[], offset = 0): Person[] {
  return specs.map((s, j) => {
    const i = offset + j
    const dob = new Date(Date.UTC(1975, 0, 1) + i * 41 * 86_400_000).toISOString().slice(0, 10)
    return {
      ref: `C${String(i).padStart(5, '0')}`,
      patientId: `P${String(i).padStart(6, '0')}`,
      nhs: nhsNumber(i),
      given: GIVEN[i % GIVEN.length]!,
      family: `${FAMILY[Math.floor(i / GIVEN.length) % FAMILY.length]!}${i >= GIVEN.length * FAMILY.length ? `-${FAMILY[i % FAMILY.length]!}` : ''}`,
      dob,
      sex: i % 2 === 0 ? 'F' : 'M',
      postcode: `ST${10 + (i % 9)} ${1 + (i % 9)}${LETTERS[i % LETTERS.length]!}${LETTERS[(i * 7) % LETTERS.length]!}`,
      spec: { district: s.district ?? null, family: s.family ?? null, patient: s.patient ?? 'none', criteria: s.criteria ?? 2 },
    }
  })
}

/** `n` candidates, the first `active` of them active patients, the next `inactive` inactive patients. */
export function batch(n: number, offset = 0, opts: { active?: number; inactive?: number; district?: string | null } = {}): Person[] {
  const active = opts.active ?? Math.floor(n / 3)
  const inactive = opts.inactive ?? Math.floor(n / 3)
  return people(
    Array.from({ length: n }, (_, i) => ({ district: opts.district ?? 'Stafford', patient: i < active ? 'active' : i < active + inactive ? 'inactive' : 'none' })),
    offset,
  )
}

export function candidatesCsv(ps: readonly Person[]): string {
  const lines = ['ref,nhs_number,given_name,family_name,date_of_birth,sex,postcode,criteria_met,district,family_id']
  for (const p of ps) lines.push([p.ref, p.nhs, p.given, p.family, p.dob, p.sex, p.postcode, p.spec.criteria, p.spec.district ?? '', p.spec.family ?? ''].join(','))
  return lines.join('\n') + '\n'
}

/** The trust's extract with an active_service column. */
export function patientsCsv(ps: readonly Person[]): string {
  const lines = ['patient_id,nhs_number,given_name,family_name,date_of_birth,sex,postcode,active_service']
  for (const p of ps) if (p.spec.patient !== 'none') lines.push([p.patientId, p.nhs, p.given, p.family, p.dob, p.sex, p.postcode, p.spec.patient === 'active' ? 'true' : 'false'].join(','))
  return lines.join('\n') + '\n'
}

/** A settable clock shared by the three services of a stack. */
export function clock(start: Date) {
  let t = start.getTime()
  return {
    now: () => new Date(t),
    set: (d: Date) => {
      t = d.getTime()
    },
    advanceDays: (days: number) => {
      t += days * 86_400_000
    },
    today: () => new Date(t).toISOString().slice(0, 10),
  }
}

export type LedgerEntry = { index: number; entry: Record<string, unknown> & { type: string; party: string; reason?: string; exchange_id?: string; isa_digest: string } }

/** Ledger entries as the auditor reads them, each reduced to its index and the signed entry's body. */
export async function ledgerEntries(stack: Stack, query = ''): Promise<LedgerEntry[]> {
  const rows = await api.ledgerEntries(stack.urls.ledger, stack.tokens.auditor, query)
  return rows.map((r) => {
    const e = r.entry as unknown as { entry?: LedgerEntry['entry'] } & LedgerEntry['entry']
    return { index: r.index, entry: e.entry ?? e }
  })
}

/** One exchange's ledger entries in order, each as "party type [reason]". */
export async function exchangeTrail(stack: Stack, exchangeId: string): Promise<string[]> {
  return (await ledgerEntries(stack, '?limit=5000')).filter((e) => e.entry.exchange_id === exchangeId).map((e) => `${e.entry.party} ${e.entry.type}${e.entry.reason ? ` ${e.entry.reason}` : ''}`)
}

/**
 * Asks the council to send an upload (`POST /v1/uploads/:id/exchanges`), with an Idempotency-Key when given; returns
 * the status, the Idempotent-Replayed header and the body, whatever the status.
 */
export async function sendUpload(stack: Stack, uploadId: string, opts: { key?: string; token?: string; body?: unknown } = {}) {
  const res = await fetch(new URL(`/v1/uploads/${uploadId}/exchanges`, stack.urls.council), {
    method: 'POST',
    headers: { authorization: `Bearer ${opts.token ?? stack.tokens.analyst}`, 'content-type': 'application/json', ...(opts.key !== undefined ? { 'idempotency-key': opts.key } : {}) },
    body: JSON.stringify(opts.body ?? {}),
  })
  const body = (await res.json()) as { exchange_id?: string; status?: string; code?: string; message?: string }
  return { status: res.status, replayed: res.headers.get('idempotent-replayed'), body }
}

/** Calls an admin route of a service with a JSON body; returns status and parsed body. */
export async function adminCall(base: string, token: string, method: 'GET' | 'POST', path: string, body?: unknown): Promise<{ status: number; body: any }> {
  const res = await fetch(new URL(path, base), {
    method,
    headers: { authorization: `Bearer ${token}`, ...(body !== undefined ? { 'content-type': 'application/json' } : {}) },
    ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
  })
  const text = await res.text()
  return { status: res.status, body: text && res.headers.get('content-type')?.includes('json') ? JSON.parse(text) : text }
}

const DISTRICT_NAMES = ['Cannock Chase', 'East Staffordshire', 'Lichfield', 'Newcastle-under-Lyme', 'South Staffordshire', 'Stafford', 'Staffordshire Moorlands', 'Tamworth']

export interface IsaHarness {
  stack: Stack
  drop(): Promise<void>
}

/**
 * Like scripts/lib/stack.ts (same users, tokens, keys and example ISA), but a settable clock governs
 * only the council and the side-car (ISA validity, frequency and approval windows, retention); the
 * ledger keeps the real clock, because the ledger client signs its requests with it.
 */
export async function startIsaHarness(label: string, opts: { isa?: (doc: IsaDocument) => IsaDocument; now?: () => Date; approvalRequired?: boolean; approvalSweepMs?: number; retentionSweepMs?: number } = {}): Promise<IsaHarness> {
  const targets: TestTarget[] = []
  const t = async (svc: string) => {
    const x = await createTestTarget(`${label}_${svc}`)
    targets.push(x)
    return x.target
  }
  const councilKeys = generatePartyKeys()
  const trustKeys = generatePartyKeys()
  const ledgerKey = ed25519.utils.randomSecretKey()
  let isa = withPartyKeys(loadExampleIsa(), { council: publicKeys(councilKeys), trust: publicKeys(trustKeys) })
  if (opts.approvalRequired) isa = withApproval(isa, isa.clauses[0]!.id, true)
  if (opts.isa) isa = opts.isa(isa)
  const tok = () => randomBytes(24).toString('base64url')
  const analyst = tok()
  const igOfficer = tok()
  const auditor = tok()
  const admin = tok()
  const districtTokens = new Map(DISTRICT_NAMES.map((d) => [d, tok()]))
  const councilUsers: ApiUser[] = [
    { name: 'central-analyst', role: 'analyst', district: null, tokenSha256: hashToken(analyst) },
    { name: 'council-admin', role: 'admin', district: null, tokenSha256: hashToken(admin) },
    ...[...districtTokens].map(([d, x]) => ({ name: `analyst-${d.toLowerCase().replace(/[^a-z]+/g, '-')}`, role: 'analyst' as const, district: d, tokenSha256: hashToken(x) })),
  ]
  const sidecarUsers: ApiUser[] = [
    { name: 'ig-officer', role: 'ig_officer', district: null, tokenSha256: hashToken(igOfficer) },
    { name: 'trust-admin', role: 'admin', district: null, tokenSha256: hashToken(admin) },
  ]
  const ledgerUsers: ApiUser[] = [
    { name: 'auditor', role: 'auditor', district: null, tokenSha256: hashToken(auditor) },
    { name: 'ledger-admin', role: 'admin', district: null, tokenSha256: hashToken(admin) },
  ]
  const now = opts.now ? { now: opts.now } : {}
  const ledger = Fastify({ ...SERVICE_FASTIFY_OPTIONS, logger: false })
  await ledger.register(ledgerApp, {
    database: await t('l'),
    signingKey: ledgerKey,
    origin: 'healthflag.local/ledger/isa-tests',
    parties: { council: toBase64Url(councilKeys.signing.publicKey), trust: toBase64Url(trustKeys.signing.publicKey) },
    users: ledgerUsers,
  })
  const ledgerUrl = await ledger.listen({ host: '127.0.0.1', port: 0 })
  const sidecar = Fastify({ ...SERVICE_FASTIFY_OPTIONS, logger: false })
  await sidecar.register(sidecarApp, { database: await t('s'), keys: trustKeys, isa, ledgerUrl, users: sidecarUsers, ...now, ...(opts.approvalSweepMs ? { approvalSweepMs: opts.approvalSweepMs } : {}) })
  const sidecarUrl = await sidecar.listen({ host: '127.0.0.1', port: 0 })
  const council = Fastify({ ...SERVICE_FASTIFY_OPTIONS, logger: false })
  await council.register(councilApp, { database: await t('c'), keys: councilKeys, isa, sidecarUrl, ledgerUrl, users: councilUsers, ...now, ...(opts.retentionSweepMs ? { retentionSweepMs: opts.retentionSweepMs } : {}) })
  const councilUrl = await council.listen({ host: '127.0.0.1', port: 0 })
  const inEffect = await registerRenewals({ council: councilUrl, sidecar: sidecarUrl }, admin, isa, opts.now?.() ?? new Date())
  const stack: Stack = {
    council,
    sidecar,
    ledger,
    urls: { council: councilUrl, sidecar: sidecarUrl, ledger: ledgerUrl },
    isa: inEffect,
    keys: { council: councilKeys, trust: trustKeys, ledger: ledgerKey },
    tokens: {
      analyst,
      districtAnalyst: (d) => {
        const x = districtTokens.get(d)
        if (!x) throw new Error('unknown district')
        return x
      },
      igOfficer,
      auditor,
      admin,
    },
    ledgerOrigin: 'healthflag.local/ledger/isa-tests',
    async close() {
      await council.close()
      await sidecar.close()
      await ledger.close()
    },
  }
  return {
    stack,
    async drop() {
      await stack.close()
      for (const x of targets) await x.drop()
    },
  }
}

/**
 * The agreement with nothing in a test's way but what it tests: valid and reviewed until 2099, a thousand exchanges a
 * month per clause, an index good for ten years.
 */
export function unhinderedIsa(doc: IsaDocument): IsaDocument {
  return limitedIsa(1000)(doc)
}

/** unhinderedIsa with `maxExchanges` exchanges a month per clause: for the tests of the frequency limit. */
export function limitedIsa(maxExchanges: number): (doc: IsaDocument) => IsaDocument {
  return (doc) => {
    const next = structuredClone(doc)
    next.valid_to = '2099-12-31'
    next.review_date = '2099-01-01'
    for (const c of next.clauses) {
      c.frequency = { max_exchanges: maxExchanges, period_days: 30 }
      c.active_definition.max_index_age_days = 3650
    }
    return next
  }
}
