#!/usr/bin/env node
// The healthflag command line. The sources are TypeScript; tsx's API compiles them on the fly.
import { register } from 'tsx/esm/api'

register()
const { main } = await import('../packages/cli/src/main.ts')
process.exitCode = await main(process.argv)
