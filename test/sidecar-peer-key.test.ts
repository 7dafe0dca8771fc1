/**
 * The side-car verifies the council's signature with the key the ISA version in effect names. Before, it built the
 * peers' keys once from the document in its configuration, so a variation registered through POST /v1/isas that
 * replaced the council's signing key was ignored until a restart: the new key was refused and the old one still let
 * requests in. Real services over HTTP; requests signed with each key go straight to the side-car.
 */
import { randomUUID } from 'node:crypto'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { IsaDocument } from '@healthflag/isa'
import { generatePartyKeys, publicKeys } from '@healthflag/service-kit'
import { adminCall, clock, startIsaHarness, type IsaHarness } from './isa-fixtures.js'
import { asCouncil } from './support/sidecar-requests.js'

const clk = clock(new Date(Date.now() + 3_600_000))
let h: IsaHarness

beforeAll(async () => {
  h = await startIsaHarness('sidecar_peer_key', { now: clk.now })
})

afterAll(async () => {
  await h?.drop()
})

describe('the council’s signing key', () => {
  it('is taken from the agreement version in effect: a variation replacing it is honoured from its effective time, without a restart', async () => {
    const oldKey = h.stack.keys.council.signing.privateKey
    const rotated = generatePartyKeys()
    // A read of an exchange the side-car never received: 404 once the signature is accepted, 401 when it is not.
    const read = (key: Uint8Array) => asCouncil(h.stack, 'GET', `/v1/exchanges/${randomUUID()}`, undefined, key)
    expect(await read(oldKey)).toMatchObject({ status: 404, body: { code: 'NOT_FOUND' } })
    expect(await read(rotated.signing.privateKey)).toMatchObject({ status: 401, body: { code: 'SIGNATURE_INVALID' } })

    const versions = (await adminCall(h.stack.urls.sidecar, h.stack.tokens.admin, 'GET', `/v1/isas/${h.stack.isa.id}/versions`)).body as { doc: IsaDocument }[]
    const parties = versions.at(-1)!.doc.parties.map((p) => (p.id === 'council' ? { ...p, signing_key: publicKeys(rotated).signing } : p))
    const at = new Date(clk.now().getTime() + 60_000)
    const varied = await adminCall(h.stack.urls.sidecar, h.stack.tokens.admin, 'POST', `/v1/isas/${h.stack.isa.id}/variations`, { changes: { parties }, effective_from: at.toISOString() })
    expect(varied.status, JSON.stringify(varied.body)).toBe(201)
    // Registered, not yet in effect: the key in effect is still the old one.
    expect(await read(oldKey)).toMatchObject({ status: 404 })
    expect(await read(rotated.signing.privateKey)).toMatchObject({ status: 401, body: { code: 'SIGNATURE_INVALID' } })

    clk.set(new Date(at.getTime() + 1000))
    expect(await read(rotated.signing.privateKey)).toMatchObject({ status: 404, body: { code: 'NOT_FOUND' } })
    expect(await read(oldKey)).toMatchObject({ status: 401, body: { code: 'SIGNATURE_INVALID' } })
  })
})
