export * from './csv.js'
export * from './candidates.js'
export * from './patients.js'
export * from './results.js'
