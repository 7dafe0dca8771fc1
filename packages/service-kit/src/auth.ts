/**
 * Roles as scopes, declared per route and enforced here in one place. A route registered without
 * `config.roles` fails at boot. `public` routes need nothing; `peer` routes need a signed request from a
 * registered party (signed-requests plugin); every other role list needs a bearer token of a user with
 * one of those roles.
 */
import fp from 'fastify-plugin'
import { createHash, timingSafeEqual } from 'node:crypto'
import type { FastifyInstance } from 'fastify'
import { errors } from '@healthflag/protocol'

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
  async (app: FastifyInstance, opts: { users: readonly ApiUser[] }) => {
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
      const user = token ? findUser(opts.users, token) : undefined
      if (!user) throw errors.unauthenticated('Sign in first: send "Authorization: Bearer <your API token>".')
      // Unknown and forbidden answer alike, so probing a route teaches nothing.
      if (!roles.includes(user.role)) throw errors.notFound('Not found.')
      req.user = user
    })
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
