export { ledgerApp, type LedgerOptions } from './app.js'
