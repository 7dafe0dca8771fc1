export * from './schema.js'
export * from './digest.js'
export * from './checks.js'
export * from './example.js'
