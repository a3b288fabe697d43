// The benchmark scenarios and how one run of a scenario against one target is measured.
import { request } from "undici"
import type { LoadGenerator } from "./load.js"
import { cpuTimeMs } from "./machine.js"
import { sampleRss } from "./rss.js"
import type { RequestKind, Target } from "./targets.js"

export type Scenario =
  | {
      readonly id: string
      readonly title: string
      readonly metric: "load"
      readonly kind: RequestKind
      readonly connections: number
    }
  | { readonly id: string; readonly title: string; readonly metric: "ttfb" }
  | { readonly id: string; readonly title: string; readonly metric: "memory"; readonly streams: number }

export interface BenchConfig {
  readonly durationS: number
  readonly rounds: number
  readonly streams: number
  readonly sseChunks: number
  readonly upstream: string
  /** Node flags every target runs with (see `nodeFlags` in targets.ts). */
  readonly nodeFlags: ReadonlyArray<string>
}

export const scenarios = (cfg: BenchConfig): ReadonlyArray<Scenario> => [
  { id: "json-c1", title: "JSON, concurrency 1", metric: "load", kind: "json", connections: 1 },
  { id: "json-c64", title: "JSON, concurrency 64", metric: "load", kind: "json", connections: 64 },
  { id: "json-c256", title: "JSON, concurrency 256", metric: "load", kind: "json", connections: 256 },
  {
    id: "sse-c64",
    title: `SSE (${cfg.sseChunks} chunks), concurrency 64`,
    metric: "load",
    kind: "sse",
    connections: 64,
  },
  { id: "sse-ttfb", title: "SSE time to first byte, sequential", metric: "ttfb" },
  {
    id: "fallback-c64",
    title: "Fallback (429 then 200), concurrency 64",
    metric: "load",
    kind: "fallback",
    connections: 64,
  },
  {
    id: `memory-${cfg.streams}`,
    title: `${cfg.streams} concurrent open streams`,
    metric: "memory",
    streams: cfg.streams,
  },
]

/** Everything one run can report; a field is undefined where the scenario does not measure it. */
export interface Measurement {
  readonly reqPerSec: number | undefined
  readonly p50Ms: number | undefined
  readonly p99Ms: number | undefined
  /** sse-ttfb: p50/p99 above are time to first byte; these are time to the end of the stream. */
  readonly totalP50Ms: number | undefined
  readonly totalP99Ms: number | undefined
  readonly rssPeakMb: number | undefined
  readonly rssBeforeMb: number | undefined
  readonly ok: number
  readonly failed: number
  /** fallback: 429 answers from the first endpoint per successful request (1 = every request fell back). */
  readonly limitedPerRequest: number | undefined
  /** memory: most streams open at one moment. */
  readonly maxOpen: number | undefined
  /** load: CPU time per 2xx response of the target process, of the fake upstream and of the load generator (µs). */
  readonly cpuUsPerReq: number | undefined
  readonly upstreamCpuUsPerReq: number | undefined
  readonly loadgenCpuUsPerReq: number | undefined
  /** load: the target's own backend process (the Redis target's redis-server) per 2xx response (µs). */
  readonly backendCpuUsPerReq: number | undefined
}

const empty: Measurement = {
  reqPerSec: undefined,
  p50Ms: undefined,
  p99Ms: undefined,
  totalP50Ms: undefined,
  totalP99Ms: undefined,
  rssPeakMb: undefined,
  rssBeforeMb: undefined,
  ok: 0,
  failed: 0,
  limitedPerRequest: undefined,
  maxOpen: undefined,
  cpuUsPerReq: undefined,
  upstreamCpuUsPerReq: undefined,
  loadgenCpuUsPerReq: undefined,
  backendCpuUsPerReq: undefined,
}

/** CPU time of some processes from now until the returned function is called, in µs per `count`. */
const cpuMeter = (pids: ReadonlyArray<number>): ((count: number) => number | undefined) => {
  const total = (): number | undefined => {
    let ms = 0
    for (const pid of pids) {
      const t = cpuTimeMs(pid)
      if (t === undefined) return undefined
      ms += t
    }
    return ms
  }
  const start = total()
  return (count) => {
    const end = total()
    return start === undefined || end === undefined || count === 0 ? undefined : ((end - start) * 1000) / count
  }
}

const rateLimitedCount = async (upstream: string): Promise<number> => {
  const res = await request(`${upstream}/stats`)
  return ((await res.body.json()) as { rateLimited: number }).rateLimited
}

/**
 * Runs `scenario` once against `target` with traffic from `gen`; undefined when the target has no such path.
 * `upstreamPid`: the fake upstream's process, whose CPU time is counted too.
 */
export const measure = async (
  scenario: Scenario,
  target: Target,
  cfg: BenchConfig,
  gen: LoadGenerator,
  upstreamPid: number,
): Promise<Measurement | undefined> => {
  const kind: RequestKind = scenario.metric === "load" ? scenario.kind : scenario.metric === "ttfb" ? "sse" : "slow"
  const req = target.request(kind)
  if (!req) return undefined
  const rssBefore = sampleRss(target.pid).stop()
  const rss = sampleRss(target.pid)
  if (scenario.metric === "load") {
    const limitedBefore = kind === "fallback" ? await rateLimitedCount(cfg.upstream) : 0
    const targetCpu = cpuMeter([target.pid])
    const upstreamCpu = cpuMeter([upstreamPid])
    const loadgenCpu = cpuMeter(gen.pids)
    const backendCpu = target.backendPid === undefined ? undefined : cpuMeter([target.backendPid])
    const r = await gen.run({
      kind: "load",
      origin: target.origin,
      req,
      connections: scenario.connections,
      durationS: cfg.durationS,
    })
    const limited = kind === "fallback" ? (await rateLimitedCount(cfg.upstream)) - limitedBefore : undefined
    return {
      ...empty,
      reqPerSec: r.reqPerSec,
      p50Ms: r.p50Ms,
      p99Ms: r.p99Ms,
      rssPeakMb: rss.stop(),
      ok: r.ok,
      failed: r.non2xx + r.errors,
      limitedPerRequest: limited === undefined || r.ok === 0 ? undefined : limited / r.ok,
      cpuUsPerReq: targetCpu(r.ok),
      upstreamCpuUsPerReq: upstreamCpu(r.ok),
      loadgenCpuUsPerReq: loadgenCpu(r.ok),
      backendCpuUsPerReq: backendCpu?.(r.ok),
    }
  }
  if (scenario.metric === "ttfb") {
    const r = await gen.run({
      kind: "ttfb",
      origin: target.origin,
      req,
      durationMs: Math.min(3000, cfg.durationS * 1000),
      maxCount: 5000,
    })
    return {
      ...empty,
      p50Ms: r.ttfbP50Ms,
      p99Ms: r.ttfbP99Ms,
      totalP50Ms: r.totalP50Ms,
      totalP99Ms: r.totalP99Ms,
      rssPeakMb: rss.stop(),
      ok: r.ok,
      failed: r.failed,
    }
  }
  const r = await gen.run({ kind: "hold", origin: target.origin, req, count: scenario.streams, timeoutMs: 40_000 })
  return {
    ...empty,
    rssPeakMb: rss.stop(),
    rssBeforeMb: rssBefore,
    ok: r.completed,
    failed: r.failed,
    maxOpen: r.maxOpen,
  }
}
