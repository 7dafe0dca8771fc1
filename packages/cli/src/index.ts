export { main } from './main.js'
export { formatReport, verifyDatabase, verifyExportFile, type VerifyInputs, type VerifyReport } from './ledger-verify.js'
