// Worker-thread bootstrap: the workspace runs TypeScript sources directly, so register tsx in this thread, then load
// the worker. (A worker does not inherit the parent's loader hooks, and `--import` in execArgv is not honoured.)
import { register } from 'tsx/esm/api'

register()
await import('./worker.ts')
