// The Switchyard gateway as a bench target: examples/gateway as it runs in production, the one-module bundle
// `examples/gateway/dist/gateway.mjs` (`pnpm bench` builds it: `tsc -b`, then `pnpm bundle:gateway`), started with plain
// node and the bench's node flags on a catalog that points every endpoint at the fake upstream. The command is
// pluggable: BENCH_SWITCHYARD_CMD (whitespace-separated; `{config}` is replaced by the catalog file, a leading `node` by
// this Node) overrides the default
//   node <BENCH_NODE_FLAGS> examples/gateway/dist/gateway.mjs --config {config}
// (`node examples/gateway/dist/src/main.js --config {config}`: the unbundled build, module by module).
// The server gets PORT/HOST from the environment and must answer GET /healthz once it listens.
import { existsSync, mkdirSync, writeFileSync } from "node:fs"
import { join } from "node:path"
import { spawnChild, waitForHttp } from "./child.js"
import { chatBody, freePort, isStream, nodeFlags, repoRoot, type Started, scratchDir, UPSTREAM_KEY } from "./targets.js"

const gatewayMain = join(repoRoot, "examples", "gateway", "dist", "gateway.mjs")
const defaultCommand = "node examples/gateway/dist/gateway.mjs --config {config}"

const endpoint = (provider: string, prompt: number, upstreamModel: string) => ({
  provider,
  upstreamModel,
  price: { prompt, completion: prompt * 4 },
  contextLength: 128_000,
  maxOutput: 8192,
  supportedParameters: ["max_tokens", "temperature", "top_p", "stop", "stream", "stream_options", "tools"],
  dataPolicy: { collects: false, zdr: true },
  pool: "standard" as const,
  capacity: { tokensPerMinute: 2_000_000_000, requestsPerMinute: 100_000_000 },
})

const five = ["bench-a", "bench-b", "bench-c", "bench-d", "bench-e"]

/**
 * The realistic catalog: one model on five endpoints (stats, capacity tracking, health and pricing on), a model
 * whose cheapest endpoint always answers 429 (fallback scenario), and a model whose upstream streams slowly
 * (memory scenario). Capacities are far above the bench load so admission never rejects.
 */
export const benchCatalog = (upstream: string) => ({
  providers: [
    ...five.map((slug) => ({
      slug,
      kind: "openai-compatible",
      options: { baseUrl: `${upstream}/v1`, apiKey: UPSTREAM_KEY },
    })),
    {
      slug: "bench-limited",
      kind: "openai-compatible",
      options: { baseUrl: `${upstream}/ratelimited/v1`, apiKey: UPSTREAM_KEY },
    },
  ],
  models: [
    { id: "bench/model", endpoints: five.map((slug, i) => endpoint(slug, 1 + i * 0.25, "bench-model")) },
    {
      id: "bench/fallback",
      endpoints: [endpoint("bench-limited", 0.5, "bench-model"), endpoint("bench-a", 1, "bench-model")],
    },
    { id: "bench/slow", endpoints: five.map((slug, i) => endpoint(slug, 1 + i * 0.25, "bench-slow")) },
  ],
  // The fallback scenario fails over on every request; let the retry budget allow it.
  routing: { retryBudget: 10 },
})

/** The start command; a leading `node` becomes this Node with the bench's flags and `extraNodeArgs`. */
const command = (
  config: string,
  extraNodeArgs: ReadonlyArray<string>,
): { command: string; args: Array<string> } | undefined => {
  const override = process.env.BENCH_SWITCHYARD_CMD?.trim()
  if (!override && !existsSync(gatewayMain)) return undefined
  const words = (override || defaultCommand).split(/\s+/).map((w) => w.replaceAll("{config}", config))
  const [head, ...args] = words
  if (head === "node" || !head) return { command: process.execPath, args: [...nodeFlags, ...extraNodeArgs, ...args] }
  return { command: head, args }
}

/**
 * Starts the gateway; `extraNodeArgs` (e.g. profiler flags) go to Node before the script. With `redisUrl`, its live
 * state is on that Redis (`state.redis`: every request's snapshot read, admission and bookkeeping go through Redis —
 * one replica, so the cost of sharing, not the benefit): the "Switchyard + Redis" target.
 */
export const startSwitchyard = async (
  upstream: string,
  extraNodeArgs: ReadonlyArray<string> = [],
  redisUrl?: string,
  /** That Redis's redis-server process (its CPU per request is reported next to the gateway's). */
  redisPid?: number,
): Promise<Started> => {
  const id = redisUrl === undefined ? "switchyard" : "switchyard-redis"
  const label = redisUrl === undefined ? "Switchyard" : "Switchyard + Redis"
  mkdirSync(scratchDir, { recursive: true })
  const config = join(scratchDir, `${id}-catalog.json`)
  const catalog = benchCatalog(upstream)
  const withState = redisUrl === undefined ? catalog : { ...catalog, state: { redis: { url: redisUrl } } }
  writeFileSync(config, `${JSON.stringify(withState, null, 2)}\n`)
  const cmd = command(config, extraNodeArgs)
  if (!cmd) {
    return {
      ok: false,
      id,
      label,
      reason: "examples/gateway/dist/gateway.mjs not found: build it with `pnpm bundle:gateway` (`pnpm bench` does)",
    }
  }
  const port = await freePort()
  const child = spawnChild({
    name: id,
    ...cmd,
    cwd: repoRoot,
    env: { PORT: String(port), HOST: "127.0.0.1" },
  })
  const origin = `http://127.0.0.1:${port}`
  try {
    await waitForHttp(`${origin}/healthz`, child, 60_000)
  } catch (e) {
    await child.stop()
    return { ok: false, id, label, reason: e instanceof Error ? e.message : String(e) }
  }
  const headers = { authorization: `Bearer ${process.env.BENCH_SWITCHYARD_KEY ?? "sk-bench-gateway-key"}` }
  const models = { json: "bench/model", sse: "bench/model", fallback: "bench/fallback", slow: "bench/slow" } as const
  return {
    ok: true,
    target: {
      id,
      label,
      origin,
      pid: child.pid,
      backendPid: redisPid,
      request: (kind) => ({ path: "/v1/chat/completions", headers, body: chatBody(models[kind], isStream(kind)) }),
      stop: child.stop,
    },
  }
}
