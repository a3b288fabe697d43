#!/usr/bin/env -S npx tsx --conditions=source
/**
 * `pnpm simulate <scenario.json | launch-day | regional-outage | steady> [--out report.html] [--json report.json] [--only "name,name"]`
 *
 * Runs every policy of the scenario through Switchyard's real router against simulated upstreams,
 * in virtual time, prints the comparison table and writes a self-contained HTML report.
 */
import { readFileSync, writeFileSync } from "node:fs"
import { basename, dirname, join, resolve } from "node:path"
import { fileURLToPath } from "node:url"
import { Simulation } from "@switchyard/core"
import cliProgress from "cli-progress"
import * as Result from "effect/Result"

const here = dirname(fileURLToPath(import.meta.url))
/** `pnpm simulate` runs in the workspace root; resolve the user's paths against where they typed the command. */
const cwd = process.env.INIT_CWD ?? process.cwd()
const BUILT_IN = ["launch-day", "regional-outage", "steady"]

const usage = () => {
  console.error(
    "usage: pnpm simulate <scenario.json | launch-day | regional-outage | steady> [--out report.html] [--json report.json] [--only name,name]",
  )
  process.exit(2)
}

const args = process.argv.slice(2)
const flag = (name: string): string | undefined => {
  const i = args.indexOf(name)
  if (i < 0) return undefined
  const v = args[i + 1]
  if (v === undefined) usage()
  args.splice(i, 2)
  return v
}
const out = flag("--out")
const jsonOut = flag("--json")
const only = flag("--only")
  ?.split(",")
  .map((s) => s.trim())
  .filter(Boolean)
const target = args[0]
if (target === undefined || args.length > 1) usage()

const file = BUILT_IN.includes(target!) ? join(here, `${target}.json`) : resolve(cwd, target!)
let json: unknown
try {
  json = JSON.parse(readFileSync(file, "utf8"))
} catch (e) {
  console.error(`cannot read ${file}: ${(e as Error).message}`)
  process.exit(2)
}
const decoded = Simulation.decodeScenario(json)
if (Result.isFailure(decoded)) {
  console.error(`${file}: invalid scenario`)
  for (const issue of decoded.failure.issues) console.error(`  ${issue}`)
  process.exit(2)
}
const scenario = decoded.success
const policies = scenario.policies.filter((p) => only === undefined || only.includes(p.name))
if (policies.length === 0) {
  console.error(`no policy named ${only?.join(", ")}; have: ${scenario.policies.map((p) => p.name).join(", ")}`)
  process.exit(2)
}

const started = performance.now()
const trace = Simulation.generateTrace(scenario)
console.log(
  `${scenario.scenario.name}: ${trace.count.toLocaleString("en-US")} requests × ${policies.length} policies, seed ${scenario.seed}`,
)

const bar = new cliProgress.SingleBar(
  {
    format: " {bar} {percentage}% | {policy} | {value}/{total} requests | {rate} req/s",
    hideCursor: true,
    clearOnComplete: false,
  },
  cliProgress.Presets.shades_classic,
)
const total = trace.count * policies.length
bar.start(total, 0, { policy: policies[0]!.name, rate: 0 })
const tick = () => new Promise<void>((r) => setImmediate(r))

const results: Array<Simulation.PolicyResult> = []
for (const [index, policy] of policies.entries()) {
  const it = Simulation.runPolicy(scenario, trace, policy)
  for (;;) {
    const step = it.next()
    const done = index * trace.count + (step.done ? trace.count : step.value.ended)
    const seconds = (performance.now() - started) / 1000
    bar.update(done, { policy: policy.name, rate: Math.round(done / Math.max(seconds, 1e-3)) })
    if (step.done) {
      results.push(step.value.result)
      if (step.value.defects.length > 0) console.error(`\n${policy.name}: defects:\n${step.value.defects.join("\n")}`)
      break
    }
    await tick()
  }
}
bar.stop()

const report: Simulation.SimulationReport = { scenario: Simulation.reportHeader(scenario, trace), policies: results }
const wall = (performance.now() - started) / 1000
console.log()
console.log(Simulation.renderTable(report))
console.log()
const htmlPath = resolve(cwd, out ?? `simulation-report-${basename(file, ".json")}.html`)
writeFileSync(htmlPath, Simulation.renderHtml(report))
console.log(`report: ${htmlPath}`)
if (jsonOut) {
  writeFileSync(resolve(cwd, jsonOut), `${JSON.stringify(report, null, 2)}\n`)
  console.log(`json:   ${resolve(cwd, jsonOut)}`)
}
console.log(
  `simulated ${total.toLocaleString("en-US")} requests in ${wall.toFixed(1)} s wall clock (${Math.round(total / wall).toLocaleString("en-US")} req/s)`,
)
