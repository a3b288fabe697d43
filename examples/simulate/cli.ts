#!/usr/bin/env -S npx tsx --conditions=source
/**
 * `pnpm simulate <scenario> [--trace capture.jsonl [--speed 2]] [--out report.html] [--json report.json] [--only "name,name"] [--threads n]`
 * `pnpm simulate advise <scenario> … --target "critical=99.99,all=99.9"` (see advise.ts)
 *
 * Runs every policy of the scenario through Switchyard's real router against simulated upstreams,
 * in virtual time (policies in parallel on worker threads), prints the tables and writes a
 * self-contained HTML report. `<scenario>` is a JSON file or a built-in name (see `BUILT_IN`). With
 * `--trace`, the arrivals are those of a gateway capture (`gateway.capture`), optionally time-scaled.
 */
import { writeFileSync } from "node:fs"
import { basename, resolve } from "node:path"
import { parseArgs } from "node:util"
import { renderHtml, renderTable, simulateInParallel } from "@switchyard/simulator"
import { BUILT_IN, cwd, fail, loadScenario, positiveNumber, progressBar, traffic } from "./common.js"

const USAGE = `usage: pnpm simulate <scenario.json | ${BUILT_IN.join(" | ")}> [--trace capture.jsonl [--speed 2]] [--out report.html] [--json report.json] [--only name,name] [--threads n]
       pnpm simulate advise <scenario> [--trace capture.jsonl [--speed 2]] --target "critical=99.99,all=99.9" [--endpoint slug] [--policy name] [--out advice.html] [--json advice.json] [--threads n]`

if (process.argv[2] === "advise") {
  const { advise } = await import("./advise.js")
  await advise(process.argv.slice(3), USAGE)
  process.exit(0)
}

const { values: opt, positionals } = (() => {
  try {
    return parseArgs({
      allowPositionals: true,
      options: {
        out: { type: "string" },
        json: { type: "string" },
        only: { type: "string" },
        threads: { type: "string" },
        trace: { type: "string" },
        speed: { type: "string" },
      },
    })
  } catch (e) {
    return fail(`${(e as Error).message}\n${USAGE}`)
  }
})()
if (positionals.length !== 1) fail(USAGE)
const { file, scenario: declared } = loadScenario(positionals[0]!)
const { scenario, trace } = traffic(declared, opt.trace, opt.speed)
const only = opt.only
  ?.split(",")
  .map((s) => s.trim())
  .filter(Boolean)
const policies = scenario.policies.filter((p) => only === undefined || only.includes(p.name))
if (policies.length === 0)
  fail(`no policy named ${only?.join(", ")}; have: ${scenario.policies.map((p) => p.name).join(", ")}`)
const threads = opt.threads === undefined ? undefined : positiveNumber("--threads", opt.threads, true)

const started = performance.now()
console.log(
  `${scenario.scenario.name}: ${trace.count.toLocaleString("en-US")} ${scenario.replay ? "recorded " : ""}requests × ${policies.length} policies, seed ${scenario.seed}`,
)
const bar = progressBar(trace.count * policies.length, started)
const {
  report,
  defects,
  threads: used,
} = await simulateInParallel(scenario, {
  trace,
  ...(only !== undefined && { only }),
  ...(threads !== undefined && { threads }),
  onProgress: (ended) => bar.update(ended),
})
bar.stop()
for (const d of defects) console.error(`\n${d.policy}: defects:\n${d.defects.join("\n")}`)

const wall = (performance.now() - started) / 1000
const total = trace.count * policies.length
console.log()
console.log(renderTable(report))
console.log()
const htmlPath = resolve(cwd, opt.out ?? `simulation-report-${basename(file, ".json")}.html`)
writeFileSync(htmlPath, renderHtml(report))
console.log(`report: ${htmlPath}`)
if (opt.json) {
  writeFileSync(resolve(cwd, opt.json), `${JSON.stringify(report, null, 2)}\n`)
  console.log(`json:   ${resolve(cwd, opt.json)}`)
}
console.log(
  `simulated ${total.toLocaleString("en-US")} requests in ${wall.toFixed(1)} s wall clock on ${used} thread${used === 1 ? "" : "s"} (${Math.round(total / wall).toLocaleString("en-US")} req/s)`,
)
