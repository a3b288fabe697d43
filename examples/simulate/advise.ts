/**
 * `pnpm simulate advise <scenario> [--trace capture.jsonl [--speed 2]] --target "critical=99.99,all=99.9"
 *   [--endpoint slug] [--policy name] [--out advice.html] [--json advice.json] [--threads n]`
 *
 * The PT sizing advisor: simulates the scenario (or a replayed capture) with the provisioned endpoint
 * at several capacities — reserved units, or tokens per minute — and recommends the cheapest that
 * meets every availability target; prints the curve it walked and writes it as an HTML chart.
 */
import { writeFileSync } from "node:fs"
import { basename, resolve } from "node:path"
import { parseArgs } from "node:util"
import {
  adviceSetup,
  advise as adviseCapacity,
  parseTargets,
  renderAdvice,
  renderAdviceHtml,
} from "@switchyard/simulator"
import * as Result from "effect/Result"
import { cwd, fail, loadScenario, positiveNumber, traffic } from "./common.js"

export const advise = async (args: ReadonlyArray<string>, usage: string): Promise<void> => {
  const { values: opt, positionals } = (() => {
    try {
      return parseArgs({
        args: [...args],
        allowPositionals: true,
        options: {
          target: { type: "string" },
          endpoint: { type: "string" },
          policy: { type: "string" },
          out: { type: "string" },
          json: { type: "string" },
          threads: { type: "string" },
          trace: { type: "string" },
          speed: { type: "string" },
        },
      })
    } catch (e) {
      return fail(`${(e as Error).message}\n${usage}`)
    }
  })()
  if (positionals.length !== 1 || opt.target === undefined) fail(usage)
  const targets = parseTargets(opt.target!)
  if (Result.isFailure(targets)) fail(`--target: ${targets.failure}`)
  const { file, scenario: declared } = loadScenario(positionals[0]!)
  const { scenario, trace } = traffic(declared, opt.trace, opt.speed)
  const options = {
    targets: Result.getOrThrow(targets),
    ...(opt.endpoint !== undefined && { endpoint: opt.endpoint }),
    ...(opt.policy !== undefined && { policy: opt.policy }),
  }
  const setup = adviceSetup(scenario, options)
  if (Result.isFailure(setup)) fail(setup.failure)
  const threads = opt.threads === undefined ? undefined : positiveNumber("--threads", opt.threads, true)

  const started = performance.now()
  const { endpoint, policy } = Result.getOrThrow(setup)
  console.log(
    `${scenario.scenario.name}: sizing ${endpoint.slug} for ${opt.target} under "${policy.name}", ${trace.count.toLocaleString("en-US")} ${scenario.replay ? "recorded " : ""}requests a run`,
  )
  const advice = await adviseCapacity(scenario, {
    ...options,
    trace,
    ...(threads !== undefined && { threads }),
    onRound: (curve) =>
      console.log(
        `  ${curve.length} candidates: ${curve.map((c) => `${c.size}${c.meets ? "✓" : "✗"}`).join(" ")}  (${((performance.now() - started) / 1000).toFixed(0)} s)`,
      ),
  })
  console.log()
  console.log(renderAdvice(advice))
  console.log()
  const htmlPath = resolve(cwd, opt.out ?? `pt-advice-${basename(file, ".json")}.html`)
  writeFileSync(htmlPath, renderAdviceHtml(advice))
  console.log(`chart:  ${htmlPath}`)
  if (opt.json) {
    writeFileSync(resolve(cwd, opt.json), `${JSON.stringify(advice, null, 2)}\n`)
    console.log(`json:   ${resolve(cwd, opt.json)}`)
  }
  const runs = advice.curve.length
  console.log(
    `simulated ${(runs * trace.count).toLocaleString("en-US")} requests (${runs} runs) in ${((performance.now() - started) / 1000).toFixed(1)} s wall clock`,
  )
}
