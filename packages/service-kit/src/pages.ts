/**
 * The people's pages (the council's analyst page, the side-car's IG console, the ledger's auditor page): each is one
 * HTML file with its script inline, and all three share one sign-in form and script, written here once and put into
 * each page where it says `<!-- @sign-in-form -->` and where its script says `/* @sign-in *\/`.
 */
import { readFileSync } from 'node:fs'

const SIGN_IN_MARKER = '/* @sign-in */'
const FORM_MARKER = '<!-- @sign-in-form -->'

/** The form signInScript drives, and the hidden field holding the page's bearer token. */
const SIGN_IN_FORM = `<form id="signin" class="signin">
 <label>User name <input id="user" size="20" autocomplete="username" required></label>
 <label>Password <input id="password" type="password" size="24" autocomplete="current-password" required></label>
 <button id="sign-in" type="submit">Sign in</button>
 <span id="signed-in" class="muted" hidden>Signed in as <strong id="who"></strong> <button id="sign-out" type="button">Sign out</button></span>
</form>
<input id="token" type="hidden">`

/**
 * Sign-in: user name and password for a session token, kept in sessionStorage under `storageKey` (where the page keeps
 * its bearer token), `${storageKey}-user` and `${storageKey}-district` (empty for a user of every district). Expects
 * the page's `$` and an element `error`; the rest is SIGN_IN_FORM. Tells the page by the document events
 * `hf-signed-in` and `hf-signed-out`.
 */
function signInScript(storageKey: string): string {
  const key = JSON.stringify(storageKey)
  const userKey = JSON.stringify(`${storageKey}-user`)
  const districtKey = JSON.stringify(`${storageKey}-district`)
  return `// Sign-in: user name and password for a session token, kept where the page keeps its bearer token.
function showSignedIn() {
  const name = sessionStorage.getItem(${userKey})
  $('signed-in').hidden = !($('token').value && name)
  $('who').textContent = name || ''
}
$('signin').onsubmit = async (ev) => {
  ev.preventDefault()
  $('error').textContent = ''
  const res = await fetch('/v1/login', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ name: $('user').value, password: $('password').value }) }).catch(() => null)
  $('password').value = ''
  const data = res ? await res.json().catch(() => ({})) : {}
  if (!res || !res.ok) { $('error').textContent = data.message || 'Sign-in failed; try again.'; return }
  $('token').value = data.token
  sessionStorage.setItem(${key}, data.token)
  sessionStorage.setItem(${userKey}, data.user.name)
  sessionStorage.setItem(${districtKey}, data.user.district || '')
  showSignedIn()
  document.dispatchEvent(new Event('hf-signed-in'))
}
$('sign-out').onclick = async () => {
  await fetch('/v1/logout', { method: 'POST', headers: { authorization: 'Bearer ' + $('token').value } }).catch(() => null)
  $('token').value = ''
  sessionStorage.removeItem(${key})
  sessionStorage.removeItem(${userKey})
  sessionStorage.removeItem(${districtKey})
  showSignedIn()
  document.dispatchEvent(new Event('hf-signed-out'))
}
showSignedIn()`
}

/** Reads a page at start-up and puts the sign-in form and script in; a page without the markers is a build mistake. */
export function loadPage(file: URL, storageKey: string): string {
  const html = readFileSync(file, 'utf8')
  for (const marker of [FORM_MARKER, SIGN_IN_MARKER]) if (!html.includes(marker)) throw new Error(`${file.pathname} has no ${marker} marker for the sign-in`)
  const script = signInScript(storageKey)
  return html.replace(FORM_MARKER, () => SIGN_IN_FORM).replace(SIGN_IN_MARKER, () => script)
}
