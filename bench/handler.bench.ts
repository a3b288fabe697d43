// CPU cost of the gateway's chat path without sockets: `Gateway.handle` (auth, JSON parse, routing-field
// decode) → Router (snapshot, plan, Health, CapacityMeter, Stats, deadlines) → an in-process client that
// answers at once → the response object. The bench catalog of `pnpm bench` (one model on five endpoints).
// Like the gateway `gatewayFromConfig` builds: one request log line per request (default `info`, `pretty`, batched,
// redacted; written to a sink that drops it) and configured secrets (`LOG=0`: without the log line).
// Run: `pnpm bench:handler` (`BENCH_REDIS_URL=redis://…`: on that Redis; `SESSION=1`: every request in one
// conversation, so each takes the affinity path). Prints CPU µs per request (process CPU
// time, user + system: steadier than wall time on a shared machine) and wall µs, medians of rounds; compare
// before/after a change on the same machine, never across machines. Profile it with
// `node --cpu-prof --conditions=source --import tsx`.

import { Session } from "node:inspector/promises"
import { CaptureWriter, createGateway, DEFAULT_LOGGING, loggingLayer, makeGatewayRuntime } from "@switchyard/adapters"
import { type ChatResult, decodeCatalog, makeRedactor, type ProviderClient } from "@switchyard/core"
import { RedisState } from "@switchyard/redis"
import { Effect, Result } from "effect"
import { type AllocFrame, framesOfHeapProfile, type HeapProfile } from "./profile-summary.js"
import { benchCatalog } from "./switchyard.js"

const completion = (model: string) => ({
  id: "chatcmpl-bench",
  object: "chat.completion",
  created: 1_700_000_000,
  model,
  choices: [{ index: 0, message: { role: "assistant", content: "Hello, benchmark." }, finish_reason: "stop" }],
  usage: { prompt_tokens: 12, completion_tokens: 4, total_tokens: 16 },
})

const instant: ProviderClient = {
  chat: (call) =>
    Effect.succeed<ChatResult>({
      body: completion(call.endpoint.upstreamModel),
      usage: { promptTokens: 12, completionTokens: 4, cachedTokens: 0, reasoningTokens: 0 },
      requestId: undefined,
      signals: {},
    }),
  stream: () => Effect.die("not used"),
}

const catalog = decodeCatalog(benchCatalog("http://127.0.0.1:9"))
if (Result.isFailure(catalog)) throw new Error(catalog.failure.message)
const clients = new Map(
  ["bench-a", "bench-b", "bench-c", "bench-d", "bench-e", "bench-limited"].map((s) => [s, instant] as const),
)
// BENCH_REDIS_URL: the live state on that Redis (the CPU and round trips of the shared store per request).
const redisUrl = process.env.BENCH_REDIS_URL
const secrets = ["sk-bench-upstream-0123456789abcdef", "127.0.0.1"]
const logRequests = process.env.LOG !== "0"
const runtime = makeGatewayRuntime(
  { catalog: catalog.success, clients },
  {
    seed: 7,
    telemetry: loggingLayer(DEFAULT_LOGGING, () => {}, { redact: makeRedactor(secrets) }),
    ...(redisUrl ? { backend: RedisState.layer({ url: redisUrl, timeoutMs: 1_000 }) } : {}),
  },
)
// CAPTURE=<file>: the same with `gateway.capture` on (every request recorded), to check its cost
const capture = process.env.CAPTURE ? new CaptureWriter({ path: process.env.CAPTURE }) : undefined
const gateway = createGateway({ runtime, capture, logRequests, secrets })
// SESSION=1: every request of one conversation (`session_id`): the affinity lookup, and the sticky endpoint first
const session = process.env.SESSION ? { session_id: "bench-conversation" } : {}
const body = new TextEncoder().encode(
  JSON.stringify({
    model: "bench/model",
    messages: [{ role: "user", content: "Say hello to the benchmark." }],
    max_tokens: 32,
    ...session,
  }),
)
const request = () => ({
  method: "POST",
  path: "/v1/chat/completions",
  headers: { "content-type": "application/json" },
  body,
})

/** `n` requests, `concurrency` in flight at a time; µs of process CPU time and of wall time per request. */
const round = async (n: number, concurrency: number): Promise<{ cpu: number; wall: number }> => {
  const start = process.hrtime.bigint()
  const cpu = process.cpuUsage()
  let next = 0
  const worker = async () => {
    while (next++ < n) {
      const res = await gateway.handle(request())
      if (res.status !== 200) throw new Error(`status ${res.status}: ${String(res.body)}`)
    }
  }
  await Promise.all(Array.from({ length: concurrency }, worker))
  const used = process.cpuUsage(cpu)
  return { cpu: (used.user + used.system) / n, wall: Number(process.hrtime.bigint() - start) / 1000 / n }
}

const ROUNDS = Number(process.env.ROUNDS ?? 7)
const N = Number(process.env.N ?? 50_000)
await round(20_000, 64)
const rounds: Array<{ cpu: number; wall: number }> = []
for (let i = 0; i < ROUNDS; i++) rounds.push(await round(N, 64))
const summary = (values: Array<number>): string => {
  values.sort((a, b) => a - b)
  return `${values[Math.floor(ROUNDS / 2)]!.toFixed(2)} µs/request (min ${values[0]!.toFixed(2)}, max ${values[ROUNDS - 1]!.toFixed(2)})`
}
const what = [
  logRequests ? "log line" : "no log line",
  ...(capture ? ["capture"] : []),
  ...(redisUrl ? ["Redis"] : []),
  ...(process.env.SESSION ? ["one conversation"] : []),
]
console.log(`gateway chat path (${what.join(", ")}), in process, median of ${ROUNDS} × ${N}:`)
console.log(`  CPU  ${summary(rounds.map((r) => r.cpu))}`)
console.log(`  wall ${summary(rounds.map((r) => r.wall))}`)

// Bytes allocated per request (V8's sampling heap profiler, objects collected since included): what the scavenger
// of a real gateway process has to deal with. ALLOC=0 skips it; ALLOC=<n> also prints the n top allocating frames.
if (process.env.ALLOC !== "0") {
  const session = new Session()
  session.connect()
  await session.post("HeapProfiler.enable")
  await session.post("HeapProfiler.startSampling", {
    samplingInterval: 1024,
    includeObjectsCollectedByMajorGC: true,
    includeObjectsCollectedByMinorGC: true,
  })
  const n = Math.min(N, 20_000)
  await round(n, 64)
  const { profile } = (await session.post("HeapProfiler.stopSampling")) as { profile: HeapProfile }
  session.disconnect()
  const frames = framesOfHeapProfile(profile)
  const total = frames.reduce((sum, f) => sum + f.bytes, 0)
  console.log(`  allocated ≈ ${(total / n / 1024).toFixed(1)} KB/request (sampled over ${n} requests)`)
  const top = Number(process.env.ALLOC ?? 0)
  const where = (f: AllocFrame) => `${f.name} ${f.url.replace(/^.*\/(packages|node_modules)\//, "$1/")}:${f.line}`
  for (const f of [...frames].sort((x, y) => y.bytes - x.bytes).slice(0, top))
    console.log(`    ${(f.bytes / n).toFixed(0).padStart(6)} B  ${where(f)}`)
}
await capture?.close()
await runtime.dispose()
