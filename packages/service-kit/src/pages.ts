/**
 * The people's pages (the council's analyst page, the side-car's IG console, the ledger's auditor page): each is one
 * HTML file with its script inline, and all three share one sign-in script, written here once and put into each page
 * where its script says `/* @sign-in *\/`.
 */
import { readFileSync } from 'node:fs'

const SIGN_IN_MARKER = '/* @sign-in */'

/**
 * Sign-in: user name and password for a session token, kept in sessionStorage under `storageKey` (where the page keeps
 * its bearer token) and `${storageKey}-user`. Expects the page's `$` and the elements token, signin, user, password,
 * error, signed-in, who and sign-out.
 */
function signInScript(storageKey: string): string {
  const key = JSON.stringify(storageKey)
  const userKey = JSON.stringify(`${storageKey}-user`)
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
  showSignedIn()
}
$('sign-out').onclick = async () => {
  await fetch('/v1/logout', { method: 'POST', headers: { authorization: 'Bearer ' + $('token').value } }).catch(() => null)
  $('token').value = ''
  sessionStorage.removeItem(${key})
  sessionStorage.removeItem(${userKey})
  showSignedIn()
}
showSignedIn()`
}

/** Reads a page at start-up and puts the sign-in script in; a page without the marker is a build mistake. */
export function loadPage(file: URL, storageKey: string): string {
  const html = readFileSync(file, 'utf8')
  if (!html.includes(SIGN_IN_MARKER)) throw new Error(`${file.pathname} has no ${SIGN_IN_MARKER} marker for the sign-in script`)
  const script = signInScript(storageKey)
  return html.replace(SIGN_IN_MARKER, () => script)
}
