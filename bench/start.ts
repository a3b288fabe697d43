// Starting a target and checking it actually serves before it is measured.
import { request } from "undici"
import { startPortkey } from "./portkey.js"
import { startSwitchyard } from "./switchyard.js"
import { type RequestKind, type Started, startBare, type Target, type TargetId } from "./targets.js"

export const describe = (e: unknown): string => (e instanceof Error ? e.message : String(e))

/** Sends one request of `kind`; returns what went wrong, or undefined when it answered 200 (SSE: up to [DONE]). */
export const probe = async (target: Target, kind: RequestKind): Promise<string | undefined> => {
  const req = target.request(kind)
  if (!req) return undefined
  try {
    const res = await request(`${target.origin}${req.path}`, {
      method: "POST",
      headers: { "content-type": "application/json", ...req.headers },
      body: req.body,
      headersTimeout: 15_000,
      bodyTimeout: 15_000,
    })
    const text = await res.body.text()
    if (res.statusCode !== 200) return `${kind} probe answered ${res.statusCode}: ${text.slice(0, 300)}`
    if (kind === "sse" && !text.includes("[DONE]")) return `sse probe did not end with [DONE]: ${text.slice(0, 300)}`
    return undefined
  } catch (e) {
    return `${kind} probe failed: ${describe(e)}`
  }
}

export interface StartOutcome {
  readonly started: Started
  /** Probes other than JSON that failed: the target is still measured, and the failures show in its rows. */
  readonly warnings: ReadonlyArray<string>
}

const starters = {
  bare: (upstream: string) => startBare(upstream),
  switchyard: (upstream: string) => startSwitchyard(upstream),
  "switchyard-redis": (upstream: string, redis?: BenchRedis) =>
    redis === undefined
      ? Promise.reject(new Error("no redis-server"))
      : startSwitchyard(upstream, [], redis.url, redis.pid),
  portkey: startPortkey,
} as const
const labels = {
  bare: "bare proxy",
  switchyard: "Switchyard",
  "switchyard-redis": "Switchyard + Redis",
  portkey: "Portkey",
} as const

/** The redis-server of the Redis target. */
export interface BenchRedis {
  readonly url: string
  readonly pid: number | undefined
}

/** Starts a target; it is unavailable when it cannot start or does not answer a plain JSON completion. */
export const startTarget = async (
  id: Exclude<TargetId, "direct">,
  upstream: string,
  redis?: BenchRedis,
): Promise<StartOutcome> => {
  try {
    const started = await starters[id](upstream, redis)
    if (!started.ok) return { started, warnings: [] }
    const target = started.target
    const fatal = await probe(target, "json")
    if (fatal) {
      await target.stop()
      return { started: { ok: false, id, label: target.label, reason: fatal }, warnings: [] }
    }
    const warnings: Array<string> = []
    for (const kind of ["sse", "fallback"] as const) {
      const problem = await probe(target, kind)
      if (problem) warnings.push(problem)
    }
    return { started, warnings }
  } catch (e) {
    return { started: { ok: false, id, label: labels[id], reason: describe(e) }, warnings: [] }
  }
}
