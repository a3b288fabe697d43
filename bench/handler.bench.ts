// CPU cost of the gateway's chat path without sockets: `Gateway.handle` (auth, JSON parse, routing-field
// decode) → Router (snapshot, plan, Health, CapacityMeter, Stats, deadlines) → an in-process client that
// answers at once → the response object. The bench catalog of `pnpm bench` (one model on five endpoints).
// Run: `pnpm bench:handler` (`BENCH_REDIS_URL=redis://…`: on that Redis). Prints µs per request (median of rounds); compare before/after a change on
// the same machine, never across machines. Profile it with `node --cpu-prof --conditions=source --import tsx`.
import { CaptureWriter, createGateway, makeGatewayRuntime } from "@switchyard/adapters"
import { type ChatResult, decodeCatalog, type ProviderClient } from "@switchyard/core"
import { RedisState } from "@switchyard/redis"
import { Effect, Result } from "effect"
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
const runtime = makeGatewayRuntime(
  { catalog: catalog.success, clients },
  { seed: 7, ...(redisUrl ? { backend: RedisState.layer({ url: redisUrl, timeoutMs: 1_000 }) } : {}) },
)
// CAPTURE=<file>: the same with `gateway.capture` on (every request recorded), to check its cost
const capture = process.env.CAPTURE ? new CaptureWriter({ path: process.env.CAPTURE }) : undefined
const gateway = createGateway({ runtime, capture })
const body = new TextEncoder().encode(
  JSON.stringify({
    model: "bench/model",
    messages: [{ role: "user", content: "Say hello to the benchmark." }],
    max_tokens: 32,
  }),
)
const request = () => ({
  method: "POST",
  path: "/v1/chat/completions",
  headers: { "content-type": "application/json" },
  body,
})

/** `n` requests, `concurrency` in flight at a time; µs of wall (= CPU: nothing waits) per request. */
const round = async (n: number, concurrency: number): Promise<number> => {
  const start = process.hrtime.bigint()
  let next = 0
  const worker = async () => {
    while (next++ < n) {
      const res = await gateway.handle(request())
      if (res.status !== 200) throw new Error(`status ${res.status}: ${String(res.body)}`)
    }
  }
  await Promise.all(Array.from({ length: concurrency }, worker))
  return Number(process.hrtime.bigint() - start) / 1000 / n
}

const ROUNDS = Number(process.env.ROUNDS ?? 7)
const N = Number(process.env.N ?? 50_000)
await round(20_000, 64)
const results: Array<number> = []
for (let i = 0; i < ROUNDS; i++) results.push(await round(N, 64))
results.sort((a, b) => a - b)
console.log(
  `gateway chat path${capture ? " with capture" : ""}, in process: ${results[Math.floor(ROUNDS / 2)]!.toFixed(2)} µs/request (median of ${ROUNDS} × ${N}; min ${results[0]!.toFixed(2)}, max ${results[ROUNDS - 1]!.toFixed(2)})`,
)
await capture?.close()
await runtime.dispose()
