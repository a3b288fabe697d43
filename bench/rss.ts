// Resident memory of a target process: VmRSS from /proc/<pid>/status, or `ps -o rss=` where /proc is absent.
import { execFileSync } from "node:child_process"
import { readFileSync } from "node:fs"

const fromProc = (pid: number): number | undefined => {
  try {
    const match = /VmRSS:\s+(\d+)\s+kB/.exec(readFileSync(`/proc/${pid}/status`, "utf8"))
    return match?.[1] ? Number(match[1]) : undefined
  } catch {
    return undefined
  }
}

const fromPs = (pid: number): number | undefined => {
  try {
    const kb = Number(execFileSync("ps", ["-o", "rss=", "-p", String(pid)], { encoding: "utf8" }).trim())
    return Number.isFinite(kb) && kb > 0 ? kb : undefined
  } catch {
    return undefined
  }
}

const hasProc = fromProc(process.pid) !== undefined

/** Current resident set size in MB, or undefined when the process is gone. */
export const rssMb = (pid: number): number | undefined => {
  const kb = hasProc ? fromProc(pid) : fromPs(pid)
  return kb === undefined ? undefined : kb / 1024
}

/** Samples a process's RSS every `intervalMs` until stopped; `stop()` returns the peak seen (MB). */
export const sampleRss = (pid: number, intervalMs = 100): { readonly stop: () => number | undefined } => {
  let peak: number | undefined
  const take = (): void => {
    const mb = rssMb(pid)
    if (mb !== undefined && (peak === undefined || mb > peak)) peak = mb
  }
  take()
  const timer = setInterval(take, intervalMs)
  return {
    stop: () => {
      clearInterval(timer)
      take()
      return peak
    },
  }
}
