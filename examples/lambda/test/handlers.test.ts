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
