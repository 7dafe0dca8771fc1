import type { FastifyInstance } from 'fastify'
import type { Kysely } from 'kysely'
import { Type } from 'typebox'
import { ErrorBody, errors } from '@healthflag/protocol'
import { emptyRoot, LedgerEntrySchema, parseEntryBytes, signCheckpoint, toBase64, toHex, validateSignedEntryShape, verifyEntry, type NoteSigner, type SignedEntry } from '@healthflag/ledger-core'
import type { LedgerDB } from '../schema.js'
import * as store from '../store.js'

export interface LedgerContext {
  db: Kysely<LedgerDB>
  signer: NoteSigner & { origin: string }
  partyKey: (party: string) => Uint8Array | undefined
}

const AppendResult = Type.Object({ index: Type.Integer(), leaf_hash: Type.String(), checkpoint: Type.String() }, { additionalProperties: false })
const EntryView = Type.Object(
  { index: Type.Integer(), leaf_hash: Type.String(), entry: LedgerEntrySchema, key_id: Type.String(), signature: Type.String(), recorded_at: Type.String() },
  { additionalProperties: false },
)

export async function ledgerRoutes(app: FastifyInstance, { ctx }: { ctx: LedgerContext }): Promise<void> {
  app.post(
    '/v1/entries',
    {
      config: { roles: 'peer' },
      schema: { summary: 'Append one entry signed by a registered party (signed request)', response: { 201: AppendResult, 400: ErrorBody, 401: ErrorBody, 403: ErrorBody } },
    },
    async (req, reply) => {
      const problems = validateSignedEntryShape(req.body)
      if (problems.length > 0) throw errors.entryInvalid(`The entry is malformed: ${problems.slice(0, 3).join('; ')}.`)
      const signed = req.body as SignedEntry
      if (signed.entry.party !== req.signer!.party || signed.key_id !== req.signer!.party) {
        throw errors.entryInvalid('An entry must be signed by, and name, the party that sends it.')
      }
      const key = ctx.partyKey(signed.entry.party)
      if (!key || !verifyEntry(signed, key)) throw errors.signatureInvalid('The entry signature does not verify against the party key registered with the ledger.')
      const res = await store.appendEntries(ctx.db, [signed], ctx.signer)
      const a = res.appended[0]!
      return reply.status(201).send({ index: a.index, leaf_hash: toHex(a.leafHash), checkpoint: res.checkpoint })
    },
  )

  app.get(
    '/v1/checkpoint',
    { config: { roles: 'public' }, schema: { summary: 'The latest signed checkpoint (C2SP tlog-checkpoint signed note)' } },
    async (_req, reply) => {
      const cp = await store.latestCheckpoint(ctx.db)
      if (!cp) {
        return reply.type('text/plain; charset=utf-8').send(signCheckpoint({ origin: ctx.signer.origin, size: 0, rootHash: emptyRoot() }, ctx.signer))
      }
      return reply.type('text/plain; charset=utf-8').send(cp.note)
    },
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
      const head = await store.latestCheckpoint(ctx.db)
      if (!head || size > head.size || index >= size) throw errors.badRequest('index must be below size, and size at most the log size.')
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
      const head = await store.latestCheckpoint(ctx.db)
      if (!head || from > to || to > head.size) throw errors.badRequest('from must be at most to, and to at most the log size.')
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
          isa_id: Type.Optional(Type.String()),
          clause_id: Type.Optional(Type.String()),
          party: Type.Optional(Type.String()),
          type: Type.Optional(Type.String()),
          from: Type.Optional(Type.String({ format: 'date-time' })),
          to: Type.Optional(Type.String({ format: 'date-time' })),
          after: Type.Optional(Type.Integer({ minimum: -1 })),
          limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 5000 })),
        }),
        response: { 200: Type.Array(EntryView) },
      },
    },
    async (req) => {
      const rows = await store.listEntries(ctx.db, req.query as store.EntryFilter)
      return rows.map((r) => {
        const signed = parseEntryBytes(new Uint8Array(r.body))
        return { index: Number(r.idx), leaf_hash: toHex(new Uint8Array(r.leaf_hash)), entry: signed.entry, key_id: signed.key_id, signature: signed.signature, recorded_at: new Date(r.recorded_at).toISOString() }
      })
    },
  )
}
