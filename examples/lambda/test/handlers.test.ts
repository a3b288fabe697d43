import { readFileSync } from "node:fs"
import { Writable } from "node:stream"
import type { APIGatewayProxyEventV2 } from "aws-lambda"
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest"

const event = (name: string) =>
  JSON.parse(readFileSync(new URL(`./events/${name}`, import.meta.url), "utf8")) as APIGatewayProxyEventV2
const context = { getRemainingTimeInMillis: () => 30_000 }

interface Captured {
  prelude?: { statusCode: number; headers?: Record<string, string> } | undefined
  chunks: Array<string>
  ended: boolean
}
const captured: Array<Captured> = []

beforeAll(() => {
  vi.stubEnv("SWITCHYARD_GATEWAY_KEY", "sk-lambda-test")
  // The Lambda Node.js runtime's global, as hono's runtime tests stub it.
  vi.stubGlobal("awslambda", {
    streamifyResponse: (fn: unknown) => fn,
    HttpResponseStream: {
      from: (stream: Writable, prelude: Captured["prelude"]) => {
        const c = captured.at(-1)
        if (c) c.prelude = prelude
        return stream
      },
    },
  })
})
afterAll(() => {
  vi.unstubAllGlobals()
  vi.unstubAllEnvs()
})

describe("the gateway on Lambda", () => {
  it("buffered handler answers an API Gateway v2 event (stage stripped from the path)", async () => {
    const { handler } = await import("../src/buffered.js")
    const r = await handler(event("api-gateway-v2.json"), context)
    expect(r.statusCode).toBe(200)
    const body = JSON.parse(r.body)
    expect(body.choices[0].message.content).toBeTruthy()
    expect(["cheap", "backup"]).toContain(body.provider)
    expect(r.headers["x-switchyard-provider"]).toBe(body.provider)
  })

  it("buffered handler rejects a missing key with 401 in the OpenAI envelope", async () => {
    const { handler } = await import("../src/buffered.js")
    const e = event("api-gateway-v2.json")
    const r = await handler({ ...e, headers: { ...e.headers, authorization: "Bearer nope" } }, context)
    expect(r.statusCode).toBe(401)
    expect(JSON.parse(r.body).error).toMatchObject({ code: "invalid_api_key", type: "authentication_error" })
  })

  it("streaming handler writes the prelude, SSE frames as they come, and ends the stream", async () => {
    const { handler } = await import("../src/streaming.js")
    const c: Captured = { chunks: [], ended: false }
    captured.push(c)
    const stream = new Writable({
      write(chunk: Buffer, _e, cb) {
        c.chunks.push(chunk.toString())
        cb()
      },
      final(cb) {
        c.ended = true
        cb()
      },
    })
    await handler(event("function-url-stream.json"), stream, context)
    expect(c.prelude?.statusCode).toBe(200)
    expect(c.prelude?.headers?.["content-type"]).toContain("text/event-stream")
    expect(c.chunks.length).toBeGreaterThan(2)
    expect(c.chunks.join("").endsWith("data: [DONE]\n\n")).toBe(true)
    expect(c.ended).toBe(true)
  })
})

describe("many Lambda instances, one Redis", () => {
  it("concurrent instances share one live state: a cooldown learned by one keeps the other off the endpoint", async () => {
    const { startRedis } = await import("@switchyard/redis/testing")
    const { makeGateway } = await import("../src/gateway.js")
    const { createLambdaHandler } = await import("@switchyard/adapters/lambda")
    const redis = await startRedis()
    const env = { SWITCHYARD_GATEWAY_KEY: "sk-lambda-test", SWITCHYARD_REDIS_URL: redis.url }
    const [a, b] = await Promise.all([makeGateway(env), makeGateway(env)])
    try {
      const healthz = await a.gateway.handle({ method: "GET", path: "/healthz", headers: {}, body: new Uint8Array() })
      expect(JSON.parse(String(healthz.body))).toEqual({ status: "ok", state: "ok", backend: "redis" })
      // Instance A learns a 60 s cooldown of the `cheap` endpoint; instance B routes around it at once.
      const health = await a.runtime.runPromise(
        (await import("@switchyard/core")).Health.use((h) =>
          h.record("acme/assistant@cheap", { _tag: "RateLimited", retryAfterMs: 60_000 }, false),
        ),
      )
      expect(health).toBeUndefined()
      await new Promise((resolve) => setTimeout(resolve, 50))
      const r = await createLambdaHandler(b.gateway)(event("api-gateway-v2.json"), context)
      expect(r.statusCode).toBe(200)
      expect(JSON.parse(r.body).provider).toBe("backup")
    } finally {
      await a.close()
      await b.close()
      await redis.stop()
    }
  }, 30_000)
})
