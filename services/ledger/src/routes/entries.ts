import type { FastifyInstance } from 'fastify'
import type { Kysely } from 'kysely'
import { Type } from 'typebox'
import { ErrorBody, errors } from '@healthflag/protocol'
import {
  emptyRoot,
  fastVerifyEntry,
  leafHash,
  parseEntryBytes,
  signCheckpoint,
  toBase64,
  toHex,
  validateSignedEntryShape,
  type LedgerExport,
  type NoteSigner,
  type SignedEntry,
} from '@healthflag/ledger-core'
import type { LedgerDB } from '../schema.js'
import type { Sequencer } from '../sequencer.js'
import * as store from '../store.js'

export interface LedgerContext {
  db: Kysely<LedgerDB>
  signer: NoteSigner & { origin: string }
  /** The checkpoint verifier key in the vkey text form parties and tlog tools read. */
  vkey: string
  partyKey: (party: string) => Uint8Array | undefined
  sequencer: Sequencer
}

/** Small numbers of people are health statistics: auditor views show 1–4 as "<5" (0 says nothing about anyone). */
export function suppress(n: number): number | '<5' {
  return n > 0 && n < 5 ? '<5' : n
}

const MAX_BATCH = 1000
const MAX_EXPORT = 10_000

const AppendResult = Type.Object({ index: Type.Integer(), leaf_hash: Type.String(), checkpoint: Type.String() }, { additionalProperties: false })
const BatchResult = Type.Object(
  { appended: Type.Array(Type.Object({ index: Type.Integer(), leaf_hash: Type.String() }, { additionalProperties: false })), checkpoint: Type.String() },
  { additionalProperties: false },
)
const EntryView = Type.Object(
  { index: Type.Integer(), leaf_hash: Type.String(), entry: Type.Unknown(), recorded_at: Type.String() },
  { additionalProperties: false },
)
const Filter = {
  isa_id: Type.Optional(Type.String({ maxLength: 128 })),
  clause_id: Type.Optional(Type.String({ maxLength: 128 })),
  party: Type.Optional(Type.String({ maxLength: 128 })),
  type: Type.Optional(Type.String({ maxLength: 64 })),
  from: Type.Optional(Type.String({ format: 'date-time' })),
  to: Type.Optional(Type.String({ format: 'date-time' })),
}
const Suppressed = Type.Union([Type.Integer(), Type.Literal('<5')])

function checkSigned(body: unknown, party: string, ctx: LedgerContext): SignedEntry {
  const problems = validateSignedEntryShape(body)
  if (problems.length > 0) throw errors.entryInvalid(`The entry is malformed: ${problems.slice(0, 3).join('; ')}.`)
  const signed = body as SignedEntry
  if (signed.entry.party !== party || signed.key_id !== party) throw errors.entryInvalid('An entry must be signed by, and name, the party that sends it.')
  const key = ctx.partyKey(party)
  if (!key || !fastVerifyEntry(signed, key)) throw errors.signatureInvalid('The entry signature does not verify against the party key registered with the ledger.')
  return signed
}

/** Appends entries not already in the log; entries already there keep their index (a retry is harmless). */
async function appendNew(ctx: LedgerContext, signed: SignedEntry[]): Promise<{ appended: { index: number; leaf_hash: string }[]; checkpoint: string; fresh: boolean }> {
  const prepared = signed.map(store.prepareEntry)
  const hexes = prepared.map((p) => toHex(p.leaf))
  if (new Set(hexes).size !== hexes.length) throw errors.entryInvalid('The batch holds the same entry twice.')
  const known = await store.indexesByLeaf(ctx.db, prepared.map((p) => p.leaf))
  const fresh = prepared.filter((_, i) => !known.has(hexes[i]!))
  let checkpoint: string
  let added = false
  if (fresh.length > 0) {
    // An identical entry in flight in another request can still win the append: the sequencer then answers with its
    // index, marked `existed`, and this request is answered as a re-send.
    const res = await ctx.sequencer.append(fresh)
    for (const a of res.appended) {
      known.set(toHex(a.leafHash), a.index)
      if (!a.existed) added = true
    }
    checkpoint = res.checkpoint
  } else {
    checkpoint = (await store.latestCheckpoint(ctx.db))!.note
  }
  return { appended: hexes.map((h) => ({ index: known.get(h)!, leaf_hash: h })), checkpoint, fresh: added }
}

async function head(ctx: LedgerContext): Promise<{ size: number; note: string }> {
  return (await store.latestCheckpoint(ctx.db)) ?? { size: 0, note: signCheckpoint({ origin: ctx.signer.origin, size: 0, rootHash: emptyRoot() }, ctx.signer) }
}

export async function ledgerRoutes(app: FastifyInstance, { ctx }: { ctx: LedgerContext }): Promise<void> {
  app.post(
    '/v1/entries',
    {
      config: { roles: 'peer' },
      schema: {
        summary: 'Append one entry signed by a registered party (signed request); re-sending an entry returns its index (200)',
        response: { 200: AppendResult, 201: AppendResult, 400: ErrorBody, 401: ErrorBody, 403: ErrorBody },
      },
    },
    async (req, reply) => {
      const signed = checkSigned(req.body, req.signer!.party, ctx)
      const res = await appendNew(ctx, [signed])
      const a = res.appended[0]!
      return reply.status(res.fresh ? 201 : 200).send({ index: a.index, leaf_hash: a.leaf_hash, checkpoint: res.checkpoint })
    },
  )

  app.post(
    '/v1/entries/batch',
    {
      config: { roles: 'peer' },
      schema: {
        summary: `Append up to ${MAX_BATCH} entries of the sending party in one transaction, in the order given`,
        response: { 200: BatchResult, 201: BatchResult, 400: ErrorBody, 401: ErrorBody, 403: ErrorBody },
      },
    },
    async (req, reply) => {
      const body = req.body as { entries?: unknown }
      if (!body || !Array.isArray(body.entries) || body.entries.length === 0 || body.entries.length > MAX_BATCH || Object.keys(body).length !== 1) {
        throw errors.entryInvalid(`A batch is {"entries": [...]} with 1 to ${MAX_BATCH} signed entries.`)
      }
      const signed = body.entries.map((e, i) => {
        try {
          return checkSigned(e, req.signer!.party, ctx)
        } catch (err) {
          if (err instanceof Error) err.message = `Entry ${i}: ${err.message}`
          throw err
        }
      })
      const res = await appendNew(ctx, signed)
      return reply.status(res.fresh ? 201 : 200).send({ appended: res.appended, checkpoint: res.checkpoint })
    },
  )

  app.get(
    '/v1/log',
    {
      config: { roles: 'public' },
      schema: {
        summary: "The log's origin, checkpoint verifier key (vkey) and current size",
        response: { 200: Type.Object({ origin: Type.String(), vkey: Type.String(), size: Type.Integer() }, { additionalProperties: false }) },
      },
    },
    async () => ({ origin: ctx.signer.origin, vkey: ctx.vkey, size: (await head(ctx)).size }),
  )

  app.get(
    '/v1/checkpoint',
    { config: { roles: 'public' }, schema: { summary: 'The latest signed checkpoint (C2SP tlog-checkpoint signed note)' } },
    async (_req, reply) => reply.type('text/plain; charset=utf-8').send((await head(ctx)).note),
  )

  app.get(
    '/v1/proof/inclusion',
    {
      config: { roles: 'public' },
      schema: {
        summary: 'Inclusion proof of one leaf in the tree of a given size',
        querystring: Type.Object({ index: Type.Integer({ minimum: 0 }), size: Type.Integer({ minimum: 1 }) }),
        response: { 200: Type.Object({ index: Type.Integer(), size: Type.Integer(), proof: Type.Array(Type.String()) }, { additionalProperties: false }), 400: ErrorBody },
      },
    },
    async (req) => {
      const { index, size } = req.query as { index: number; size: number }
      const h = await head(ctx)
      if (size > h.size || index >= size) throw errors.badRequest('index must be below size, and size at most the log size.')
      return { index, size, proof: (await store.inclusion(ctx.db, index, size)).map(toBase64) }
    },
  )

  app.get(
    '/v1/proof/consistency',
    {
      config: { roles: 'public' },
      schema: {
        summary: 'Consistency proof between two tree sizes',
        querystring: Type.Object({ from: Type.Integer({ minimum: 0 }), to: Type.Integer({ minimum: 0 }) }),
        response: { 200: Type.Object({ from: Type.Integer(), to: Type.Integer(), proof: Type.Array(Type.String()) }, { additionalProperties: false }), 400: ErrorBody },
      },
    },
    async (req) => {
      const { from, to } = req.query as { from: number; to: number }
      const h = await head(ctx)
      if (from > to || to > h.size) throw errors.badRequest('from must be at most to, and to at most the log size.')
      return { from, to, proof: (await store.consistency(ctx.db, from, to)).map(toBase64) }
    },
  )

  app.get(
    '/v1/entries',
    {
      config: { roles: ['auditor', 'admin'] },
      schema: {
        summary: 'List entries, filtered by ISA, clause, party, type and period',
        querystring: Type.Object({
          ...Filter,
          after: Type.Optional(Type.Integer({ minimum: -1 })),
          limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 5000 })),
        }),
        response: { 200: Type.Array(EntryView) },
      },
    },
    async (req) => {
      const rows = await store.listEntries(ctx.db, req.query as store.EntryFilter)
      return rows.map((r) => ({ index: Number(r.idx), leaf_hash: toHex(new Uint8Array(r.leaf_hash)), entry: parseEntryBytes(new Uint8Array(r.body)), recorded_at: new Date(r.recorded_at).toISOString() }))
    },
  )

  app.get(
    '/v1/entries/:index',
    {
      config: { roles: ['auditor', 'admin'] },
      schema: {
        summary: 'One entry: its leaf bytes, signed envelope and inclusion proof in the latest checkpoint',
        params: Type.Object({ index: Type.Integer({ minimum: 0 }) }),
        response: {
          200: Type.Object(
            { index: Type.Integer(), body: Type.String(), leaf_hash: Type.String(), entry: Type.Unknown(), recorded_at: Type.String(), checkpoint: Type.String(), size: Type.Integer(), proof: Type.Array(Type.String()) },
            { additionalProperties: false },
          ),
          404: ErrorBody,
        },
      },
    },
    async (req) => {
      const { index } = req.params as { index: number }
      const h = await head(ctx)
      const row = index < h.size ? await store.getEntry(ctx.db, index) : undefined
      if (!row) throw errors.notFound('No entry with that index in the latest checkpoint.')
      const body = new Uint8Array(row.body)
      return {
        index,
        body: toBase64(body),
        leaf_hash: toHex(leafHash(body)),
        entry: parseEntryBytes(body),
        recorded_at: new Date(row.recorded_at).toISOString(),
        checkpoint: h.note,
        size: h.size,
        proof: (await store.inclusion(ctx.db, index, h.size)).map(toBase64),
      }
    },
  )

  app.get(
    '/v1/stats',
    {
      config: { roles: ['auditor', 'admin'] },
      schema: {
        summary: 'Entries, rows and flagged people per ISA, clause, month (UTC) and type; counts of 1–4 shown as "<5"',
        querystring: Type.Object(Filter),
        response: {
          200: Type.Array(
            Type.Object(
              { isa_id: Type.String(), clause_id: Type.Union([Type.String(), Type.Null()]), month: Type.String(), type: Type.String(), entries: Suppressed, rows: Suppressed, flagged: Suppressed },
              { additionalProperties: false },
            ),
          ),
        },
      },
    },
    async (req) => {
      const rows = await store.stats(ctx.db, req.query as store.EntryFilter)
      return rows.map((r) => ({ ...r, entries: suppress(r.entries), rows: suppress(r.rows), flagged: suppress(r.flagged) }))
    },
  )

  app.get(
    '/v1/export',
    {
      config: { roles: ['auditor', 'admin'] },
      schema: {
        summary: `Export entries [from, to) (at most ${MAX_EXPORT}) with the latest checkpoint and an inclusion proof for each; since=N adds a consistency proof from size N`,
        querystring: Type.Object({ from: Type.Optional(Type.Integer({ minimum: 0 })), to: Type.Optional(Type.Integer({ minimum: 0 })), since: Type.Optional(Type.Integer({ minimum: 0 })) }),
        response: { 200: Type.Unknown(), 400: ErrorBody },
      },
    },
    async (req, reply) => {
      const q = req.query as { from?: number; to?: number; since?: number }
      const h = await head(ctx)
      const from = q.from ?? 0
      const to = Math.min(q.to ?? h.size, h.size)
      if (from > to || to - from > MAX_EXPORT) throw errors.badRequest(`from must be at most to, and a range holds at most ${MAX_EXPORT} entries.`)
      if (q.since !== undefined && q.since > h.size) throw errors.badRequest('since must be at most the log size.')
      const rows = await store.entryBodies(ctx.db, from, to)
      const entries: LedgerExport['entries'] = []
      for (const r of rows) entries.push({ index: r.idx, body: toBase64(r.body), proof: (await store.inclusion(ctx.db, r.idx, h.size)).map(toBase64) })
      const doc: LedgerExport = {
        format: 'healthflag-ledger-export/v1',
        origin: ctx.signer.origin,
        checkpoint: h.note,
        from,
        to,
        entries,
        ...(q.since !== undefined ? { consistency: { from_size: q.since, proof: (await store.consistency(ctx.db, q.since, h.size)).map(toBase64) } } : {}),
      }
      return reply.header('content-disposition', `attachment; filename="ledger-export-${from}-${to}.json"`).send(doc)
    },
  )

}
