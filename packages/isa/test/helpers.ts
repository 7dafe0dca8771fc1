import { HealthflagError } from '@healthflag/protocol'
import { expect } from 'vitest'

/** Runs `fn`, expects a HealthflagError, and returns it so the test can check code and status. */
export function refusal(fn: () => unknown): HealthflagError {
  try {
    fn()
  } catch (e) {
    expect(e).toBeInstanceOf(HealthflagError)
    return e as HealthflagError
  }
  throw new Error('expected a refusal, but the call succeeded')
}
