// All of the benchmark's traffic comes from separate processes (`loadgen.ts`): closed-loop load with autocannon,
// sequential streams for time to first byte, many open streams for memory. The bench starts its load generators once
// per run and sends them one job at a time; their CPU is their own, never the bench's (which samples RSS and machine
// load and writes the report) nor a target's. A closed-loop run is split across all of them (one per CPU by default,
// `BENCH_LOADGENS`), so a single-threaded generator does not cap the rate; their latency histograms merge exactly.
import { cpus } from "node:os"
import { join } from "node:path"
import { type Child, spawnChild } from "./child.js"
import { Latencies, type SparseHistogram } from "./histogram.js"
import type { HeldStreams, StreamTimes, TargetRequest } from "./stream-probe.js"

/** What a load generator process is asked to do (one JSON line on its stdin). */
export type LoadJob =
  | {
      readonly kind: "load"
      readonly origin: string
      readonly req: TargetRequest
      readonly connections: number
      readonly durationS: number
    }
  | {
      readonly kind: "ttfb"
      readonly origin: string
      readonly req: TargetRequest
      readonly durationMs: number
      readonly maxCount: number
    }
  | {
      readonly kind: "hold"
      readonly origin: string
      readonly req: TargetRequest
      readonly count: number
      readonly timeoutMs: number
    }

/** One process's share of a closed-loop run. */
export interface LoadPart {
  readonly durationS: number
  /** 2xx latencies. */
  readonly latencies: SparseHistogram
  readonly non2xx: number
  readonly errors: number
}

export interface LoadResult {
  /** 2xx responses per second over the run (all load generators). */
  readonly reqPerSec: number
  readonly p50Ms: number | undefined
  readonly p99Ms: number | undefined
  readonly ok: number
  readonly non2xx: number
  readonly errors: number
}

type Answer<K extends LoadJob["kind"]> = K extends "load" ? LoadResult : K extends "ttfb" ? StreamTimes : HeldStreams

export interface LoadGenerator {
  /** Every load generator process (their CPU time is the harness's). */
  readonly pids: ReadonlyArray<number>
  readonly run: <J extends LoadJob>(job: J) => Promise<Answer<J["kind"]>>
  readonly stop: () => Promise<void>
}

const jobTimeoutMs = (job: LoadJob): number =>
  30_000 + (job.kind === "load" ? job.durationS * 1000 : job.kind === "ttfb" ? job.durationMs : job.timeoutMs)

interface Process {
  readonly child: Child
  readonly run: (job: LoadJob) => Promise<unknown>
}

/** One load generator process; its jobs run one at a time. */
const startProcess = async (n: number): Promise<Process> => {
  let waiter: ((line: string) => void) | undefined
  let child: Child | undefined
  const next = (timeoutMs: number): Promise<string> =>
    new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        waiter = undefined
        reject(new Error(`load generator ${n} did not answer within ${timeoutMs} ms:\n${child?.tail() ?? ""}`))
      }, timeoutMs)
      waiter = (line) => {
        clearTimeout(timer)
        waiter = undefined
        resolve(line)
      }
    })
  const ready = next(30_000)
  child = spawnChild(
    {
      name: `loadgen-${n}`,
      command: process.execPath,
      args: ["--import", "tsx", join(import.meta.dirname, "loadgen.ts")],
      cwd: join(import.meta.dirname, ".."),
    },
    (line) => {
      if (/^(READY|RESULT|FAILED)\b/.test(line)) waiter?.(line)
    },
  )
  const started = child
  if ((await ready) !== "READY") throw new Error(`load generator ${n}: no READY line`)
  let queue: Promise<unknown> = Promise.resolve()
  const run = (job: LoadJob): Promise<unknown> => {
    const result = queue.then(async () => {
      const answer = next(jobTimeoutMs(job))
      started.send(JSON.stringify(job))
      const line = await answer
      if (line.startsWith("RESULT ")) return JSON.parse(line.slice(7)) as unknown
      throw new Error(`load generator ${n}: ${line.startsWith("FAILED ") ? String(JSON.parse(line.slice(7))) : line}`)
    })
    queue = result.catch(() => {})
    return result
  }
  return { child: started, run }
}

/** The parts of one run, merged: rates add up, latencies merge. */
export const mergeParts = (parts: ReadonlyArray<LoadPart>): LoadResult => {
  const all = new Latencies()
  let reqPerSec = 0
  for (const p of parts) {
    const one = new Latencies()
    one.addAll(p.latencies)
    all.addAll(p.latencies)
    reqPerSec += p.durationS > 0 ? one.count / p.durationS : 0
  }
  return {
    reqPerSec,
    p50Ms: all.percentile(50),
    p99Ms: all.percentile(99),
    ok: all.count,
    non2xx: parts.reduce((n, p) => n + p.non2xx, 0),
    errors: parts.reduce((n, p) => n + p.errors, 0),
  }
}

/** `count` connections over `ways` processes, as evenly as possible (no process gets none). */
export const splitConnections = (count: number, ways: number): ReadonlyArray<number> => {
  const n = Math.max(1, Math.min(ways, count))
  return Array.from({ length: n }, (_, i) => Math.floor(count / n) + (i < count % n ? 1 : 0))
}

/** Starts `count` load generator processes (default: one per CPU, or BENCH_LOADGENS). */
export const startLoadGenerators = async (
  count = Number(process.env.BENCH_LOADGENS) || cpus().length,
): Promise<LoadGenerator> => {
  const procs = await Promise.all(Array.from({ length: Math.max(1, count) }, (_, i) => startProcess(i + 1)))
  const run = async <J extends LoadJob>(job: J): Promise<Answer<J["kind"]>> => {
    if (job.kind !== "load") return (await procs[0]!.run(job)) as Answer<J["kind"]>
    const shares = splitConnections(job.connections, procs.length)
    const parts = await Promise.all(
      shares.map((connections, i) => procs[i]!.run({ ...job, connections }) as Promise<LoadPart>),
    )
    return mergeParts(parts) as Answer<J["kind"]>
  }
  return {
    pids: procs.map((p) => p.child.pid),
    run,
    stop: async () => {
      await Promise.all(procs.map((p) => p.child.stop()))
    },
  }
}
