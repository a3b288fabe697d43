/** What the `pnpm simulate` commands share: scenario loading, errors, the progress bar. */
import { readdirSync, readFileSync } from "node:fs"
import { dirname, join, resolve } from "node:path"
import { fileURLToPath } from "node:url"
import {
  type ArrivalTrace,
  decodeScenario,
  generateTrace,
  parseCapture,
  type ResolvedScenario,
  replayScenario,
} from "@switchyard/simulator"
import cliProgress from "cli-progress"
import * as Result from "effect/Result"

const here = dirname(fileURLToPath(import.meta.url))

/** `pnpm simulate` runs in the workspace root; the user's paths resolve against where they typed the command. */
export const cwd = process.env.INIT_CWD ?? process.cwd()

/** The scenarios shipped next to this file, by name. */
export const BUILT_IN: ReadonlyArray<string> = readdirSync(here)
  .filter((f) => f.endsWith(".json") && f !== "tsconfig.json")
  .map((f) => f.slice(0, -".json".length))
  .sort()

/** Print to stderr and exit with status 2 (bad usage or input). */
export const fail = (message: string): never => {
  console.error(message)
  process.exit(2)
}

/** A built-in scenario by name, or a scenario file; exits with every issue's path when invalid. */
export const loadScenario = (target: string): { readonly file: string; readonly scenario: ResolvedScenario } => {
  const file = BUILT_IN.includes(target) ? join(here, `${target}.json`) : resolve(cwd, target)
  let json: unknown
  try {
    json = JSON.parse(readFileSync(file, "utf8"))
  } catch (e) {
    return fail(`cannot read ${file}: ${(e as Error).message}`)
  }
  const decoded = decodeScenario(json)
  if (Result.isFailure(decoded)) {
    return fail([`${file}: invalid scenario`, ...decoded.failure.issues.map((i) => `  ${i}`)].join("\n"))
  }
  return { file, scenario: decoded.success }
}

/** A progress bar over simulated requests, with the rate since `started`. */
export const progressBar = (total: number, started: number) => {
  const bar = new cliProgress.SingleBar(
    {
      format: " {bar} {percentage}% | {value}/{total} requests | {rate} req/s",
      hideCursor: true,
      clearOnComplete: false,
    },
    cliProgress.Presets.shades_classic,
  )
  bar.start(total, 0, { rate: 0 })
  return {
    update: (done: number) =>
      bar.update(done, {
        rate: Math.round(done / Math.max((performance.now() - started) / 1000, 1e-3)).toLocaleString("en-US"),
      }),
    stop: () => bar.stop(),
  }
}

/** `--flag` as a positive number (an integer when `integer`), or exit with usage status. */
export const positiveNumber = (flag: string, value: string, integer = false): number => {
  const n = Number(value)
  if (!(Number.isFinite(n) && n > 0 && (!integer || Number.isInteger(n))))
    return fail(`${flag}: expected a positive ${integer ? "integer" : "number"}, got ${JSON.stringify(value)}`)
  return n
}

/**
 * The traffic to run: the scenario's own (generated from its seed), or the arrivals of a capture file
 * (`--trace`, written by the gateway's `gateway.capture`), time-scaled by `--speed`.
 */
export const traffic = (
  scenario: ResolvedScenario,
  tracePath: string | undefined,
  speedFlag: string | undefined,
): { readonly scenario: ResolvedScenario; readonly trace: ArrivalTrace } => {
  if (tracePath === undefined) {
    if (speedFlag !== undefined) fail("--speed applies to a replayed --trace")
    return { scenario, trace: generateTrace(scenario) }
  }
  const speed = speedFlag === undefined ? 1 : positiveNumber("--speed", speedFlag)
  const file = resolve(cwd, tracePath)
  let text: string
  try {
    text = readFileSync(file, "utf8")
  } catch (e) {
    return fail(`cannot read ${file}: ${(e as Error).message}`)
  }
  const { records, invalid } = parseCapture(text)
  if (invalid.length > 0)
    console.error(
      `${file}: ${invalid.length} line(s) are not capture records and were skipped (first: line ${invalid[0]!.line}: ${invalid[0]!.message})`,
    )
  if (records.length === 0) return fail(`${file}: no capture records to replay`)
  return replayScenario(scenario, records, { speed })
}
