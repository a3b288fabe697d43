// How busy the machine was while the benchmark ran: load average, CPU steal (time the hypervisor gave our virtual
// CPUs to someone else) and the CPU time used by processes that are not the benchmark's own — other work on a shared
// machine that competes with the targets. Linux only (/proc); elsewhere every figure is undefined.
import { readFileSync } from "node:fs"
import { cpus } from "node:os"

export interface MachineSample {
  /** 1-minute load average. */
  readonly load1: number | undefined
  /** /proc/stat "cpu" line, in clock ticks: busy (everything but idle and iowait), steal, total. */
  readonly busyTicks: number | undefined
  readonly stealTicks: number | undefined
  readonly totalTicks: number | undefined
  /** utime + stime of the benchmark's own processes, in clock ticks. */
  readonly ownTicks: number | undefined
}

export interface MachineLoad {
  readonly load1Before: number | undefined
  readonly load1After: number | undefined
  /** Share of all CPU time stolen by the hypervisor, 0..1. */
  readonly steal: number | undefined
  /** Share of all CPU time used by processes other than the benchmark's (and the kernel on their behalf), 0..1. */
  readonly others: number | undefined
}

const read = (path: string): string | undefined => {
  try {
    return readFileSync(path, "utf8")
  } catch {
    return undefined
  }
}

/** user nice system idle iowait irq softirq steal (guest time is already inside user). */
const cpuLine = (): ReadonlyArray<number> | undefined => {
  const line = read("/proc/stat")?.split("\n", 1)[0]
  if (!line?.startsWith("cpu ")) return undefined
  return line.trim().split(/\s+/).slice(1, 9).map(Number)
}

/** utime + stime of one process (fields 14 and 15 of /proc/<pid>/stat, after the parenthesised name). */
const processTicks = (pid: number): number => {
  const stat = read(`/proc/${pid}/stat`)
  if (stat === undefined) return 0
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ")
  return Number(fields[11]) + Number(fields[12])
}

/** Clock ticks per second of /proc's CPU times (USER_HZ: 100 on every Linux the bench runs on). */
const TICKS_PER_S = 100

/** CPU time (user + system) a process has used so far, in ms; undefined where /proc is absent. */
export const cpuTimeMs = (pid: number): number | undefined =>
  read(`/proc/${pid}/stat`) === undefined ? undefined : (processTicks(pid) * 1000) / TICKS_PER_S

export const sampleMachine = (ownPids: ReadonlyArray<number>): MachineSample => {
  const cpu = cpuLine()
  const loadavg = read("/proc/loadavg")
  if (cpu === undefined) {
    return { load1: undefined, busyTicks: undefined, stealTicks: undefined, totalTicks: undefined, ownTicks: undefined }
  }
  const [user = 0, nice = 0, system = 0, idle = 0, iowait = 0, irq = 0, softirq = 0, steal = 0] = cpu
  return {
    load1: loadavg === undefined ? undefined : Number(loadavg.split(" ")[0]),
    busyTicks: user + nice + system + irq + softirq,
    stealTicks: steal,
    totalTicks: user + nice + system + idle + iowait + irq + softirq + steal,
    ownTicks: ownPids.reduce((sum, pid) => sum + processTicks(pid), 0),
  }
}

const share = (part: number | undefined, whole: number | undefined): number | undefined =>
  part === undefined || whole === undefined || whole <= 0 ? undefined : Math.max(0, part / whole)

const delta = (a: number | undefined, b: number | undefined): number | undefined =>
  a === undefined || b === undefined ? undefined : b - a

/**
 * The load between two samples. `ownPids` of both samples must be the same processes (the benchmark's own stay
 * alive across a scenario); a process that exited in between counts as other load.
 */
export const machineLoad = (before: MachineSample, after: MachineSample): MachineLoad => {
  const total = delta(before.totalTicks, after.totalTicks)
  const busy = delta(before.busyTicks, after.busyTicks)
  const own = delta(before.ownTicks, after.ownTicks)
  return {
    load1Before: before.load1,
    load1After: after.load1,
    steal: share(delta(before.stealTicks, after.stealTicks), total),
    others: busy === undefined || own === undefined ? undefined : share(busy - own, total),
  }
}

const pct = (v: number | undefined): string => (v === undefined ? "n/a" : `${(v * 100).toFixed(0)}%`)
const avg = (v: number | undefined): string => (v === undefined ? "n/a" : v.toFixed(2))

/** One line for the log and the report, e.g. "load 0.12 → 2.40 (2 CPUs), steal 0%, other processes 3% of CPU". */
export const describeLoad = (l: MachineLoad): string =>
  `load average ${avg(l.load1Before)} → ${avg(l.load1After)} (${cpus().length} CPUs), steal ${pct(l.steal)}, ` +
  `other processes ${pct(l.others)} of the CPU time`
