export * from './open.js'
export * from './migrate.js'
export * from './testing.js'
