// Benchmark of the policy simulator: simulated requests per wall-clock second, one policy
// (capacity-aware escalation) over a day of launch-day-like traffic, on the real router with
// simulated upstreams in virtual time. Run: `pnpm bench:sim` (= npx tsx --conditions=source
// bench/sim.bench.ts) [--requests 1000000] [--policy capacity-aware-escalation]. Not a test:
// the goal is 1M requests in under 10 s on a 2-core machine.
import { readFileSync } from "node:fs"
import { join } from "node:path"
import { parseArgs } from "node:util"
import * as Simulation from "@switchyard/simulator"
import { Result } from "effect"

const { values: opt } = parseArgs({
  options: {
    requests: { type: "string", default: "1000000" },
    policy: { type: "string", default: "capacity-aware-escalation" },
  },
})
const requests = Number(opt.requests)
const DAY_S = 86_400

const base = JSON.parse(readFileSync(join(import.meta.dirname, "../examples/simulate/launch-day.json"), "utf8"))
// a day at a flat rate that yields `requests` arrivals; capacities scaled with the rate so the
// pools are as loaded as on launch day (about 40% of standard capacity before the surge)
const scale = requests / DAY_S / base.traffic.ratePerSecond
const scenario = {
  ...base,
  name: "sim-bench",
  duration: "1d",
  bucket: "15m",
  traffic: { ...base.traffic, ratePerSecond: requests / DAY_S, surges: [{ start: "10h", end: "12h", multiplier: 3 }] },
  endpoints: base.endpoints.map((e: { capacity: { tokensPerMinute: number } }) => ({
    ...e,
    capacity: { ...e.capacity, tokensPerMinute: Math.round(e.capacity.tokensPerMinute * scale) },
  })),
  policies: [{ name: opt.policy, kind: opt.policy }],
}
const decoded = Simulation.decodeScenario(scenario)
if (Result.isFailure(decoded)) throw new Error(decoded.failure.message)
const s = decoded.success

const cpu0 = process.cpuUsage()
const t0 = performance.now()
const trace = Simulation.generateTrace(s)
const t1 = performance.now()
const it = Simulation.runPolicy(s, trace, s.policies[0]!, 3_600_000)
let step = it.next()
while (!step.done) {
  process.stderr.write(`\r${step.value.ended.toLocaleString("en-US")} / ${trace.count.toLocaleString("en-US")}`)
  step = it.next()
}
const t2 = performance.now()
const cpu = process.cpuUsage(cpu0)
const cpuMs = (cpu.user + cpu.system) / 1000
const r = step.value.result
process.stderr.write("\n")
console.log(
  JSON.stringify(
    {
      requests: trace.count,
      policy: r.name,
      traceMs: Math.round(t1 - t0),
      runMs: Math.round(t2 - t1),
      requestsPerSecond: Math.round(trace.count / ((t2 - t0) / 1000)),
      // CPU time of this process (all its threads, GC included): steadier than wall time on a shared machine.
      cpuMs: Math.round(cpuMs),
      requestsPerCpuSecond: Math.round(trace.count / (cpuMs / 1000)),
      goal: "1M requests < 10 s",
      availability: r.availability,
      lost: r.lost,
      defects: step.value.defects.length,
    },
    null,
    2,
  ),
)
