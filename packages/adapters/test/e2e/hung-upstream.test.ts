/**
 * A hung upstream costs a request a bounded share of its deadline, not all of it: each attempt's
 * time-to-first-byte limit leaves time for a fallback and, once the endpoint's time to first token is
 * measured, follows it (× `attemptTimeoutMultiplier`, not below `attemptTimeoutFloorMs`). (Before: with
 * `requestTimeoutMs: 8000` and an upstream that accepts and never answers, requests that tried it first
 * waited 8.17 s and got 504 `deadline_exceeded` instead of falling back.)
 */
import { Router } from "@switchyard/core"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { startFaultUpstream } from "../support/fault-upstream.js"
import { type Stack, startStack } from "../support/stack.js"

let upstream: Awaited<ReturnType<typeof startFaultUpstream>>
let stack: Stack
const logged: Array<string> = []

const DEADLINE_MS = 4000
const endpoint = (provider: string, upstreamModel: string, price: number) => ({
  provider,
  upstreamModel,
  price: { prompt: price, completion: price },
  contextLength: 10_000,
})

beforeAll(async () => {
  upstream = await startFaultUpstream()
  const loop = (slug: string) => ({ slug, kind: "openai-compatible", options: { baseUrl: upstream.baseUrl } })
  stack = await startStack(
    {
      providers: [loop("hung"), loop("healthy"), loop("usually-fast")],
      models: [
        // the hung endpoint is the cheapest: every price-sorted request tries it first
        { id: "test/hung-first", endpoints: [endpoint("hung", "hang", 1), endpoint("healthy", "ok", 2)] },
        {
          id: "test/measured",
          endpoints: [endpoint("usually-fast", "switchable", 1), endpoint("healthy", "ok", 2)],
        },
      ],
      routing: {
        requestTimeoutMs: DEADLINE_MS,
        attemptTimeoutFloorMs: 100,
      },
      logging: { level: "warn", format: "json" },
    },
    { logSink: (line) => logged.push(line) },
  )
})
afterAll(async () => {
  await stack.close()
  await upstream.close()
})

const ask = async (model: string) => {
  const started = Date.now()
  const r = await fetch(`${stack.url}/v1/chat/completions`, {
    method: "POST",
    headers: { "x-switchyard-trace": "true" },
    body: JSON.stringify({ model, messages: [{ role: "user", content: "hi" }], provider: { sort: "price" } }),
  })
  const body = await r.json()
  return { status: r.status, ms: Date.now() - started, body }
}

describe("an upstream that accepts and never answers", () => {
  it("with no measurement yet, the attempt gets half the time left and the fallback serves in time", async () => {
    const { status, ms, body } = await ask("test/hung-first")
    expect(status).toBe(200)
    expect(body.provider).toBe("healthy")
    expect(body.switchyard_trace.attempts.map((a: { outcome: string }) => a.outcome)).toEqual(["timeout", "success"])
    expect(ms).toBeGreaterThanOrEqual(DEADLINE_MS / 2 - 50)
    expect(ms).toBeLessThan(DEADLINE_MS)
  })

  it("once the endpoint's time to first token is measured, an attempt is cut at a few times its p99", async () => {
    upstream.setSwitchable("ok")
    for (let i = 0; i < 8; i++) expect((await ask("test/measured")).body.provider).toBe("usually-fast")
    // live stats summaries refresh once a second
    await new Promise((r) => setTimeout(r, 1100))
    const statuses = await stack.runtime.runPromise(Router.use((r) => r.endpointStatus("test/measured")))
    const p99Ms = statuses.find((s) => s.endpoint.provider === "usually-fast")!.latency!.p99 * 1000
    upstream.setSwitchable("hang")
    const { status, body } = await ask("test/measured")
    expect(status).toBe(200)
    expect(body.provider).toBe("healthy")
    const [cut] = body.switchyard_trace.attempts
    expect(cut.outcome).toBe("timeout")
    // 4 × p99 (or the 100 ms floor), with some slack for timers on a loaded machine — not half the deadline
    const limit = Math.max(100, 4 * p99Ms)
    expect(limit).toBeLessThan(DEADLINE_MS / 2)
    expect(cut.endedAt - cut.startedAt).toBeGreaterThanOrEqual(limit - 1)
    expect(cut.endedAt - cut.startedAt).toBeLessThan(Math.min(limit + 500, DEADLINE_MS / 2))
  })

  it("the config load warned that the default attempt timeout is not below the deadline", () => {
    const warnings = logged.filter((l) =>
      l.includes("attemptTimeoutMs (60000 ms) is not below routing.requestTimeoutMs"),
    )
    expect(warnings).toHaveLength(1)
  })
})
