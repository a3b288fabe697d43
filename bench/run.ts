// `pnpm bench`: the gateway benchmark of issue 7. Starts the fake upstream and each target (bare proxy, Switchyard,
// Portkey) as child processes on 127.0.0.1, runs every scenario with the targets alternating round by round, then
// writes bench/results/latest.{json,md} and prints the table. Knobs (env): BENCH_DURATION_S (5), BENCH_ROUNDS (2),
// BENCH_STREAMS (1000), BENCH_SSE_CHUNKS (20), BENCH_TARGETS (bare,switchyard,switchyard-redis,portkey),
// BENCH_RETRY_AFTER_MS (0),
// BENCH_SWITCHYARD_CMD (see switchyard.ts), BENCH_SCENARIOS (ids, comma-separated; writes results/partial.*).
import { mkdirSync, writeFileSync } from "node:fs"
import { cpus, platform } from "node:os"
import { join } from "node:path"
import { type RedisServer, startRedis } from "@switchyard/redis/testing"
import type { Child } from "./child.js"
import { runLoad } from "./load.js"
import { toMarkdown } from "./markdown.js"
import {
  derive,
  goals,
  type Outcome,
  type Report,
  type ScenarioReport,
  summarise,
  type TargetStatus,
} from "./report.js"
import { type BenchConfig, type Measurement, measure, scenarios } from "./scenarios.js"
import { describe, startTarget } from "./start.js"
import { nodeFlags, spawnBenchServer, type Target, type TargetId } from "./targets.js"

const WATCHDOG_MS = 9 * 60_000
const num = (name: string, fallback: number): number => {
  const v = Number(process.env[name])
  return Number.isFinite(v) && v > 0 ? v : fallback
}
const log = (line: string): void => {
  process.stderr.write(`${line}\n`)
}

const warmUp = async (t: Target): Promise<void> => {
  log(`warming up ${t.label}…`)
  for (const kind of ["json", "sse", "fallback"] as const) {
    const req = t.request(kind)
    if (req) await runLoad(t.origin, req, 32, kind === "json" ? 2 : 1)
  }
}

const main = async (): Promise<void> => {
  const durationS = num("BENCH_DURATION_S", 5)
  const sseChunks = num("BENCH_SSE_CHUNKS", 20)
  const upstreamArgs = ["--chunks", String(sseChunks), "--retry-after-ms", String(num("BENCH_RETRY_AFTER_MS", 0))]
  const up: { child: Child; port: number } = await spawnBenchServer("upstream", "upstream.ts", upstreamArgs)
  const cfg: BenchConfig = {
    durationS,
    rounds: num("BENCH_ROUNDS", 2),
    streams: num("BENCH_STREAMS", 1000),
    sseChunks,
    upstream: `http://127.0.0.1:${up.port}`,
    nodeFlags,
  }
  const wanted = (process.env.BENCH_TARGETS ?? "bare,switchyard,switchyard-redis,portkey")
    .split(",")
    .map((s) => s.trim())
  const ids = (["bare", "switchyard", "switchyard-redis", "portkey"] as const).filter((id) => wanted.includes(id))
  // "Switchyard + Redis" gets a local redis-server on a free TCP port (loopback, like a same-host Redis).
  const redis = ids.includes("switchyard-redis") ? await startRedis({ port: 0 }).catch((e: unknown) => e) : undefined
  const redisUrl = redis !== undefined && !(redis instanceof Error) ? (redis as RedisServer).url : undefined
  if (redis instanceof Error) log(`redis-server unavailable: ${redis.message}`)
  const statuses: Array<TargetStatus> = []
  const targets: Array<Target> = []
  try {
    for (const id of ids) {
      log(`starting ${id}…`)
      const { started: s, warnings } = await startTarget(id, cfg.upstream, redisUrl)
      for (const w of warnings) log(`${id} warning: ${w}`)
      if (s.ok) targets.push(s.target)
      else log(`${id} unavailable: ${s.reason}`)
      statuses.push(
        s.ok
          ? { id, label: s.target.label, status: "ok", warnings }
          : { id, label: s.label, status: "unavailable", reason: s.reason, warnings },
      )
    }
    const reports: Array<ScenarioReport> = []
    let warm = false
    // The memory scenario runs first, on processes not yet grown by the throughput runs; the table keeps list order.
    const only = process.env.BENCH_SCENARIOS?.split(",").map((s) => s.trim())
    const all = scenarios(cfg).filter((s) => only === undefined || only.includes(s.id))
    for (const scenario of [...all].sort((a, b) => Number(b.metric === "memory") - Number(a.metric === "memory"))) {
      if (scenario.metric !== "memory" && !warm) {
        for (const t of targets) await warmUp(t)
        warm = true
      }
      const rounds = scenario.metric === "memory" ? 1 : cfg.rounds
      const perTarget = new Map<TargetId, Array<Measurement>>()
      const na = new Set<TargetId>()
      for (let round = 1; round <= rounds; round++) {
        for (const t of targets) {
          const m = await measure(scenario, t, cfg)
          if (!m) {
            na.add(t.id)
            continue
          }
          perTarget.set(t.id, [...(perTarget.get(t.id) ?? []), m])
          const rps = m.reqPerSec === undefined ? "" : `${Math.round(m.reqPerSec)} req/s, `
          log(
            `[${scenario.id}] round ${round}/${rounds} ${t.label}: ${rps}p50 ${m.p50Ms?.toFixed(2) ?? "—"} ms, RSS ${m.rssPeakMb?.toFixed(0) ?? "—"} MB`,
          )
        }
      }
      const results: Partial<Record<TargetId, Outcome>> = {}
      for (const t of targets) {
        const rs = perTarget.get(t.id)
        results[t.id] = rs ? { rounds: rs, summary: summarise(rs) } : { na: na.has(t.id) ? "no such path" : "not run" }
      }
      reports.push({
        id: scenario.id,
        title: scenario.title,
        metric: scenario.metric,
        results,
        derived: derive(results),
      })
    }
    reports.sort((a, b) => all.findIndex((s) => s.id === a.id) - all.findIndex((s) => s.id === b.id))
    const cpu = cpus()
    const report: Report = {
      meta: {
        date: new Date().toISOString(),
        machine: `${cpu.length}× ${cpu[0]?.model.trim() ?? "cpu"}, ${platform()}, Node ${process.version}`,
      },
      config: cfg,
      targets: statuses,
      scenarios: reports,
      goals: goals(reports, cfg.streams),
    }
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
    await up.child.stop()
    if (redis !== undefined && !(redis instanceof Error)) await (redis as RedisServer).stop()
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
