export * from './errors.js'
export * from './signing.js'
export * from './messages.js'
export * from './encoding.js'
