/**
 * Optional timeline of an exchange's phases (wall and process CPU time), for the bench: off unless a harness turns it
 * on, and then only labels and times are kept, never data. The three services of a bench stack share one process, so
 * the council's and the side-car's marks land in one list in the order they happened.
 */
export interface PhaseMark {
  label: string
  /** performance.now(), ms */
  at: number
  /** user + system CPU time of the whole process (every thread), ms */
  cpu: number
}

let marks: PhaseMark[] | undefined

/** Turns recording on (a fresh list) or off. */
export function tracePhases(on: boolean): void {
  marks = on ? [] : undefined
}

/** Marks the end of a phase; nothing when tracing is off. */
export function phase(label: string): void {
  if (!marks) return
  const c = process.cpuUsage()
  marks.push({ label, at: performance.now(), cpu: (c.user + c.system) / 1000 })
}

/** The marks since the last call, in order (and a fresh list). */
export function takePhases(): PhaseMark[] {
  const out = marks ?? []
  if (marks) marks = []
  return out
}
