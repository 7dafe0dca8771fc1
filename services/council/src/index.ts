export { councilApp, type CouncilOptions } from './app.js'
