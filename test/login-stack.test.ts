/**
 * Sign-in on the three running services with the built-in users of the stack: each person signs in on
 * their own service, the session works there with their role only, and the API tokens keep working.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startHarness, type Harness } from './support/harness.js'
import type { StackLogin } from '../scripts/lib/stack.js'

let h: Harness

beforeAll(async () => {
  h = await startHarness('login_stack')
}, 180_000)
afterAll(async () => {
  await h?.drop()
})

async function signIn(base: string, who: StackLogin): Promise<{ status: number; token: string; user: { name: string; role: string; district: string | null } }> {
  const res = await fetch(`${base}/v1/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(who) })
  const body = (await res.json()) as { token: string; user: { name: string; role: string; district: string | null } }
  return { status: res.status, token: body.token, user: body.user }
}

const status = async (url: string, token: string) => (await fetch(url, { headers: { authorization: `Bearer ${token}` } })).status

function logins() {
  if (!h.stack.logins) throw new Error('startStack must give the built-in users passwords')
  return h.stack.logins
}

describe('sign-in on the stack', () => {
  it('lets the central analyst, a district analyst, the IG officer and the auditor sign in on their own service with their role', async () => {
    const { urls } = h.stack
    const central = await signIn(urls.council, logins().analyst)
    expect(central).toMatchObject({ status: 200, user: { name: 'central-analyst', role: 'analyst', district: null } })
    expect(await status(`${urls.council}/v1/uploads`, central.token)).toBe(200)
    expect(await status(`${urls.council}/v1/isas`, central.token)).toBe(200)

    const district = await signIn(urls.council, logins().districtAnalyst('Tamworth'))
    expect(district).toMatchObject({ status: 200, user: { role: 'analyst', district: 'Tamworth' } })

    const ig = await signIn(urls.sidecar, logins().igOfficer)
    expect(ig).toMatchObject({ status: 200, user: { name: 'ig-officer', role: 'ig_officer' } })
    expect(await status(`${urls.sidecar}/v1/ig/exchanges`, ig.token)).toBe(200)

    const auditor = await signIn(urls.ledger, logins().auditor)
    expect(auditor).toMatchObject({ status: 200, user: { name: 'auditor', role: 'auditor' } })

    const admin = await signIn(urls.council, logins().admin.council)
    expect(admin).toMatchObject({ status: 200, user: { name: 'council-admin', role: 'admin' } })
    // An analyst's session cannot reach an admin route: it answers as if the route did not exist.
    const purge = await fetch(`${urls.council}/v1/admin/purge`, { method: 'POST', headers: { authorization: `Bearer ${central.token}`, 'content-type': 'application/json' }, body: '{}' })
    expect(purge.status).toBe(404)
  })

  it('refuses a person on a service where they have no account, and a session on another service', async () => {
    const { urls } = h.stack
    expect((await signIn(urls.sidecar, logins().analyst)).status).toBe(401)
    const central = await signIn(urls.council, logins().analyst)
    expect(await status(`${urls.sidecar}/v1/ig/exchanges`, central.token)).toBe(401)
  })

  it('keeps every built-in API token working', async () => {
    const { urls, tokens } = h.stack
    expect(await status(`${urls.council}/v1/uploads`, tokens.analyst)).toBe(200)
    expect(await status(`${urls.council}/v1/uploads`, tokens.districtAnalyst('Stafford'))).toBe(200)
    expect(await status(`${urls.sidecar}/v1/ig/exchanges`, tokens.igOfficer)).toBe(200)
    expect(await status(`${urls.sidecar}/v1/index`, tokens.admin)).toBe(200)
    expect(await status(`${urls.council}/v1/isas`, tokens.admin)).toBe(200)
  })

  it('never writes a password or session token to the service logs', async () => {
    const who = logins().igOfficer
    const { token } = await signIn(h.stack.urls.sidecar, who)
    await signIn(h.stack.urls.sidecar, { name: who.name, password: 'wrong-password-never-logged' })
    const logs = h.logs()
    expect(logs).toContain('signed in')
    for (const secret of [who.password, token, 'wrong-password-never-logged']) expect(logs).not.toContain(secret)
  })
})
