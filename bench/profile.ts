// `pnpm bench:profile`: profiles the whole gateway process (not only the handler) under load and prints where its
// time goes: self time grouped as Effect runtime / router + services / transport / adapters / Node http / JSON / GC /
// native, and the top frames. Writes bench/results/profile-<target>-<scenario>-<mode>.md (the raw profile is
// gitignored next to it).
//
//   pnpm bench:profile [--scenario json-c64|sse-c64|…] [--mode cpu-prof|perf|strace|alloc] [--target switchyard|switchyard-redis|bare]
//                      [--duration 10] [--warmup 10] [--top 15]
//
// Modes:
//   cpu-prof  `node --cpu-prof` (V8's sampler, wall clock): frames with file and line; on a loaded machine samples
//             taken while the process waits for a CPU land on the running frame (shares follow wall time).
//   strace    `strace -c -f`: system calls per request by name (counts only: strace slows the process, so its times
//             mean nothing). Counts what the kernel share of a profile is made of (socket writes, reads, timers).
//   alloc     bytes allocated per request (V8's sampling heap profiler, collected objects included; started and
//             stopped by SIGUSR2 through `alloc-preload.mjs`), grouped like the CPU profile, with the top frames.
//   perf      `perf record -g -e cpu-clock` with `node --perf-basic-prof`: CPU samples only (needs `perf`, root or
//             perf_event_paranoid ≤ 1), each charged to the innermost JS frame on its stack (V8 builtins to their
//             caller); kernel time (syscalls), GC and the JIT compiler apart. Trust it over cpu-prof on a shared
//             machine.
// Only the measured window counts: start-up and the warm-up (--warmup, 10 s: long enough for V8 to have optimised the
// hot path on a loaded machine) are left out.
import { type ChildProcess, spawn } from "node:child_process"
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs"
import { join } from "node:path"
import { parseArgs } from "node:util"
import { startRedis } from "@switchyard/redis/testing"
import { startLoadGenerators } from "./load.js"
import { latestJitEntries } from "./perf-map.js"
import {
  allocMarkdown,
  framesOfCpuProfile,
  framesOfHeapProfile,
  framesOfPerfScript,
  straceMarkdown,
  summarise,
  summaryMarkdown,
} from "./profile-summary.js"
import { scenarios } from "./scenarios.js"
import { startSwitchyard } from "./switchyard.js"
import { spawnBenchServer, startBare, type Target } from "./targets.js"

const { values: opt } = parseArgs({
  options: {
    scenario: { type: "string", default: "json-c64" },
    mode: { type: "string", default: "cpu-prof" },
    target: { type: "string", default: "switchyard" },
    duration: { type: "string", default: "10" },
    warmup: { type: "string", default: "10" },
    top: { type: "string", default: "15" },
  },
})
const mode = opt.mode === "perf" || opt.mode === "strace" || opt.mode === "alloc" ? opt.mode : "cpu-prof"
const durationS = Number(opt.duration)
const warmupS = Number(opt.warmup)
const results = join(import.meta.dirname, "results")
const PERF_HZ = 999

/** The largest .cpuprofile in `dir`: the main thread's (a loader or worker thread writes its own, smaller one). */
const mainThreadProfile = (dir: string): string => {
  const files = readdirSync(dir).filter((f) => f.endsWith(".cpuprofile"))
  if (files.length === 0) throw new Error(`no .cpuprofile in ${dir}`)
  return files.sort((a, b) => statSync(join(dir, b)).size - statSync(join(dir, a)).size)[0]!
}

const exited = (proc: ChildProcess): Promise<void> =>
  new Promise((resolve) => {
    if (proc.exitCode !== null || proc.signalCode !== null) resolve()
    else proc.once("exit", () => resolve())
  })

const main = async (): Promise<void> => {
  const scenario = scenarios({
    durationS,
    rounds: 1,
    streams: 1000,
    sseChunks: 20,
    upstream: "",
    nodeFlags: [],
  }).find((s) => s.id === opt.scenario)
  if (scenario?.metric !== "load") throw new Error(`--scenario must be a load scenario, got ${opt.scenario}`)
  mkdirSync(results, { recursive: true })
  const name = `profile-${opt.target}-${scenario.id}-${mode}`
  const profDir = join(results, `${name}.d`)
  rmSync(profDir, { recursive: true, force: true })
  mkdirSync(profDir, { recursive: true })
  const nodeArgs =
    mode === "perf"
      ? ["--perf-basic-prof"]
      : mode === "strace"
        ? []
        : mode === "alloc"
          ? ["--import", join(import.meta.dirname, "alloc-preload.mjs")]
          : ["--cpu-prof", `--cpu-prof-dir=${profDir}`, "--cpu-prof-interval=500"]

  const allocOut = join(profDir, "alloc.heapprofile")
  if (mode === "alloc") process.env.ALLOC_PROFILE_OUT = allocOut
  const up = await spawnBenchServer("upstream", "upstream.ts", ["--chunks", "20"])
  const upstream = `http://127.0.0.1:${up.port}`
  const gen = await startLoadGenerators()
  // switchyard-redis: the gateway's live state on a redis-server of its own (TCP loopback), as `pnpm bench` runs it
  const redis = opt.target === "switchyard-redis" ? await startRedis({ port: 0 }) : undefined
  let target: Target | undefined
  try {
    const started =
      opt.target === "bare"
        ? await startBare(upstream, nodeArgs)
        : opt.target === "switchyard" || redis !== undefined
          ? await startSwitchyard(upstream, nodeArgs, redis?.url)
          : undefined
    if (!started) throw new Error(`--target must be switchyard, switchyard-redis or bare, got ${opt.target}`)
    if (!started.ok) throw new Error(started.reason)
    target = started.target
    const req = target.request(scenario.kind)
    if (!req) throw new Error(`${target.label} has no ${scenario.kind} path`)
    const job = { kind: "load", origin: target.origin, req, connections: scenario.connections } as const
    process.stderr.write(`warming up ${target.label} (${scenario.id}) for ${warmupS} s…\n`)
    await gen.run({ ...job, durationS: warmupS })

    process.stderr.write(`profiling ${target.label} for ${durationS} s (${mode})…\n`)
    const perfData = join(profDir, "perf.data")
    const perf =
      mode === "perf"
        ? spawn(
            "perf",
            ["record", "-g", "-e", "cpu-clock", "-F", String(PERF_HZ), "-p", String(target.pid), "-o", perfData],
            {
              stdio: "ignore",
            },
          )
        : mode === "strace"
          ? spawn("strace", ["-c", "-f", "-p", String(target.pid), "-o", join(profDir, "strace.txt")], {
              stdio: "ignore",
            })
          : undefined
    // strace needs a moment to attach to every thread
    if (mode === "strace") await new Promise((resolve) => setTimeout(resolve, 500))
    if (mode === "alloc") process.kill(target.pid, "SIGUSR2")
    const fromUs = Number(process.hrtime.bigint() / 1000n)
    const load = await gen.run({ ...job, durationS })
    const toUs = Number(process.hrtime.bigint() / 1000n)
    if (perf) {
      perf.kill("SIGINT")
      await exited(perf)
    }
    const pid = target.pid
    if (mode === "alloc") {
      process.kill(pid, "SIGUSR2")
      for (let i = 0; i < 300 && !existsSync(allocOut); i++) await new Promise((resolve) => setTimeout(resolve, 100))
      await target.stop()
      target = undefined
      if (!existsSync(allocOut)) throw new Error("the gateway wrote no heap profile (was alloc-preload.mjs loaded?)")
      const profile = JSON.parse(readFileSync(allocOut, "utf8"))
      if (profile.error) throw new Error(`heap profiler: ${profile.error}`)
      const title =
        `${opt.target} under ${scenario.title}, alloc: ${Math.round(load.reqPerSec)} req/s over ${durationS} s, ` +
        `${load.ok} requests (Node ${process.version})`
      const markdown = allocMarkdown(title, framesOfHeapProfile(profile), load.ok, Number(opt.top))
      writeFileSync(join(results, `${name}.md`), markdown)
      process.stdout.write(markdown)
      return
    }
    if (mode === "strace") {
      await target.stop()
      target = undefined
      const title = `${opt.target} under ${scenario.title}: system calls per request (strace -c -f, ${load.ok} requests)`
      const markdown = straceMarkdown(title, readFileSync(join(profDir, "strace.txt"), "utf8"), load.ok)
      writeFileSync(join(results, `${name}.md`), markdown)
      process.stdout.write(markdown)
      return
    }
    await target.stop()
    target = undefined

    // the JIT map as it is now: stale entries of collected code misname the samples of code compiled since
    const jitMap = `/tmp/perf-${pid}.map`
    if (mode === "perf" && existsSync(jitMap)) writeFileSync(jitMap, latestJitEntries(readFileSync(jitMap, "utf8")))
    const frames =
      mode === "perf"
        ? framesOfPerfScript(
            await new Promise<string>((resolve, reject) => {
              const script = spawn("perf", ["script", "-i", perfData, "-F", "ip,sym,dso"], {
                stdio: ["ignore", "pipe", "ignore"],
              })
              let out = ""
              script.stdout.on("data", (d: Buffer) => {
                out += d.toString("utf8")
              })
              script.on("error", reject)
              script.on("exit", () => {
                // kept (gitignored) for other views of the same samples, e.g. inclusive time per frame
                writeFileSync(join(profDir, "perf-script.txt"), out)
                resolve(out)
              })
            }),
            1000 / PERF_HZ,
          )
        : framesOfCpuProfile(JSON.parse(readFileSync(join(profDir, mainThreadProfile(profDir)), "utf8")), fromUs, toUs)
    rmSync(`/tmp/perf-${pid}.map`, { force: true })
    const title =
      `${opt.target} under ${scenario.title}, ${mode}: ${Math.round(load.reqPerSec)} req/s over ${durationS} s ` +
      `(Node ${process.version})`
    const markdown = summaryMarkdown(title, summarise(frames, Number(opt.top)), load.ok)
    writeFileSync(join(results, `${name}.md`), markdown)
    process.stdout.write(markdown)
  } finally {
    await target?.stop()
    await gen.stop()
    await up.child.stop()
    await redis?.stop()
  }
}

// Frames are grouped by the module they come from, so the gateway is profiled module by module (the build of `tsc -b`),
// not as the one-module bundle `pnpm bench` measures: the same code, the same CPU per request.
process.env.BENCH_SWITCHYARD_CMD ??= "node examples/gateway/dist/src/main.js --config {config}"
if (!existsSync(join(import.meta.dirname, "..", "examples", "gateway", "dist", "src", "main.js"))) {
  process.stderr.write("build the gateway first: npx tsc -b (pnpm bench:profile does)\n")
}
main().then(
  () => process.exit(0),
  (e: unknown) => {
    process.stderr.write(`profile failed: ${e instanceof Error ? e.message : String(e)}\n`)
    process.exit(1)
  },
)
