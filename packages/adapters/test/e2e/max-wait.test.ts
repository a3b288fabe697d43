/**
 * With every endpoint rate-limited, a client gets its 429 with `retry-after-ms` at once unless it opts
 * in to waiting with `provider.max_wait_ms` (per request, or as a gateway key's default). (Before: the
 * router waited for cooldowns inside the deadline; clients with their own retry got the 429 after a p99
 * of 6.6 s.)
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { startLoopbackUpstream } from "../support/loopback-upstream.js"
import { type Stack, startStack } from "../support/stack.js"

const RETRY_AFTER_MS = 400
let upstream: Awaited<ReturnType<typeof startLoopbackUpstream>>
let stack: Stack

beforeAll(async () => {
  upstream = await startLoopbackUpstream()
  stack = await startStack({
    providers: [{ slug: "loop", kind: "openai-compatible", options: { baseUrl: upstream.baseUrl } }],
    models: [
      {
        id: "test/limited",
        endpoints: [
          { provider: "loop", upstreamModel: "m", price: { prompt: 1, completion: 1 }, contextLength: 10_000 },
        ],
      },
    ],
    gateway: {
      keys: [
        { name: "no-wait", key: "sk-no-wait" },
        { name: "patient", key: "sk-patient", provider: { max_wait_ms: 2000 } },
      ],
    },
  })
})
afterAll(async () => {
  await stack.close()
  await upstream.close()
})

const ask = async (key: string, provider: object = {}) => {
  const started = Date.now()
  const r = await fetch(`${stack.url}/v1/chat/completions`, {
    method: "POST",
    headers: { authorization: `Bearer ${key}` },
    body: JSON.stringify({ model: "test/limited", messages: [{ role: "user", content: "hi" }], provider }),
  })
  return { status: r.status, ms: Date.now() - started, retryAfterMs: r.headers.get("retry-after-ms") }
}

describe("every endpoint rate-limited", () => {
  it("by default: 429 with retry-after-ms at once, without waiting for the cooldown", async () => {
    upstream.rateLimit(1, RETRY_AFTER_MS)
    const { status, ms, retryAfterMs } = await ask("sk-no-wait")
    expect(status).toBe(429)
    expect(Number(retryAfterMs)).toBeGreaterThan(RETRY_AFTER_MS / 2)
    expect(Number(retryAfterMs)).toBeLessThanOrEqual(RETRY_AFTER_MS)
    expect(ms).toBeLessThan(RETRY_AFTER_MS)
  })

  it("a request that sets provider.max_wait_ms waits the retry-after out and is served", async () => {
    upstream.rateLimit(1, RETRY_AFTER_MS)
    const { status, ms } = await ask("sk-no-wait", { max_wait_ms: 2000 })
    expect(status).toBe(200)
    expect(ms).toBeGreaterThanOrEqual(RETRY_AFTER_MS)
  })

  it("a gateway key's max_wait_ms default does the same; the request's own value wins over it", async () => {
    upstream.rateLimit(1, RETRY_AFTER_MS)
    expect((await ask("sk-patient")).status).toBe(200)
    upstream.rateLimit(1, RETRY_AFTER_MS)
    const own = await ask("sk-patient", { max_wait_ms: 0 })
    expect(own.status).toBe(429)
    expect(own.ms).toBeLessThan(RETRY_AFTER_MS)
  })

  it("a wait longer than max_wait_ms is not started: 429 at once", async () => {
    upstream.rateLimit(1, RETRY_AFTER_MS)
    const { status, ms } = await ask("sk-no-wait", { max_wait_ms: RETRY_AFTER_MS / 4 })
    expect(status).toBe(429)
    expect(ms).toBeLessThan(RETRY_AFTER_MS)
  })
})
