// Benchmark of the policy simulator: simulated requests per second of wall clock and of CPU, over a
// day of launch-day-like traffic, on the real router with simulated upstreams in virtual time, one
// policy per worker thread. Run: `pnpm bench:sim` [--requests 1000000] [--policies kind,kind]
// [--threads n]. `--requests` counts every policy's requests (two policies: two traces' worth of
// half a million each). Not a test: the goal is 1M simulated requests in under 10 s on a 2-core
// machine. CPU time is that of the whole process (every thread, GC included): steadier than wall
// time on a shared machine; the load average at the start is printed with the numbers.
// It runs the compiled packages (`tsc -b` first, then this file without the `source` condition), as an
// installed simulator runs: from TypeScript sources, tsx's transform wraps every function it creates in
// a `__name` call (≈ 10–15% more CPU per simulated request). And with `--single-threaded-gc`: V8's
// parallel and concurrent GC helper threads made each worker use ≈ 1.2 cores, so two workers on two cores
// contended with their own collectors (≈ 6% more CPU in all, interleaved runs).
import { readFileSync } from "node:fs"
import { loadavg } from "node:os"
import { join } from "node:path"
import { parseArgs } from "node:util"
import { decodeScenario, generateTrace, simulateInParallel } from "@switchyard/simulator"
import { Result } from "effect"

const { values: opt } = parseArgs({
  options: {
    requests: { type: "string", default: "1000000" },
    policies: { type: "string", default: "capacity-aware-escalation,escalate-on-429" },
    threads: { type: "string" },
  },
})
const kinds = opt.policies.split(",").map((k) => k.trim())
const perPolicy = Number(opt.requests) / kinds.length
const DAY_S = 86_400

const base = JSON.parse(readFileSync(join(import.meta.dirname, "../examples/simulate/launch-day.json"), "utf8"))
// a day at a flat rate that yields `perPolicy` arrivals; capacities scaled with the rate so the pools
// are as loaded as on launch day (about 40% of standard capacity before the surge)
const scale = perPolicy / DAY_S / base.traffic.ratePerSecond
const scenario = {
  ...base,
  name: "sim-bench",
  duration: "1d",
  bucket: "15m",
  traffic: { ...base.traffic, ratePerSecond: perPolicy / DAY_S, surges: [{ start: "10h", end: "12h", multiplier: 3 }] },
  endpoints: base.endpoints.map((e: { capacity: { tokensPerMinute: number } }) => ({
    ...e,
    capacity: { ...e.capacity, tokensPerMinute: Math.round(e.capacity.tokensPerMinute * scale) },
  })),
  policies: kinds.map((kind) => ({ name: kind, kind })),
}
const decoded = decodeScenario(scenario)
if (Result.isFailure(decoded)) throw new Error(decoded.failure.message)
const s = decoded.success

const load = loadavg()[0]!
const cpu0 = process.cpuUsage()
const t0 = performance.now()
const trace = generateTrace(s)
const t1 = performance.now()
const total = trace.count * kinds.length
let last = 0
/** Wall ms from the start until each policy's last request ended. */
const policyMs: Array<number | undefined> = kinds.map(() => undefined)
const { report, defects, threads } = await simulateInParallel(s, {
  trace,
  ...(opt.threads !== undefined && { threads: Number(opt.threads) }),
  onProgress: (ended, _, byPolicy) => {
    byPolicy.forEach((n, k) => {
      if (n === trace.count && policyMs[k] === undefined) policyMs[k] = Math.round(performance.now() - t0)
    })
    if (ended - last < total / 100 && ended < total) return
    last = ended
    process.stderr.write(`\r${ended.toLocaleString("en-US")} / ${total.toLocaleString("en-US")}`)
  },
})
const t2 = performance.now()
const cpu = process.cpuUsage(cpu0)
const cpuMs = (cpu.user + cpu.system) / 1000
process.stderr.write("\n")
console.log(
  JSON.stringify(
    {
      requests: total,
      policies: kinds,
      threads,
      loadAverageAtStart: Math.round(load * 100) / 100,
      traceMs: Math.round(t1 - t0),
      runMs: Math.round(t2 - t1),
      wallMs: Math.round(t2 - t0),
      policyWallMs: Object.fromEntries(kinds.map((k, i) => [k, policyMs[i]])),
      requestsPerSecond: Math.round(total / ((t2 - t0) / 1000)),
      cpuMs: Math.round(cpuMs),
      requestsPerCpuSecond: Math.round(total / (cpuMs / 1000)),
      goal: "1M requests < 10 s",
      availability: Object.fromEntries(report.policies.map((p) => [p.name, p.availability])),
      lost: report.policies.reduce((n, p) => n + p.lost, 0),
      defects: defects.length,
    },
    null,
    2,
  ),
)
