/** The analyst's page in a real browser: upload a list, read the report, send it, read the flags. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Browser, Page } from 'playwright-core'
import { generatePopulation, toCsv, PATIENT_COLUMNS, CANDIDATE_COLUMNS } from '@healthflag/synth'
import { api } from '../scripts/lib/client.js'
import { startHarness, type Harness } from './support/harness.js'
import { launchBrowser } from './support/browser.js'

let h: Harness
let browser: Browser
const pop = generatePopulation({ seed: 21, patients: 400, candidates: 40, tier: 'clean', invalidRows: true })

beforeAll(async () => {
  h = await startHarness('browser_council')
  await api.importIndex(h.stack.urls.sidecar, h.stack.tokens.igOfficer, toCsv(pop.patients, [...PATIENT_COLUMNS] as never))
  browser = await launchBrowser()
})
afterAll(async () => {
  await browser?.close()
  await h?.drop()
})

/** Signs in on the page's form with a user name and password, as a person does. */
async function signIn(page: Page, who: { name: string; password: string }): Promise<void> {
  await page.fill('#user', who.name)
  await page.fill('#password', who.password)
  await page.click('#sign-in')
  await page.waitForSelector('#signed-in:not([hidden])')
}

function analyst() {
  if (!h.stack.logins) throw new Error('startStack must give the built-in users passwords')
  return h.stack.logins.analyst
}

describe('the council page', () => {
  it('uploads a candidate file, shows the validation report, sends it and shows one flag per person sent', async () => {
    const page = await browser.newPage()
    await page.goto(h.stack.urls.council)
    await signIn(page, analyst())
    expect(await page.textContent('#who')).toBe('central-analyst')
    await page.setInputFiles('#file', { name: 'candidates.csv', mimeType: 'text/csv', buffer: Buffer.from(toCsv(pop.candidates, [...CANDIDATE_COLUMNS] as never)) })
    await page.click('#upload')
    await page.waitForSelector('#report:not([hidden])')
    const sent = pop.truth.filter((t) => t.sent)
    const summary = await page.textContent('#summary')
    expect(summary).toContain(`${pop.candidates.length} rows read`)
    expect(summary).toContain(`${sent.length} accepted`)
    expect(await page.locator('#rows tr').count()).toBe(pop.candidates.length)
    expect(await page.locator('#rows td.excluded').count()).toBeGreaterThan(0)

    await page.click('#send')
    await page.waitForSelector('#exchange:not([hidden])')
    await page.locator('#results tr').first().waitFor()
    const status = await page.textContent('#status')
    expect(status).toContain(`${sent.length} people checked`)
    expect(status).toContain('brfc-mh-1')
    const rows = await page.locator('#results tr').allTextContents()
    expect(rows.length).toBe(sent.length)
    const flagged = sent.filter((t) => t.expectedActive).length
    expect(rows.filter((r) => r.includes('yes')).length).toBe(flagged)
    expect(await page.textContent('#error')).toBe('')

    // Sending the same list again from the same report sends nothing: the page's Idempotency-Key brings the first
    // exchange back.
    const exchangesOfUpload = async () => {
      const all = (await (await fetch(new URL('/v1/exchanges', h.stack.urls.council), { headers: { authorization: `Bearer ${h.stack.tokens.analyst}` } })).json()) as { exchange_id: string; upload_id: string }[]
      const uploadId = all[0]!.upload_id
      return all.filter((e) => e.upload_id === uploadId).map((e) => e.exchange_id)
    }
    const [first] = await exchangesOfUpload()
    const repeat = page.waitForResponse((r) => r.request().method() === 'POST' && r.url().endsWith('/exchanges'))
    await page.click('#send')
    expect((await repeat).headers()['idempotent-replayed']).toBe('true')
    expect(await exchangesOfUpload()).toEqual([first])
    expect(await page.locator('#results tr').count()).toBe(sent.length)
    expect(await page.textContent('#error')).toBe('')
    await page.screenshot({ path: `${process.env.TMPDIR ?? '/tmp'}/hf-council-page.png`, fullPage: true })
  })

  it('lists earlier exchanges after signing in again and opens one; a district analyst sees only theirs, with their rows', async () => {
    const sent = pop.truth.filter((t) => t.sent)
    const sentRefs = new Set(sent.map((t) => t.ref))
    const central = await browser.newPage()
    await central.goto(h.stack.urls.council)
    await signIn(central, analyst())
    await central.waitForSelector('#history:not([hidden])')
    const listed = await central.locator('#exchanges tr').count()
    expect(listed).toBeGreaterThanOrEqual(1)
    expect(await central.locator('#exchange').isHidden()).toBe(true)
    await central.locator('#exchanges tr').first().locator('button.open').click()
    expect(await central.locator('#send-central').isHidden()).toBe(true)
    await central.locator('#results tr').first().waitFor()
    expect(await central.locator('#results tr').count()).toBe(sent.length)
    expect(await central.textContent('#status')).toContain(`${sent.length} people checked`)

    // A district analyst: the same exchange, through their district's rows only.
    const byRef = new Map(pop.candidates.map((c) => [c.ref, c]))
    const district = byRef.get(sent.find((t) => byRef.get(t.ref)!.district !== '')!.ref)!.district
    const theirs = sent.filter((t) => byRef.get(t.ref)!.district === district)
    const page = await browser.newPage()
    await page.goto(h.stack.urls.council)
    await signIn(page, h.stack.logins!.districtAnalyst(district))
    await page.waitForSelector('#history:not([hidden])')
    expect(await page.locator('#exchanges tr').count()).toBe(listed)
    expect((await page.locator('#exchanges tr').first().locator('td').nth(1).textContent())?.trim()).toBe(analyst().name)
    expect((await page.locator('#exchanges tr').first().locator('td').nth(4).textContent())?.trim()).toBe(String(theirs.length))
    await page.locator('#exchanges tr').first().locator('button.open').click()
    await page.locator('#results tr').first().waitFor()
    const refs = (await page.locator('#results tr td:first-child').allTextContents()).map((x) => x.trim())
    expect(refs.sort()).toEqual(theirs.map((t) => t.ref).sort())
    expect(refs.every((r) => sentRefs.has(r))).toBe(true)
    expect(await page.locator('#chart-box').isHidden()).toBe(true)
    // A district analyst may validate a list but not send one: the page says who does, instead of a Send button.
    await page.setInputFiles('#file', { name: 'candidates.csv', mimeType: 'text/csv', buffer: Buffer.from(toCsv(pop.candidates, [...CANDIDATE_COLUMNS] as never)) })
    await page.click('#upload')
    await page.waitForSelector('#report:not([hidden])')
    expect(await page.locator('#send').isHidden()).toBe(true)
    expect(await page.textContent('#send-central')).toContain('central data team')
    expect(await page.locator('#send-central').isVisible()).toBe(true)

    await page.click('#sign-out')
    await page.waitForSelector('#signed-in', { state: 'hidden' })
    expect(await page.locator('#history').isHidden()).toBe(true)
    expect(await page.locator('#exchange').isHidden()).toBe(true)
  })

  it('says why when the password is wrong, without showing any data', async () => {
    const page = await browser.newPage()
    await page.goto(h.stack.urls.council)
    await page.fill('#user', analyst().name)
    await page.fill('#password', 'not-the-password')
    await page.click('#sign-in')
    await page.locator('#error:not(:empty)').waitFor()
    expect(await page.textContent('#error')).toBe('User name or password is wrong.')
    expect(await page.locator('#signed-in').isHidden()).toBe(true)
    await page.setInputFiles('#file', { name: 'c.csv', mimeType: 'text/csv', buffer: Buffer.from('ref\n') })
    await page.click('#upload')
    await expect.poll(async () => (await page.textContent('#error')) ?? '', { timeout: 15_000 }).not.toBe('')
    expect(await page.textContent('#error')).toContain('Sign in first')
    expect(await page.locator('#report').isHidden()).toBe(true)
  })

  it('sends a list once when the answer to the first send is lost: the retry carries the same key and gets that exchange', async () => {
    const page = await browser.newPage()
    await page.goto(h.stack.urls.council)
    await signIn(page, analyst())
    // Another file (the first 20 people), so another upload.
    await page.setInputFiles('#file', { name: 'some.csv', mimeType: 'text/csv', buffer: Buffer.from(toCsv(pop.candidates.slice(0, 20), [...CANDIDATE_COLUMNS] as never)) })
    await page.click('#upload')
    await page.waitForSelector('#report:not([hidden])')
    // The first send reaches the council, which sends the list; its answer never reaches the page.
    let sends = 0
    const keys: string[] = []
    await page.route('**/v1/uploads/*/exchanges', async (route) => {
      keys.push(route.request().headers()['idempotency-key'] ?? '')
      if (sends++ > 0) return route.continue()
      await route.fetch()
      await route.abort('connectionreset')
    })
    await page.click('#send')
    await expect.poll(async () => (await page.textContent('#error')) ?? '', { timeout: 15_000 }).not.toBe('')
    const retry = page.waitForResponse((r) => r.request().method() === 'POST' && r.url().endsWith('/exchanges'))
    await page.click('#send')
    expect((await retry).headers()['idempotent-replayed']).toBe('true')
    await page.waitForSelector('#exchange:not([hidden])')
    expect(keys).toHaveLength(2)
    expect(keys[1]).toBe(keys[0])
    const all = (await (await fetch(new URL('/v1/exchanges', h.stack.urls.council), { headers: { authorization: `Bearer ${h.stack.tokens.analyst}` } })).json()) as { exchange_id: string; upload_id: string; rows_sent: number }[]
    expect(all.filter((e) => e.rows_sent === pop.truth.slice(0, 20).filter((t) => t.sent).length)).toHaveLength(1)
    await page.close()
  })
})
