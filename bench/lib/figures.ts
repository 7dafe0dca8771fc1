// One JSON line per figure on stdout, each with the machine it was measured on.
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
