/** The auditor's page in a real browser: an exchange run through the three services shows up, with proofs. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Browser } from 'playwright-core'
import { generatePopulation, toCsv, PATIENT_COLUMNS, CANDIDATE_COLUMNS } from '@healthflag/synth'
import { api } from '../scripts/lib/client.js'
import { startHarness, type Harness } from './support/harness.js'
import { launchBrowser } from './support/browser.js'

let h: Harness
let browser: Browser
let exchangeId: string
const pop = generatePopulation({ seed: 33, patients: 300, candidates: 30, tier: 'clean' })

beforeAll(async () => {
  h = await startHarness('ledger_page')
  await api.importIndex(h.stack.urls.sidecar, h.stack.tokens.igOfficer, toCsv(pop.patients, [...PATIENT_COLUMNS] as never))
  const upload = (await api.upload(h.stack.urls.council, h.stack.tokens.analyst, toCsv(pop.candidates, [...CANDIDATE_COLUMNS] as never))).body
  exchangeId = (await api.startExchange(h.stack.urls.council, h.stack.tokens.analyst, upload.upload_id)).body.exchange_id
  browser = await launchBrowser()
}, 180_000)
afterAll(async () => {
  await browser?.close()
  await h?.drop()
})

async function openAsAuditor() {
  const page = await browser.newPage()
  await page.goto(h.stack.urls.ledger)
  if (!h.stack.logins) throw new Error('startStack must give the built-in users passwords')
  await page.fill('#user', h.stack.logins.auditor.name)
  await page.fill('#password', h.stack.logins.auditor.password)
  await page.click('#sign-in')
  await page.locator('#signed-in:not([hidden])').waitFor()
  return page
}

describe('the auditor page', () => {
  it("lists the exchange's request, answer and receipt, with counts per clause and month", async () => {
    const page = await openAsAuditor()
    await page.click('#load')
    await page.waitForSelector('#entries-section:not([hidden])')
    const rows = await page.locator('#entries tr').allTextContents()
    const mine = rows.filter((r) => r.includes(exchangeId))
    expect(mine.map((r) => ['exchange.requested', 'exchange.answered', 'exchange.received'].find((t) => r.includes(t)))).toEqual(['exchange.requested', 'exchange.answered', 'exchange.received'])
    const log = await page.textContent('#size')
    expect(Number(log)).toBe(rows.length)
    // One entry of each type this month: shown as "<5", never as 1.
    const stats = await page.locator('#stats tr').allTextContents()
    const month = new Date().toISOString().slice(0, 7)
    const answered = stats.find((r) => r.includes('exchange.answered') && r.includes(month))
    expect(answered).toBeDefined()
    expect(answered).toContain('<5')
    expect(await page.textContent('#error')).toBe('')
  })

  it('shows an entry with its inclusion proof verified in the browser', async () => {
    const page = await openAsAuditor()
    await page.click('#load')
    await page.waitForSelector('#entries tr')
    await page.locator('#entries tr', { hasText: 'exchange.answered' }).filter({ hasText: exchangeId }).click()
    await page.waitForSelector('#detail:not([hidden])')
    await page.locator('#d-verdict').filter({ hasText: /\S/ }).waitFor()
    expect(await page.textContent('#d-verdict')).toContain('✓ Verified in this browser')
    // It says what it did not check, rather than letting the tick stand for more.
    expect(await page.textContent('#d-verdict')).toContain("checkpoint's signature is not checked here")
    expect(await page.getAttribute('#d-verdict', 'class')).toBe('ok')
    const entry = JSON.parse((await page.textContent('#d-entry'))!) as { entry: { exchange_id: string; party: string } }
    expect(entry.entry).toMatchObject({ exchange_id: exchangeId, party: 'trust' })
    expect(await page.locator('#d-proof li').count()).toBeGreaterThan(0)
    await page.screenshot({ path: `${process.env.TMPDIR ?? '/tmp'}/hf-auditor-page.png`, fullPage: true })
  })

  it('filters by type and by party', async () => {
    const page = await openAsAuditor()
    await page.selectOption('#f-type', 'exchange.received')
    await page.fill('#f-party', 'council')
    await page.click('#load')
    await page.waitForSelector('#entries tr')
    const rows = await page.locator('#entries tr').allTextContents()
    expect(rows.length).toBeGreaterThan(0)
    expect(rows.every((r) => r.includes('exchange.received') && r.includes('council'))).toBe(true)
    expect(rows.some((r) => r.includes(exchangeId))).toBe(true)
  })

  it('says what to do when the password is wrong, and shows no entries', async () => {
    const page = await browser.newPage()
    await page.goto(h.stack.urls.ledger)
    await page.fill('#user', 'auditor')
    await page.fill('#password', 'not-the-password')
    await page.click('#sign-in')
    await page.locator('#error').filter({ hasText: /\S/ }).waitFor()
    expect(await page.textContent('#error')).toBe('User name or password is wrong.')
    await page.click('#load')
    await page.locator('#error').filter({ hasText: /Sign in first/ }).waitFor()
    await page.locator('#error').filter({ hasText: /\S/ }).waitFor()
    expect(await page.textContent('#error')).toContain('Sign in first')
    expect(await page.locator('#entries tr').count()).toBe(0)
  })
})
