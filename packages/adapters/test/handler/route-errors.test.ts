import { afterAll, describe, expect, it } from "vitest"
import { createGateway } from "../../src/index.js"
import { call, isErrorEnvelope } from "../support/call.js"
import { surfaceRuntime } from "../support/surface-router.js"

const { runtime } = surfaceRuntime()
const gateway = createGateway({ runtime })
afterAll(() => runtime.dispose())

const chat = (model: string, extra: Record<string, unknown> = {}) =>
  call(gateway, {
    path: "/v1/chat/completions",
    body: { model, messages: [{ role: "user", content: "Hi" }], ...extra },
  })

const expectEnvelope = (json: unknown) => expect(isErrorEnvelope(json)).toBe(true)

describe("router errors → HTTP status, envelope and headers", () => {
  it("AllRateLimited from upstreams → 429 capacity_exhausted with retry-after-ms, retry-after (ceil s) and origin", async () => {
    const r = await chat("rate-limited")
    expect(r.status).toBe(429)
    expectEnvelope(r.json)
    expect(r.json.error).toMatchObject({
      type: "rate_limit_error",
      code: "capacity_exhausted",
      metadata: { origin: "upstream", retry_after_ms: 1500 },
    })
    expect(r.json.error.message).toContain("upstream")
    expect(r.headers["retry-after-ms"]).toBe("1500")
    expect(r.headers["retry-after"]).toBe("2")
    expect(r.headers["x-switchyard-ratelimit-origin"]).toBe("upstream")
    expect(r.headers["x-switchyard-attempts"]).toBe("1")
  })

  it("AllRateLimited predicted by the gateway says so", async () => {
    const r = await chat("gateway-limited")
    expect(r.status).toBe(429)
    expect(r.json.error.metadata.origin).toBe("gateway")
    expect(r.headers["retry-after-ms"]).toBe("250")
    expect(r.headers["retry-after"]).toBe("1")
    expect(r.headers["x-switchyard-ratelimit-origin"]).toBe("gateway")
  })

  it("NoEndpoint → 404 naming, per endpoint, what excluded it", async () => {
    const r = await chat("no-endpoint")
    expect(r.status).toBe(404)
    expectEnvelope(r.json)
    expect(r.json.error).toMatchObject({ code: "no_endpoints", param: "provider" })
    expect(r.json.error.metadata.excluded_by).toEqual([
      {
        endpoint: "google/gemini-2.5-pro-preview@cheap",
        model: "google/gemini-2.5-pro-preview",
        reasons: ["max_price"],
      },
      {
        endpoint: "google/gemini-2.5-pro-preview@google-vertex/pt",
        model: "google/gemini-2.5-pro-preview",
        reasons: ["pool:provisioned"],
      },
    ])
    expect(r.json.error.message).toContain("max_price")
    expect(r.json.error.message).toContain("pool:provisioned")
  })

  it("UpstreamFailed → its httpStatus, with the upstream's error type", async () => {
    const r = await chat("upstream-503")
    expect(r.status).toBe(503)
    expect(r.json.error).toMatchObject({
      type: "upstream_error",
      code: "provider_overloaded",
      metadata: { upstream_status: 529 },
    })
  })

  it("DeadlineExceeded → 504", async () => {
    const r = await chat("deadline")
    expect(r.status).toBe(504)
    expect(r.json.error).toMatchObject({ type: "timeout_error", code: "deadline_exceeded" })
  })

  it("StateUnavailable (shared state down, onError closed) → 503 state_unavailable with retry-after", async () => {
    const r = await chat("state-closed")
    expect(r.status).toBe(503)
    expectEnvelope(r.json)
    expect(r.json.error).toMatchObject({ type: "server_error", code: "state_unavailable" })
    expect(r.headers["retry-after"]).toBe("1")
  })

  it("InvalidRequest from the router → 400 with its param", async () => {
    const r = await chat("bad-param")
    expect(r.status).toBe(400)
    expect(r.json.error).toMatchObject({ type: "invalid_request_error", param: "provider.only" })
  })

  it("ModelNotFound → 404 model_not_found", async () => {
    const r = await chat("unknown")
    expect(r.status).toBe(404)
    expect(r.json.error).toMatchObject({ code: "model_not_found", param: "model" })
  })

  it("a defect in the router → 500 with a generic message that leaks nothing", async () => {
    const r = await chat("defect")
    expect(r.status).toBe(500)
    expect(r.json.error).toEqual({
      message: "Internal gateway error",
      type: "server_error",
      param: null,
      code: "internal_error",
    })
    expect(r.text).not.toContain("sk-live")
  })

  it("with the trace opt-in, an error carries the trace next to `error`", async () => {
    const r = await call(gateway, {
      path: "/v1/chat/completions",
      headers: { "x-switchyard-trace": "true" },
      body: { model: "rate-limited", messages: [{ role: "user", content: "Hi" }] },
    })
    expect(r.status).toBe(429)
    expect(r.json.switchyard_trace.attempts[0].outcome).toBe("rate_limited")
  })

  it("streamed requests failing before the first chunk get a real HTTP error, not 200 + SSE", async () => {
    const r = await chat("rate-limited", { stream: true })
    expect(r.status).toBe(429)
    expect(r.headers["content-type"]).toBe("application/json")
    expect(r.headers["retry-after-ms"]).toBe("1500")
  })
})
