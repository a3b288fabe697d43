// `pnpm bench`: the gateway benchmark (issues 7 and 15). Starts the fake upstream, the load generator and each target
// (bare proxy, Switchyard, Portkey) as child processes on 127.0.0.1, runs every scenario with the targets (and the
// direct upstream) alternating round by round, then writes bench/results/latest.{json,md} and prints the table.
// Knobs (env): BENCH_DURATION_S (4), BENCH_ROUNDS (3), BENCH_STREAMS (1000), BENCH_SSE_CHUNKS (20), BENCH_TARGETS
// (direct,bare,switchyard,switchyard-redis,portkey; the Redis target gets its own redis-server on a free port),
// BENCH_RETRY_AFTER_MS (0), BENCH_SWITCHYARD_CMD (see switchyard.ts),
// BENCH_SCENARIOS (ids, comma-separated; writes results/partial.*), BENCH_NODE_FLAGS (see targets.ts).
import { mkdirSync, writeFileSync } from "node:fs"
import { cpus, platform } from "node:os"
import { join } from "node:path"
import { startRedis } from "@switchyard/redis/testing"
import type { Child } from "./child.js"
import { type LoadGenerator, startLoadGenerators } from "./load.js"
import { describeLoad, type MachineLoad, machineLoad, sampleMachine } from "./machine.js"
import { toMarkdown } from "./markdown.js"
import {
  derive,
  goals,
  type Outcome,
  type Report,
  refusedRounds,
  type ScenarioReport,
  summarise,
  type TargetStatus,
  verdictOf,
  withheldBecause,
} from "./report.js"
import { type BenchConfig, type Measurement, measure, type Scenario, scenarios } from "./scenarios.js"
import { describe, startTarget } from "./start.js"
import { directTarget, nodeFlags, spawnBenchServer, type Target, type TargetId } from "./targets.js"

const WATCHDOG_MS = 12 * 60_000
/** Rounds run in place of refused ones, at most, per scenario. */
const MAX_EXTRA_ROUNDS = 2
const num = (name: string, fallback: number): number => {
  const v = Number(process.env[name])
  return Number.isFinite(v) && v > 0 ? v : fallback
}
const log = (line: string): void => {
  process.stderr.write(`${line}\n`)
}

/** The machine's load over one idle second (before the run starts, after it ends). */
const machineOver = async (ownPids: ReadonlyArray<number>): Promise<MachineLoad> => {
  const start = sampleMachine(ownPids)
  await new Promise((resolve) => setTimeout(resolve, 1000))
  return machineLoad(start, sampleMachine(ownPids))
}

const warmUp = async (t: Target, gen: LoadGenerator): Promise<void> => {
  log(`warming up ${t.label}…`)
  for (const kind of ["json", "sse", "fallback"] as const) {
    const req = t.request(kind)
    if (req) await gen.run({ kind: "load", origin: t.origin, req, connections: 32, durationS: kind === "json" ? 2 : 1 })
  }
}

/**
 * Runs one scenario: rounds with the targets alternating, then more rounds (up to MAX_EXTRA_ROUNDS) while some
 * round's bare-proxy rate is off the others'; refused rounds are left out of every target's summary.
 */
const runScenario = async (
  scenario: Scenario,
  targets: ReadonlyArray<Target>,
  cfg: BenchConfig,
  gen: LoadGenerator,
  upstreamPid: number,
  ownPids: ReadonlyArray<number>,
): Promise<ScenarioReport> => {
  const before = sampleMachine(ownPids)
  const planned = scenario.metric === "memory" ? 1 : cfg.rounds
  const rounds: Array<Map<TargetId, Measurement>> = []
  const na = new Set<TargetId>()
  const runRound = async (): Promise<void> => {
    const n = rounds.length + 1
    const round = new Map<TargetId, Measurement>()
    for (const t of targets) {
      const m = await measure(scenario, t, cfg, gen, upstreamPid)
      if (!m) {
        na.add(t.id)
        continue
      }
      round.set(t.id, m)
      const rps = m.reqPerSec === undefined ? "" : `${Math.round(m.reqPerSec)} req/s, `
      log(
        `[${scenario.id}] round ${n} ${t.label}: ${rps}p50 ${m.p50Ms?.toFixed(2) ?? "—"} ms, RSS ${m.rssPeakMb?.toFixed(0) ?? "—"} MB`,
      )
    }
    rounds.push(round)
  }
  for (let i = 0; i < planned; i++) await runRound()
  const bareRates = () => rounds.map((r) => r.get("bare")?.reqPerSec)
  let refused = refusedRounds(bareRates())
  for (let extra = 0; refused.length > 0 && extra < MAX_EXTRA_ROUNDS; extra++) {
    log(
      `[${scenario.id}] bare proxy rounds ${bareRates()
        .map((r) => Math.round(r ?? 0))
        .join(" / ")}: one more round`,
    )
    await runRound()
    refused = refusedRounds(bareRates())
  }
  const accepted = rounds.filter((_, i) => !refused.includes(i))
  const results: Partial<Record<TargetId, Outcome>> = {}
  for (const t of targets) {
    const rs = accepted.flatMap((r) => r.get(t.id) ?? [])
    results[t.id] =
      rs.length > 0 ? { rounds: rs, summary: summarise(rs) } : { na: na.has(t.id) ? "no such path" : "not run" }
  }
  const verdict = verdictOf(results, bareRates(), refused)
  const withheld = withheldBecause(verdict)
  if (withheld) log(`[${scenario.id}] comparisons withheld: ${withheld}`)
  return {
    id: scenario.id,
    title: scenario.title,
    metric: scenario.metric,
    results,
    derived: derive(results, verdict),
    verdict,
    refusedRounds: refused.map((i) => i + 1),
    roundsRun: rounds.length,
    load: machineLoad(before, sampleMachine(ownPids)),
  }
}

const main = async (): Promise<void> => {
  const durationS = num("BENCH_DURATION_S", 4)
  const sseChunks = num("BENCH_SSE_CHUNKS", 20)
  const upstreamArgs = ["--chunks", String(sseChunks), "--retry-after-ms", String(num("BENCH_RETRY_AFTER_MS", 0))]
  const machineBefore = await machineOver([])
  log(`machine before the run: ${describeLoad(machineBefore)}`)
  const up: { child: Child; port: number } = await spawnBenchServer("upstream", "upstream.ts", upstreamArgs)
  const gen = await startLoadGenerators()
  const cfg: BenchConfig = {
    durationS,
    rounds: num("BENCH_ROUNDS", 3),
    streams: num("BENCH_STREAMS", 1000),
    sseChunks,
    upstream: `http://127.0.0.1:${up.port}`,
    nodeFlags,
  }
  const wanted = (process.env.BENCH_TARGETS ?? "direct,bare,switchyard,switchyard-redis,portkey")
    .split(",")
    .map((s) => s.trim())
  // "Switchyard + Redis" gets a local redis-server on a free TCP port (loopback, like a same-host Redis).
  const redis = wanted.includes("switchyard-redis")
    ? await startRedis({ port: 0 }).catch((e: unknown) => (e instanceof Error ? e : new Error(String(e))))
    : undefined
  if (redis instanceof Error) log(`redis-server unavailable: ${redis.message}`)
  const benchRedis = redis === undefined || redis instanceof Error ? undefined : { url: redis.url, pid: redis.pid() }
  const statuses: Array<TargetStatus> = []
  const targets: Array<Target> = []
  if (wanted.includes("direct")) {
    targets.push(directTarget({ origin: cfg.upstream, pid: up.child.pid }))
    statuses.push({ id: "direct", label: "direct upstream", status: "ok", warnings: [] })
  }
  try {
    for (const id of (["bare", "switchyard", "switchyard-redis", "portkey"] as const).filter((id) =>
      wanted.includes(id),
    )) {
      log(`starting ${id}…`)
      const { started: s, warnings } = await startTarget(id, cfg.upstream, benchRedis)
      for (const w of warnings) log(`${id} warning: ${w}`)
      if (s.ok) targets.push(s.target)
      else log(`${id} unavailable: ${s.reason}`)
      statuses.push(
        s.ok
          ? { id, label: s.target.label, status: "ok", warnings }
          : { id, label: s.label, status: "unavailable", reason: s.reason, warnings },
      )
    }
    const ownPids = [
      process.pid,
      ...gen.pids,
      up.child.pid,
      ...targets.filter((t) => t.id !== "direct").map((t) => t.pid),
      ...(redis === undefined || redis instanceof Error || redis.pid() === undefined ? [] : [redis.pid()!]),
    ]
    const runStart = sampleMachine(ownPids)
    const reports: Array<ScenarioReport> = []
    let warm = false
    // The memory scenario runs first, on processes not yet grown by the throughput runs; the table keeps list order.
    const only = process.env.BENCH_SCENARIOS?.split(",").map((s) => s.trim())
    const all = scenarios(cfg).filter((s) => only === undefined || only.includes(s.id))
    for (const scenario of [...all].sort((a, b) => Number(b.metric === "memory") - Number(a.metric === "memory"))) {
      if (scenario.metric !== "memory" && !warm) {
        for (const t of targets) await warmUp(t, gen)
        warm = true
      }
      reports.push(await runScenario(scenario, targets, cfg, gen, up.child.pid, ownPids))
    }
    reports.sort((a, b) => all.findIndex((s) => s.id === a.id) - all.findIndex((s) => s.id === b.id))
    const runLoad = machineLoad(runStart, sampleMachine(ownPids))
    const machineAfter = await machineOver(ownPids)
    log(`machine after the run: ${describeLoad(machineAfter)}`)
    const cpu = cpus()
    const report: Report = {
      meta: {
        date: new Date().toISOString(),
        machine: `${cpu.length}× ${cpu[0]?.model.trim() ?? "cpu"}, ${platform()}, Node ${process.version}`,
      },
      config: cfg,
      targets: statuses,
      machine: { before: machineBefore, after: machineAfter, run: runLoad },
      scenarios: reports,
      goals: goals(reports, cfg.streams),
    }
    log(`machine during the run: ${describeLoad(runLoad)}`)
    const dir = join(import.meta.dirname, "results")
    mkdirSync(dir, { recursive: true })
    const markdown = toMarkdown(report)
    // a partial run (BENCH_SCENARIOS) never replaces the full table
    const name = only === undefined ? "latest" : "partial"
    writeFileSync(join(dir, `${name}.json`), `${JSON.stringify(report, null, 2)}\n`)
    writeFileSync(join(dir, `${name}.md`), markdown)
    process.stdout.write(markdown)
  } finally {
    for (const t of targets) await t.stop()
    await gen.stop()
    await up.child.stop()
    if (redis !== undefined && !(redis instanceof Error)) await redis.stop()
  }
}

const watchdog = setTimeout(() => {
  log(`bench: still running after ${WATCHDOG_MS / 60_000} min, giving up`)
  process.exit(2)
}, WATCHDOG_MS)
watchdog.unref()

main().then(
  () => process.exit(0),
  (e: unknown) => {
    log(`bench failed: ${describe(e)}`)
    process.exit(1)
  },
)
