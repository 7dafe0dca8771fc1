/**
 * The IG console and the council page in a real browser (Debian Chromium via playwright-core): two
 * exchanges under an approval-gated ISA wait; in the console one is approved and the other refused with a
 * reason; each council page then shows the outcome.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Browser, Page } from 'playwright-core'
import { api } from '../scripts/lib/client.js'
import { launchBrowser } from './support/browser.js'
import { batch, candidatesCsv, patientsCsv, startIsaHarness, type IsaHarness } from './isa-fixtures.js'

let h: IsaHarness
let browser: Browser
const approved = batch(12, 0, { active: 5, inactive: 3 })
const refused = batch(10, 50, { active: 2, inactive: 2 })

beforeAll(async () => {
  h = await startIsaHarness('browser_ig', { approvalRequired: true })
  await api.importIndex(h.stack.urls.sidecar, h.stack.tokens.igOfficer, patientsCsv([...approved, ...refused]))
  browser = await launchBrowser()
})

afterAll(async () => {
  await browser?.close()
  await h?.drop()
})

/**
 * Puts a bearer token where a page keeps the session token after its sign-in form succeeds, before the page
 * loads. The harness of this file (isa-fixtures) assembles its stack by hand and gives its users API tokens
 * only; the sign-in form itself is exercised in browser-council, ledger-auditor-page and login-*.
 */
async function signedIn(page: Page, storageKey: 'hf-token' | 'hf-ig-token', token: string, name: string): Promise<void> {
  await page.addInitScript(
    ([k, t, n]) => {
      const storage = (globalThis as unknown as { sessionStorage: { setItem(key: string, value: string): void } }).sessionStorage
      storage.setItem(k, t)
      storage.setItem(`${k}-user`, n)
    },
    [storageKey, token, name] as const,
  )
}

/** Uploads a list on the council page and sends it; returns the page, left showing the exchange. */
async function councilSends(csv: string): Promise<Page> {
  const page = await browser.newPage()
  await signedIn(page, 'hf-token', h.stack.tokens.analyst, 'central-analyst')
  await page.goto(h.stack.urls.council)
  await page.waitForSelector('#signed-in:not([hidden])')
  await page.setInputFiles('#file', { name: 'candidates.csv', mimeType: 'text/csv', buffer: Buffer.from(csv) })
  await page.click('#upload')
  await page.waitForSelector('#report:not([hidden])')
  await page.click('#send')
  await page.waitForSelector('#exchange:not([hidden])')
  await page.locator('#status:not(:empty)').waitFor()
  return page
}

describe('the IG console', () => {
  it('holds two exchanges for approval, approves one and refuses the other, and the council pages reflect both', async () => {
    const first = await councilSends(candidatesCsv(approved))
    expect(await first.textContent('#status')).toContain('Awaiting trust approval')
    expect(await first.isVisible('#refresh')).toBe(true)
    const second = await councilSends(candidatesCsv(refused))
    expect(await second.textContent('#status')).toContain('Awaiting trust approval')

    const [secondId, firstId] = await latestExchanges()
    expect((await api.exchange(h.stack.urls.council, h.stack.tokens.analyst, firstId!)).status).toBe('pending_approval')

    const console = await browser.newPage()
    await signedIn(console, 'hf-ig-token', h.stack.tokens.igOfficer, 'ig-officer')
    await console.goto(`${h.stack.urls.sidecar}/ig`)
    await console.waitForSelector('#signed-in:not([hidden])')
    await console.click('#load')
    await console.waitForSelector(`#pending tr[data-exchange="${firstId}"]`)
    expect(await console.locator('#pending tr').count()).toBe(2)
    expect(await console.textContent(`#pending tr[data-exchange="${firstId}"]`)).toContain('12')
    expect(await console.textContent('#live-index')).toContain(`${[...approved, ...refused].filter((p) => p.spec.patient !== 'none').length} patients`)
    expect(await console.locator('#index-history tr').count()).toBe(1)
    // the live version's index, built by the import, is in the side-car's memory
    expect(await console.textContent('#index-history tr td:nth-child(2)')).toBe('live (in memory)')
    expect(await console.textContent('#import-progress')).toMatch(/^Last import: version \d+, [\d,]+ rows \([\d,]+ patients, 0 rejected\) at [\d,]+ rows\/s\.$/)
    expect(await console.textContent('#isas')).toContain(h.stack.isa.review_date) // the example's 2027-03-01 until that passes
    expect(await console.textContent('#isas')).toContain('(IG approval)')

    await console.click(`#pending tr[data-exchange="${firstId}"] button.approve`)
    await console.waitForSelector(`#past tr[data-exchange="${firstId}"]`)
    expect(await console.textContent(`#past tr[data-exchange="${firstId}"] td.status`)).toBe('answered')

    // A refusal needs a reason.
    await console.click(`#pending tr[data-exchange="${secondId}"] button.refuse`)
    expect(await console.textContent('#error')).toContain('Give a reason')
    await console.fill(`#pending tr[data-exchange="${secondId}"] input.reason`, 'List includes people outside the programme')
    await console.click(`#pending tr[data-exchange="${secondId}"] button.refuse`)
    await console.waitForSelector(`#past tr[data-exchange="${secondId}"]`)
    expect(await console.textContent(`#past tr[data-exchange="${secondId}"] td.status`)).toBe('refused')
    expect(await console.textContent(`#past tr[data-exchange="${secondId}"]`)).toContain('List includes people outside the programme')
    expect(await console.isVisible('#no-pending')).toBe(true)
    await console.screenshot({ path: `${process.env.TMPDIR ?? '/tmp'}/hf-ig-console.png`, fullPage: true })

    await first.click('#refresh')
    await first.locator('#results tr').first().waitFor()
    expect(await first.textContent('#status')).toContain('12 people checked, 5 with an active service')
    const rows = await first.locator('#results tr').allTextContents()
    expect(rows).toHaveLength(12)
    expect(rows.filter((r) => r.includes('yes'))).toHaveLength(5)
    await first.waitForSelector('#chart-box:not([hidden])')
    expect(await first.getAttribute('#chart g[data-district="Stafford"]', 'data-flagged')).toBe('0') // no family ids in this list
    expect(await first.isVisible('#refresh')).toBe(false)

    await second.click('#refresh')
    await second.locator('#status', { hasText: 'refused' }).waitFor()
    expect(await second.textContent('#status')).toContain('REFUSED_BY_IG')
    expect(await second.textContent('#status')).toContain('List includes people outside the programme')
    expect(await second.locator('#results tr').count()).toBe(0)
    await first.screenshot({ path: `${process.env.TMPDIR ?? '/tmp'}/hf-council-after-approval.png`, fullPage: true })
  })

  it('shows nothing and says why when someone without an account on the side-car tries to sign in', async () => {
    const page = await browser.newPage()
    await page.goto(`${h.stack.urls.sidecar}/ig`)
    await page.fill('#user', 'central-analyst')
    await page.fill('#password', 'a-council-password')
    await page.click('#sign-in')
    await page.locator('#error:not(:empty)').waitFor()
    expect(await page.textContent('#error')).toBe('User name or password is wrong.')
    expect(await page.locator('#signed-in').isHidden()).toBe(true)
    await page.click('#load')
    await page.locator('#error', { hasText: 'Sign in first' }).waitFor()
    await page.locator('#error:not(:empty)').waitFor()
    expect(await page.textContent('#error')).toContain('Sign in first')
    expect(await page.locator('#past tr').count()).toBe(0)
  })
})

/** Exchange ids on the council, newest first. */
async function latestExchanges(): Promise<string[]> {
  const res = await fetch(new URL('/v1/exchanges', h.stack.urls.council), { headers: { authorization: `Bearer ${h.stack.tokens.analyst}` } })
  return ((await res.json()) as { exchange_id: string }[]).map((e) => e.exchange_id)
}
