/**
 * Roles as scopes, declared per route and enforced here in one place. A route registered without
 * `config.roles` fails at boot. `public` routes need nothing; `peer` routes need a signed request from a
 * registered party (signed-requests plugin); every other role list needs a bearer token of a user with
 * one of those roles: an API token (CLI and scripts) or a session token from POST /v1/login (people).
 */
import fp from 'fastify-plugin'
import { createHash, timingSafeEqual } from 'node:crypto'
import type { FastifyInstance } from 'fastify'
import { errors } from '@healthflag/protocol'
import { LoginLimiter, SessionStore, loginRoutes } from './login.js'

export type Role = 'analyst' | 'ig_officer' | 'auditor' | 'admin'
export type RouteAccess = readonly Role[] | 'public' | 'peer'

export interface User {
  name: string
  role: Role
  /** For council analysts: null = central data team (all districts), else the one district they serve. */
  district: string | null
}

export interface ApiUser extends User {
  /** SHA-256 hex of the API token; the token itself is never stored. */
  tokenSha256: string
  /** `scrypt$N$r$p$salt_b64$hash_b64` (see hashPassword); without it the user cannot sign in with a password. */
  passwordHash?: string
}

export interface AuthOptions {
  users: readonly ApiUser[]
  /** Clock for session expiry and the sign-in attempt limit (tests inject one). */
  now?: () => Date
  /** Session lifetime; default 8 hours. */
  sessionTtlMs?: number
  /**
   * Failed sign-ins per (user name, address) within the window before 429 (default 5 per 15 minutes), and
   * per address over all names (default 10 × maxFailures).
   */
  loginLimit?: { maxFailures?: number; windowMs?: number; maxFailuresPerAddress?: number }
}

declare module 'fastify' {
  interface FastifyRequest {
    user?: User
  }
  interface FastifyContextConfig {
    roles?: RouteAccess
  }
}

export function hashToken(token: string): string {
  return createHash('sha256').update(token, 'utf8').digest('hex')
}

/** Finds the user whose token hash equals the presented token's, in constant time per candidate. */
export function findUser(users: readonly ApiUser[], token: string): User | undefined {
  const presented = Buffer.from(hashToken(token), 'hex')
  for (const u of users) {
    const known = Buffer.from(u.tokenSha256, 'hex')
    if (known.length === presented.length && timingSafeEqual(known, presented)) return { name: u.name, role: u.role, district: u.district }
  }
  return undefined
}

export const authPlugin = fp(
  async (app: FastifyInstance, opts: AuthOptions) => {
    const now = opts.now ?? (() => new Date())
    const sessions = new SessionStore(now, opts.sessionTtlMs)
    const limiter = new LoginLimiter(now, opts.loginLimit?.maxFailures, opts.loginLimit?.windowMs)
    app.addHook('onRoute', (route) => {
      if (route.url.startsWith('/docs')) {
        route.config = { ...(route.config ?? {}), roles: 'public' }
        return
      }
      const roles = (route.config as { roles?: RouteAccess } | undefined)?.roles
      if (!roles) throw new Error(`route ${route.method} ${route.url} was registered without declared roles`)
      if (roles === 'peer') route.config = { ...(route.config ?? {}), signed: true }
    })
    app.addHook('onRequest', async (req) => {
      const roles = req.routeOptions.config.roles
      if (!roles || roles === 'public' || roles === 'peer') return
      const header = req.headers.authorization
      const token = header?.startsWith('Bearer ') ? header.slice(7).trim() : undefined
      const user = token ? (findUser(opts.users, token) ?? sessions.find(token)) : undefined
      if (!user) throw errors.unauthenticated('Sign in first: send "Authorization: Bearer <your API token or session token>".')
      // Unknown and forbidden answer alike, so probing a route teaches nothing.
      if (!roles.includes(user.role)) throw errors.notFound('Not found.')
      req.user = user
    })
    await loginRoutes(app, { users: opts.users, sessions, limiter, ...(opts.loginLimit?.maxFailuresPerAddress ? { maxFailuresPerAddress: opts.loginLimit.maxFailuresPerAddress } : {}) })
  },
  { name: 'healthflag-auth' },
)

/** Every registered route with its declared access, for the role-matrix test and docs. */
export function routeTable(app: FastifyInstance): { method: string; url: string; roles: RouteAccess }[] {
  return (app as unknown as { [routeTableSymbol]?: { method: string; url: string; roles: RouteAccess }[] })[routeTableSymbol] ?? []
}
export const routeTableSymbol = Symbol.for('healthflag.routeTable')

/** Collects the route table; register before routes. */
export const routeTablePlugin = fp(
  async (app: FastifyInstance) => {
    const table: { method: string; url: string; roles: RouteAccess }[] = []
    ;(app as unknown as Record<symbol, unknown>)[routeTableSymbol] = table
    app.addHook('onRoute', (route) => {
      const roles = (route.config as { roles?: RouteAccess } | undefined)?.roles
      const methods = Array.isArray(route.method) ? route.method : [route.method]
      for (const m of methods) if (m !== 'HEAD' && roles) table.push({ method: m, url: route.url, roles })
    })
  },
  { name: 'healthflag-route-table' },
)
