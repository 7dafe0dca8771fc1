export { sidecarApp, type SidecarOptions } from './app.js'
