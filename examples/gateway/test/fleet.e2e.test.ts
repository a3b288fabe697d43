import { mkdtempSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { type RedisServer, startRedis } from "@switchyard/redis/testing"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { type Replica, startReplica } from "./support/replica.js"
import { PROMPT_TOKENS, startTpmUpstream, type TpmUpstream } from "./support/tpm-upstream.js"

// Three gateway processes, one redis-server, one loopback upstream that meters tokens per minute
// and answers 429 above its limit. Switchyard's shared meter keeps the fleet within the limit.
//
// The upstream meters on its own timeline, a transit behind the fleet's. The fleet's bucket takes a charge when a
// replica admits the request, the upstream's when the request arrives (after the gateway's work and both event
// loops). Both drain LIMIT / 60 s = 100 tokens/s and neither empties from the first request below the limit to the
// end of the escalation test, so the upstream's level is the fleet's plus 100 tokens/s × (transit of that first
// request − transit of the current one). The burst above the limit fills the fleet's bucket to within a request
// (210 tokens) of LIMIT; when it lasts long enough (tens of ms, on a loaded machine) for the bucket to drain room
// for one more, that one is admitted with the fleet's bucket at LIMIT to the token, and the upstream, a few tokens
// fuller, refused it. That was the flake "above the limit without/with escalation … an upstream 429: expected 1
// to be 0" (the second test only inherits the count): under two busy loops plus the other sessions' work (load
// 8–10) it failed 1 run in 18, the refused request 1.9 tokens (19 ms of drain) over the limit, no replica
// degraded, no backend error — nothing admitted above the limit on the fleet's timeline. The fleet-vs-upstream
// offset measured 55–590 ms with a cold first request, 7–230 ms after the warm-up below; with the fix, 2 runs in 35
// had a request 5.9 and 17.1 tokens over the bare limit (the same case, now allowed).
// The fix: the upstream allows TRANSIT_MS of transit — it refuses above LIMIT + 100 tokens (under half a request),
// ≥ 4× the largest offset seen — and each replica's first request to it (its connection, the code's first run) is
// an unmetered warm-up, so the busy period does not start with a cold transit. 0 failures in 20 loaded runs after.
// It still fails when the fleet overshoots: with admission answered from each replica's local meter the burst got
// 13 upstream 429s, with a meter admitting 2 requests' worth too much (LIMIT + 420) 2 upstream 429s.

const LIMIT = 6_000
const MAX_TOKENS = 200
/** What one request costs the upstream's meter. */
const CHARGE = PROMPT_TOKENS + MAX_TOKENS
/** The longest admission-to-arrival transit the upstream's meter allows for (see above). */
const TRANSIT_MS = 1_000
const TRANSIT_TOKENS = (TRANSIT_MS * LIMIT) / 60_000
const MODEL = "fleet/model"
const TTL_MS = 1_500

let redis: RedisServer
let upstream: TpmUpstream
let replicas: Array<Replica> = []

const config = (baseUrl: string, redisUrl: string) => ({
  providers: [
    { slug: "loop", kind: "openai-compatible", options: { baseUrl } },
    { slug: "loop-pt", kind: "openai-compatible", options: { baseUrl } },
  ],
  models: [
    {
      id: MODEL,
      endpoints: [
        {
          provider: "loop",
          upstreamModel: "std",
          price: { prompt: 1, completion: 2 },
          contextLength: 100_000,
          capacity: { tokensPerMinute: LIMIT },
        },
        {
          provider: "loop-pt",
          upstreamModel: "pt",
          pool: "provisioned",
          price: { prompt: 2, completion: 4 },
          contextLength: 100_000,
          capacity: { tokensPerMinute: 600_000 },
        },
      ],
    },
    {
      id: "fleet/cool",
      endpoints: [
        { provider: "loop", upstreamModel: "cool", price: { prompt: 1, completion: 2 }, contextLength: 100_000 },
      ],
    },
    {
      id: "fleet/warm",
      endpoints: [
        { provider: "loop", upstreamModel: "warm", price: { prompt: 1, completion: 2 }, contextLength: 100_000 },
      ],
    },
    {
      id: "fleet/hang",
      endpoints: [
        {
          provider: "loop",
          upstreamModel: "hang",
          price: { prompt: 1, completion: 2 },
          contextLength: 100_000,
          capacity: { tokensPerMinute: 100_000 },
        },
      ],
    },
  ],
  routing: { admission: true, escalation: "allow", maxRetrySleepMs: 0 },
  // A generous timeout: on a loaded CI machine a slow answer would fail the replica over to local state. Leases that
  // outlive every test's steps (the default is 100 ms): the 429 test checks that another replica's news ends them.
  state: { redis: { url: redisUrl, timeoutMs: 2_000, reservationTtlMs: TTL_MS, leaseMs: 10_000 } },
})

const chat = (r: Replica, body: Record<string, unknown>, signal?: AbortSignal) =>
  fetch(`${r.url}/v1/chat/completions`, {
    method: "POST",
    headers: { "content-type": "application/json", "x-switchyard-trace": "true" },
    body: JSON.stringify({ messages: [{ role: "user", content: "hi" }], max_tokens: MAX_TOKENS, ...body }),
    ...(signal !== undefined && { signal }),
  })
// biome-ignore lint/suspicious/noExplicitAny: test reads of the gateway's JSON answers
const json = (res: Response) => res.json() as Promise<Record<string, any>>
const healthz = async (r: Replica) => (await json(await fetch(`${r.url}/healthz`))).state as string
/** A replica's `switchyard_state_backend_errors_total`: Redis calls that failed or timed out (answered locally). */
const backendErrors = async (r: Replica) => {
  const metrics = await (await fetch(`${r.url}/metrics`)).text()
  return Number(/switchyard_state_backend_errors_total\{backend="redis"\} (\d+)/.exec(metrics)?.[1])
}
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))
const until = async (what: () => Promise<boolean>, ms = 15_000) => {
  const end = Date.now() + ms
  while (!(await what())) {
    if (Date.now() > end) throw new Error("condition not reached in time")
    await sleep(100)
  }
}

beforeAll(async () => {
  redis = await startRedis()
  upstream = await startTpmUpstream({ std: LIMIT }, { transitMs: TRANSIT_MS })
  const dir = mkdtempSync(join(tmpdir(), "switchyard-fleet-"))
  const file = join(dir, "fleet.json")
  writeFileSync(file, JSON.stringify(config(upstream.baseUrl, redis.url)))
  replicas = await Promise.all([startReplica(file), startReplica(file), startReplica(file)])
  // A replica started on a loaded machine can miss `connectTimeoutMs` (2 s, connection and function load) and
  // start degraded, as documented (seen once in 35 loaded runs, failing the burst's old "no degraded line" check);
  // it resumes on its next check (100 ms backoff), before it gets any traffic.
  await until(async () => (await Promise.all(replicas.map(healthz))).every((s) => s === "ok"))
  // Each replica's first request to the upstream (its connection, the code path's first run) is not metered.
  for (const r of replicas) expect((await chat(r, { model: "fleet/warm" })).status).toBe(200)
}, 90_000)

afterAll(async () => {
  await Promise.all(replicas.map((r) => r.kill()))
  await upstream?.close()
  await redis?.stop()
})

describe("three replicas share one Redis", () => {
  it("are connected and say so on /healthz", async () => {
    for (const r of replicas)
      expect(await json(await fetch(`${r.url}/healthz`))).toEqual({ status: "ok", state: "ok", backend: "redis" })
  })

  it("below the limit: every request is served by the standard endpoint, no upstream 429", async () => {
    const answers = await Promise.all(
      replicas.flatMap((r) => Array.from({ length: 5 }, () => chat(r, { model: MODEL }))),
    )
    expect(answers.map((a) => a.status)).toEqual(answers.map(() => 200))
    expect(answers.map((a) => a.headers.get("x-switchyard-provider"))).toEqual(answers.map(() => "loop"))
    expect(upstream.limited.get("std") ?? 0).toBe(0)
  })

  it("one endpoint table: every replica shows the same shared utilization and fleet-wide stats", async () => {
    await sleep(2_500) // stats are published every second and merged summaries cached for a second
    const tables = []
    for (const r of replicas) {
      await fetch(`${r.url}/v1/models/${MODEL}/endpoints`)
      tables.push((await json(await fetch(`${r.url}/v1/models/${MODEL}/endpoints`))).data.endpoints[0])
    }
    const [a, b, c] = tables
    // Each replica served 5: the fleet's 15 samples are in every replica's uptime and latency.
    for (const t of tables) expect(t.uptime).toBe(100)
    for (const t of [b, c]) expect(t.utilization).toBeCloseTo(a.utilization, 1)
    expect(a.utilization).toBeGreaterThan((15 * (PROMPT_ESTIMATE + MAX_TOKENS)) / LIMIT / 2)
  }, 20_000)

  it("above the limit without escalation: the fleet stays within the limit, clients get gateway 429s with retry-after-ms", async () => {
    // Every admission of the burst is decided on Redis: no replica is degraded, and none counts a backend error
    // during the burst (a Redis call that failed or outlasted `timeoutMs`, answered from the replica's local meter —
    // fail-open, documented, and a way for the fleet to overshoot; the test says so instead of blaming the meter).
    expect(await Promise.all(replicas.map(healthz))).toEqual(replicas.map(() => "ok"))
    const errors = await Promise.all(replicas.map(backendErrors))
    expect(errors.every(Number.isInteger)).toBe(true)
    const answers = await Promise.all(
      replicas.flatMap((r) =>
        Array.from({ length: 12 }, () => chat(r, { model: MODEL, provider: { escalation: "deny" } })),
      ),
    )
    expect(await Promise.all(replicas.map(backendErrors)), "a replica answered from local state (fail-open)").toEqual(
      errors,
    )
    const statuses = answers.map((a) => a.status)
    expect(statuses).toContain(429)
    expect(upstream.limited.get("std") ?? 0).toBe(0)
    const refused = answers.find((a) => a.status === 429)!
    expect(refused.headers.get("x-switchyard-ratelimit-origin")).toBe("gateway")
    expect(Number(refused.headers.get("retry-after-ms"))).toBeGreaterThan(0)
    // The fleet used its capacity: before refusing, it filled the upstream's minute to within one request of the
    // limit (give or take the transit, as above). The upper side is the upstream's: no 429 means never above it.
    expect(upstream.peak.get("std")).toBeGreaterThan(LIMIT - CHARGE - TRANSIT_TOKENS)
  })

  it("above the limit with escalation: once standard capacity is predicted full, requests escalate to PT", async () => {
    // The standard bucket is nearly full after the last test; this request's charge alone is half of it.
    // Plans are made from state hashes cached for up to `snapshotCacheMs` (50 ms; admission always reads the current
    // state): past that bound the plan sees the full bucket and escalates before any attempt on it.
    await sleep(150)
    const res = await chat(replicas[1]!, { model: MODEL, max_tokens: LIMIT / 2 })
    expect(res.status).toBe(200)
    expect(res.headers.get("x-switchyard-provider")).toBe("loop-pt")
    const trace = (await json(res)).switchyard_trace
    expect(trace.attempts.map((a: { escalation?: string }) => a.escalation)).toContain("predicted_full")
    expect(upstream.limited.get("std") ?? 0).toBe(0)
  })

  it("a 429 with retry-after seen by one replica cools the endpoint for the others, leases or not", async () => {
    // replicas 1 and 2 serve one request each first: each now holds a lease on the (untracked) endpoint and would
    // admit the next request on its own — unless replica 0's news reaches it
    for (const r of [replicas[1]!, replicas[2]!]) expect((await chat(r, { model: "fleet/cool" })).status).toBe(200)
    expect(upstream.received.get("cool")).toBe(2)
    upstream.rateLimitNext("cool", 30_000)
    const first = await chat(replicas[0]!, { model: "fleet/cool" })
    expect(first.status).toBe(429)
    expect(upstream.received.get("cool")).toBe(3)
    for (const r of [replicas[1]!, replicas[2]!]) {
      const res = await chat(r, { model: "fleet/cool" })
      expect(res.status).toBe(429)
      expect(Number(res.headers.get("retry-after-ms"))).toBeGreaterThan(20_000)
    }
    expect(upstream.received.get("cool")).toBe(3)
  })

  it("a replica killed with SIGKILL mid-request leaves no reservation behind once its TTL passes", async () => {
    const admin = redis.admin()
    const key = "switchyard:{fleet/hang@loop}:open"
    /** Reservations open fleet-wide as Redis holds them: each replica's count, until its last one expires. */
    const open = async () => {
      let n = 0
      for (const value of Object.values(await admin.hgetall(key))) {
        const [count, last] = value.split(":")
        if (Number(last) > Date.now()) n += Number(count)
      }
      return n
    }
    const victim = replicas.pop()!
    const pending = chat(victim, { model: "fleet/hang" }).catch(() => undefined)
    await until(async () => (upstream.received.get("hang") ?? 0) > 0)
    expect(await open()).toBe(1)
    await victim.kill("SIGKILL")
    await pending
    await sleep(TTL_MS + 200)
    expect(await open()).toBe(0)
  }, 20_000)

  it("Redis killed mid-run: requests keep flowing (fail-open), /healthz says degraded; restarted: sharing resumes", async () => {
    await redis.kill()
    for (const r of replicas) {
      const res = await chat(r, { model: MODEL })
      expect(res.status).toBe(200)
      expect(await healthz(r)).toBe("degraded")
    }
    const metrics = await (await fetch(`${replicas[0]!.url}/metrics`)).text()
    expect(metrics).toMatch(/switchyard_state_backend_errors_total\{backend="redis"\} [1-9]/)
    expect(metrics).toMatch(/switchyard_state_degraded\{backend="redis"\} 1/)
    await redis.restart()
    await until(async () => (await Promise.all(replicas.map(healthz))).every((s) => s === "ok"))
    // Shared again: a cooldown learned by one replica holds the other off the upstream.
    upstream.rateLimitNext("cool", 30_000)
    const before = upstream.received.get("cool") ?? 0
    // Replica 0 still has the old cooldown locally, but shared state wins while Redis is up.
    expect((await chat(replicas[0]!, { model: "fleet/cool" })).status).toBe(429)
    expect(upstream.received.get("cool")).toBe(before + 1)
    expect((await chat(replicas[1]!, { model: "fleet/cool" })).status).toBe(429)
    expect(upstream.received.get("cool")).toBe(before + 1)
    // Log lines are written in batches (a 50 ms window), so the process prints them a moment after the fact.
    await until(async () => /shared live state resumed/.test(replicas[0]!.output()))
    expect(replicas[0]!.output()).toMatch(/shared live state degraded[\s\S]*shared live state resumed/)
  }, 40_000)
})

/**
 * The gateway's prompt estimate for these bodies ("hi": 1 token + 4 for the message) — below the 10 the upstream
 * counts; the replicas learn the upstream's count from the usage of the first requests (the meter's prompt scale).
 */
const PROMPT_ESTIMATE = 5
