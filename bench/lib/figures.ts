// One JSON line per figure on stdout, each with the machine it was measured on.
import { readFileSync, readdirSync } from 'node:fs'
import { availableParallelism, cpus, loadavg } from 'node:os'

export function machine(): { cores: number; cpu: string; node: string; load1: number } {
  return { cores: availableParallelism(), cpu: cpus()[0]?.model.trim() ?? 'unknown', node: process.version, load1: Math.round(loadavg()[0]! * 100) / 100 }
}

export function emit(figure: Record<string, unknown>): void {
  process.stdout.write(`${JSON.stringify({ ...figure, ...machine() })}\n`)
}

/** Samples the process's resident set while a phase runs; peak in MiB. */
export function rssSampler(): { stop(): number } {
  let peak = process.memoryUsage.rss()
  const t = setInterval(() => {
    peak = Math.max(peak, process.memoryUsage.rss())
  }, 25)
  return {
    stop() {
      clearInterval(t)
      return Math.round(Math.max(peak, process.memoryUsage.rss()) / 2 ** 20)
    },
  }
}

export function percentile(xs: readonly number[], p: number): number {
  const s = [...xs].sort((a, b) => a - b)
  return s[Math.min(s.length - 1, Math.max(0, Math.ceil((p / 100) * s.length) - 1))]!
}

export const round = (x: number, digits = 3): number => Math.round(x * 10 ** digits) / 10 ** digits

/**
 * Where a timed section's CPU went, read from Linux's /proc (undefined elsewhere): this process's main thread and each
 * of its other threads (import workers, V8's helper threads, loader threads), the PostgreSQL server's processes
 * (backends included) and the whole machine's busy and idle core-seconds. Call before, then `stop()` after.
 */
export function cpuBreakdown(): { stop(): Record<string, unknown> | undefined } {
  const TICK = 100 // USER_HZ
  // The fields of a stat line after the command name, from its state on: utime and stime are 11 and 12, minor page
  // faults 7 (on a virtual machine where each costs ~11 µs they are a visible share of the CPU).
  const fields = (stat: string): string[] => stat.slice(stat.lastIndexOf(')') + 2).split(' ')
  const ticks = (f: string[]): number => Number(f[11]) + Number(f[12])
  const faults = (f: string[]): number => Number(f[7])
  const read = (path: string): string | undefined => {
    try {
      return readFileSync(path, 'utf8')
    } catch {
      return undefined
    }
  }
  const snapshot = () => {
    const threads = new Map<string, number>()
    const threadFaults = new Map<string, number>()
    for (const t of safeDir('/proc/self/task')) {
      const s = read(`/proc/self/task/${t}/stat`)
      if (s) {
        const f = fields(s)
        threads.set(t, ticks(f))
        threadFaults.set(t, faults(f))
      }
    }
    const postgres = new Map<string, number>()
    const postgresFaults = new Map<string, number>()
    for (const p of safeDir('/proc')) {
      if (!/^\d+$/.test(p)) continue
      const s = read(`/proc/${p}/stat`)
      if (s?.includes('(postgres)')) {
        const f = fields(s)
        postgres.set(p, ticks(f))
        postgresFaults.set(p, faults(f))
      }
    }
    const cpu = (read('/proc/stat') ?? '').split('\n')[0]!.trim().split(/\s+/).slice(1).map(Number)
    return { threads, threadFaults, postgres, postgresFaults, busy: cpu[0]! + cpu[1]! + cpu[2]! + cpu[5]! + cpu[6]!, idle: cpu[3]! + cpu[4]! }
  }
  if (!read('/proc/self/stat')) return { stop: () => undefined }
  const before = snapshot()
  return {
    stop() {
      const after = snapshot()
      const delta = (a: Map<string, number>, b: Map<string, number>) => [...a].map(([k, v]) => [k, v - (b.get(k) ?? 0)] as const)
      const threads = delta(after.threads, before.threads)
      const main = threads.find(([t]) => t === String(process.pid))?.[1] ?? 0
      const busiest = threads.filter(([t, v]) => t !== String(process.pid) && v > 0).sort((a, b) => b[1] - a[1])
      const others = busiest.map(([, v]) => v)
      const threadFaults = new Map(delta(after.threadFaults, before.threadFaults))
      // A PostgreSQL backend that ended within the section is not counted (the bench's connections outlive it).
      const pg = delta(after.postgres, before.postgres).reduce((s, [, v]) => s + v, 0)
      const s = (t: number) => round(t / TICK, 2)
      return {
        main_thread_s: s(main),
        other_threads_s: others.map(s),
        postgres_s: s(pg),
        machine_busy_s: s(after.busy - before.busy),
        machine_idle_s: s(after.idle - before.idle),
        main_thread_faults: threadFaults.get(String(process.pid)) ?? 0,
        // in the same order as other_threads_s
        other_threads_faults: busiest.map(([t]) => threadFaults.get(t) ?? 0),
        postgres_faults: delta(after.postgresFaults, before.postgresFaults).reduce((sum, [, v]) => sum + v, 0),
      }
    },
  }
}

function safeDir(path: string): string[] {
  try {
    return readdirSync(path)
  } catch {
    return []
  }
}
