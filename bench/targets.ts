// What the benchmark drives: each target is one child process on 127.0.0.1 that forwards to the fake upstream.
import { createServer } from "node:net"
import { join } from "node:path"
import { type Child, spawnUntilPort } from "./child.js"
import type { TargetRequest } from "./stream-probe.js"

/** direct: the load generator straight at the fake upstream, the ceiling every target is compared against. */
export type TargetId = "direct" | "bare" | "switchyard" | "switchyard-redis" | "portkey"

/** json: plain completion; sse: fast stream; fallback: first endpoint answers 429; slow: long-lived stream. */
export type RequestKind = "json" | "sse" | "fallback" | "slow"

export interface Target {
  readonly id: TargetId
  readonly label: string
  readonly origin: string
  readonly pid: number
  /** A process of the target's own that it needs (the Redis target's redis-server): its CPU is reported apart. */
  readonly backendPid?: number | undefined
  /** The request this target needs for a scenario, or undefined when the target has no such path (n/a). */
  readonly request: (kind: RequestKind) => TargetRequest | undefined
  readonly stop: () => Promise<void>
}

export type Started = { readonly ok: true; readonly target: Target } | Unavailable
export interface Unavailable {
  readonly ok: false
  readonly id: TargetId
  readonly label: string
  readonly reason: string
}

export const repoRoot = join(import.meta.dirname, "..")
export const scratchDir = join(import.meta.dirname, ".scratch")
export const UPSTREAM_KEY = "sk-bench-upstream-key"

export const isStream = (kind: RequestKind): boolean => kind === "sse" || kind === "slow"

/**
 * `BENCH_PROMPT_KB` (default 0): the conversation before the question, in KB of earlier turns (user and assistant
 * messages of ≈ 1 KB each, text with quotes and a line break), to measure requests of the size real chat clients send.
 */
const promptKb = Number(process.env.BENCH_PROMPT_KB ?? 0)
const LINE = 'A line of an earlier turn in the conversation, with "quotes" and a line break.\n'
const TURN = LINE.repeat(13).slice(0, 1000)
const history: ReadonlyArray<{ role: string; content: string }> = Array.from(
  { length: Number.isFinite(promptKb) && promptKb > 0 ? Math.round(promptKb) : 0 },
  (_, i) => ({ role: i % 2 === 0 ? "user" : "assistant", content: TURN }),
)

export const chatBody = (model: string, stream: boolean): string =>
  JSON.stringify({
    model,
    messages: [...history, { role: "user", content: "Say hello to the benchmark." }],
    max_tokens: 32,
    ...(stream ? { stream: true, stream_options: { include_usage: true } } : {}),
  })

/** A TCP port that was free a moment ago (for servers that take their port from the environment). */
export const freePort = (): Promise<number> =>
  new Promise((resolve, reject) => {
    const server = createServer()
    server.once("error", reject)
    server.listen(0, "127.0.0.1", () => {
      const address = server.address()
      const port = typeof address === "object" && address ? address.port : 0
      server.close(() => resolve(port))
    })
  })

/**
 * Node flags every target runs with, alike (`BENCH_NODE_FLAGS`, whitespace-separated; default none: Node's
 * defaults, which is how the goals are measured). E.g. `--max-semi-space-size=64` to see the GC trade-off.
 */
export const nodeFlags: ReadonlyArray<string> = (process.env.BENCH_NODE_FLAGS ?? "")
  .split(/\s+/)
  .filter((f) => f !== "")

/**
 * Runs one of the bench's own TypeScript servers (prints `LISTENING <port>`); `nodeArgs`: Node flags for it (a target
 * gets `nodeFlags`, the harness none).
 */
export const spawnBenchServer = (
  name: string,
  file: string,
  args: ReadonlyArray<string>,
  nodeArgs: ReadonlyArray<string> = [],
): Promise<{ child: Child; port: number }> =>
  spawnUntilPort(
    {
      name,
      command: process.execPath,
      args: [...nodeArgs, "--import", "tsx", join(import.meta.dirname, file), ...args],
      cwd: repoRoot,
    },
    /^LISTENING (\d+)/,
    30_000,
  )

/**
 * The fake upstream itself as a target: what the load generator reaches with no proxy in between. It must run at
 * least twice the bare proxy's rate, else the load generator (not the proxies) bounds the run.
 */
export const directTarget = (upstream: { readonly origin: string; readonly pid: number }): Target => ({
  id: "direct",
  label: "direct upstream",
  origin: upstream.origin,
  pid: upstream.pid,
  request: (kind) =>
    kind === "json" || kind === "sse"
      ? {
          path: "/v1/chat/completions",
          headers: { authorization: `Bearer ${UPSTREAM_KEY}` },
          body: chatBody("bench-model", isStream(kind)),
        }
      : undefined,
  stop: async () => {},
})

/** Starts the bare proxy; `extraNodeArgs` (e.g. profiler flags) go to Node after the bench's `nodeFlags`. */
export const startBare = async (upstream: string, extraNodeArgs: ReadonlyArray<string> = []): Promise<Started> => {
  const { child, port } = await spawnBenchServer(
    "bare-proxy",
    "bare-proxy.ts",
    ["--upstream", upstream],
    [...nodeFlags, ...extraNodeArgs],
  )
  const headers = { authorization: `Bearer ${UPSTREAM_KEY}` }
  const path = "/v1/chat/completions"
  return {
    ok: true,
    target: {
      id: "bare",
      label: "bare proxy",
      origin: `http://127.0.0.1:${port}`,
      pid: child.pid,
      request: (kind) => {
        if (kind === "fallback") return undefined
        const model = kind === "slow" ? "bench-slow" : "bench-model"
        return { path, headers, body: chatBody(model, isStream(kind)) }
      },
      stop: child.stop,
    },
  }
}
