import { estimatePromptTokens, type JsonObject } from "@switchyard/core"
import { afterAll, describe, expect, it } from "vitest"
import { createGateway, EXPOSED_HEADERS } from "../../src/index.js"
import { call, isErrorEnvelope, sseEvents } from "../support/call.js"
import { eventually } from "../support/listen.js"
import { captureLogs } from "../support/logs.js"
import { surfaceRuntime } from "../support/surface-router.js"

const log = captureLogs()
const { runtime, probe } = surfaceRuntime(log.layer)
const gateway = createGateway({
  runtime,
  logRequests: true,
  keys: [
    { name: "team-a", key: "sk-gw-alpha" },
    { name: "critical", key: "sk-gw-critical", defaults: { priority: "critical", escalation: "allow" } },
  ],
})
afterAll(() => runtime.dispose())

const auth = { authorization: "Bearer sk-gw-alpha" }
const hello = { model: "google/gemini-2.5-pro-preview", messages: [{ role: "user", content: "Hello" }] }
const post = (body: unknown, headers: Record<string, string> = auth) =>
  call(gateway, { path: "/v1/chat/completions", headers, body })

describe("POST /v1/chat/completions (HTTP surface)", () => {
  it("answers the router's body with provider, attempts, model, request id and CORS headers", async () => {
    const r = await post(hello, { ...auth, "x-request-id": "req-42" })
    expect(r.status).toBe(200)
    expect(r.json.choices[0].message.content).toBe("Hello!")
    expect(r.headers["x-switchyard-provider"]).toBe("cheap")
    expect(r.headers["x-switchyard-attempts"]).toBe("1")
    expect(r.headers["x-switchyard-model"]).toBe("google/gemini-2.5-pro-preview")
    expect(r.headers["x-request-id"]).toBe("req-42")
    expect(r.headers["access-control-allow-origin"]).toBe("*")
    expect(r.headers["access-control-expose-headers"]).toBe(EXPOSED_HEADERS)
    for (const h of ["retry-after", "retry-after-ms", "x-request-id", "x-switchyard-provider"])
      expect(EXPOSED_HEADERS.split(", ")).toContain(h)
    expect(r.json.switchyard_trace).toBeUndefined()
  })

  it("generates a request id when the client sends none (or a malformed one) and hands it to the router", async () => {
    const r = await post(hello, { ...auth, "x-request-id": "bad id\nwith newline" })
    expect(r.headers["x-request-id"]).toMatch(/^[0-9a-f-]{36}$/)
    expect(probe.requests.at(-1)?.requestId).toBe(r.headers["x-request-id"])
  })

  it("passes the parsed body through with the routing subset decoded and core's prompt estimate (no byte-length guess)", async () => {
    const body = { ...hello, temperature: 0.3, provider: { order: ["google-vertex/pt"], allow_fallbacks: true } }
    await post(body)
    const seen = probe.requests.at(-1)!
    expect(seen.body).toEqual(body)
    expect(seen.routing.provider).toEqual({ order: ["google-vertex/pt"], allow_fallbacks: true })
    expect(seen.estimatedPromptTokens).toBe(estimatePromptTokens(body as JsonObject))
    expect(seen.keyDefaults).toBeUndefined()
  })

  it("passes the key's routing defaults to the router", async () => {
    await post(hello, { authorization: "Bearer sk-gw-critical" })
    expect(probe.requests.at(-1)?.keyDefaults).toEqual({ priority: "critical", escalation: "allow" })
  })

  it("trace opt-in by header returns the RouteTrace as top-level switchyard_trace", async () => {
    const r = await post({ ...hello, model: "escalate" }, { ...auth, "x-switchyard-trace": "true" })
    expect(r.status).toBe(200)
    expect(r.headers["x-switchyard-provider"]).toBe("google-vertex/pt")
    expect(r.headers["x-switchyard-attempts"]).toBe("2")
    expect(r.json.switchyard_trace.attempts.map((a: { outcome: string }) => a.outcome)).toEqual([
      "rate_limited",
      "success",
    ])
  })

  it("trace opt-in by body field is stripped before the router (and upstream) sees the body", async () => {
    const r = await post({ ...hello, switchyard_trace: true })
    expect(r.json.switchyard_trace.requestId).toBe(r.headers["x-request-id"])
    expect(probe.requests.at(-1)?.body).not.toHaveProperty("switchyard_trace")
  })

  describe("client mistakes are 4xx in the error envelope", () => {
    it.each([
      ["missing key", undefined, 401, "invalid_api_key"],
      ["unknown key", "Bearer sk-gw-nope", 401, "invalid_api_key"],
      ["wrong scheme", "Basic sk-gw-alpha", 401, "invalid_api_key"],
    ])("%s → 401", async (_name, authorization, status, code) => {
      const r = await post(hello, authorization === undefined ? {} : { authorization })
      expect(r.status).toBe(status)
      expect(r.json.error.code).toBe(code)
      expect(r.headers["www-authenticate"]).toContain("Bearer")
    })

    it.each([
      ["joined by Web Headers / API Gateway", "Bearer sk-gw-alpha, Bearer sk-gw-nope"],
      ["repeated (Node)", ["Bearer sk-gw-alpha", "Bearer sk-gw-alpha"]],
    ])("two Authorization headers, %s → 400, on chat and models routes", async (_how, authorization) => {
      for (const path of ["/v1/chat/completions", "/v1/models"]) {
        const r = await gateway
          .handle({
            method: path === "/v1/models" ? "GET" : "POST",
            path,
            headers: { authorization },
            body: new TextEncoder().encode(JSON.stringify(hello)),
          })
          .then((res) => ({ status: res.status, json: JSON.parse(String(res.body)) }))
        expect(r.status).toBe(400)
        expect(r.json.error.code).toBe("multiple_authorization_headers")
      }
    })

    it("invalid JSON → 400 invalid_json", async () => {
      const r = await call(gateway, { path: "/v1/chat/completions", headers: auth, raw: '{"model": "x", ' })
      expect(r.status).toBe(400)
      expect(r.json.error).toMatchObject({ type: "invalid_request_error", code: "invalid_json" })
    })

    it.each([["[1,2]"], ["null"], ['"text"'], ["42"]])("a JSON body that is not an object (%s) → 400", async (raw) => {
      const r = await call(gateway, { path: "/v1/chat/completions", headers: auth, raw })
      expect(r.status).toBe(400)
      expect(isErrorEnvelope(r.json)).toBe(true)
    })

    it.each([
      [{ model: "m" }, "messages"],
      [{ model: "m", messages: [] }, "messages"],
      [{ model: "m", messages: [{ role: "wizard", content: "x" }] }, "messages.0.role"],
      [{ model: "m", messages: [{ role: "user", content: "x" }], provider: { sort: "cheapest" } }, "provider.sort"],
      [{ model: "m", messages: [{ role: "user", content: "x" }], max_tokens: -1 }, "max_tokens"],
      [{ model: 7, messages: [{ role: "user", content: "x" }] }, "model"],
      [{ messages: [{ role: "user", content: "x" }] }, "model"],
    ])("schema violation %j → 400 with param %s", async (body, param) => {
      const r = await post(body)
      expect(r.status).toBe(400)
      expect(r.json.error.type).toBe("invalid_request_error")
      expect(r.json.error.param).toBe(param)
    })

    it("a body over the limit → 413", async () => {
      const small = createGateway({ runtime, maxBodyBytes: 64 })
      const r = await call(small, { path: "/v1/chat/completions", body: { ...hello, pad: "x".repeat(100) } })
      expect(r.status).toBe(413)
      expect(r.json.error.code).toBe("request_too_large")
    })
  })

  it("streams SSE: data frames, [DONE], SSE headers, provider once", async () => {
    const r = await post({ ...hello, stream: true })
    expect(r.status).toBe(200)
    expect(r.headers["content-type"]).toBe("text/event-stream; charset=utf-8")
    expect(r.headers["cache-control"]).toContain("no-cache")
    expect(r.headers["x-switchyard-provider"]).toBe("cheap")
    expect(r.headers["x-switchyard-attempts"]).toBe("1")
    expect(r.text.endsWith("data: [DONE]\n\n")).toBe(true)
    const events = sseEvents(r.text)
    expect(events.at(-1)).toBe("[DONE]")
    const chunks = events.slice(0, -1).map((e) => JSON.parse(e))
    expect(chunks.map((c) => c.choices[0].delta.content ?? "").join("")).toBe("Hello")
    expect(chunks.filter((c) => "provider" in c)).toHaveLength(1)
    expect(chunks.some((c) => "switchyard_trace" in c)).toBe(false)
  })

  it("a defect mid-stream ends the stream in-band (error chunk, finish_reason error, [DONE]) and leaks nothing", async () => {
    const r = await post({ ...hello, model: "stream-defect", stream: true })
    expect(r.status).toBe(200)
    const events = sseEvents(r.text)
    expect(events.at(-1)).toBe("[DONE]")
    const last = JSON.parse(events.at(-2)!)
    expect(last.error.code).toBe("internal_error")
    expect(last.choices[0].finish_reason).toBe("error")
    expect(r.text).not.toContain("sk-live")
  })

  it("streams with the trace on the final chunk only", async () => {
    const r = await post({ ...hello, stream: true }, { ...auth, "x-switchyard-trace": "true" })
    const chunks = sseEvents(r.text)
      .slice(0, -1)
      .map((e) => JSON.parse(e))
    expect(chunks).toHaveLength(3)
    expect(chunks.map((c) => "switchyard_trace" in c)).toEqual([false, false, true])
    expect(chunks[2].choices[0].finish_reason).toBe("stop")
    expect(chunks[2].switchyard_trace.servedBy).toBe("google-vertex/pt")
  })
})

describe("routes, methods and CORS", () => {
  it("unknown route → 404 envelope; wrong method → 405 with allow", async () => {
    const missing = await call(gateway, { path: "/v2/nothing" })
    expect(missing.status).toBe(404)
    expect(isErrorEnvelope(missing.json)).toBe(true)
    const wrong = await call(gateway, { method: "GET", path: "/v1/chat/completions" })
    expect(wrong.status).toBe(405)
    expect(wrong.headers.allow).toContain("POST")
    expect(isErrorEnvelope(wrong.json)).toBe(true)
    const put = await call(gateway, { method: "PUT", path: "/v1/models", raw: "{}" })
    expect(put.status).toBe(405)
  })

  it("answers an OPTIONS preflight with the methods and the requested headers", async () => {
    const r = await call(gateway, {
      method: "OPTIONS",
      path: "/v1/chat/completions",
      headers: {
        origin: "https://app.example",
        "access-control-request-headers": "authorization, content-type, x-stainless-os",
      },
    })
    expect(r.status).toBe(204)
    expect(r.headers["access-control-allow-origin"]).toBe("*")
    expect(r.headers["access-control-allow-methods"]).toContain("POST")
    expect(r.headers["access-control-allow-headers"]).toBe("authorization, content-type, x-stainless-os")
  })

  it("tolerates a query string and a trailing slash", async () => {
    const r = await call(gateway, { path: "/v1/chat/completions/?x=1", headers: auth, body: hello })
    expect(r.status).toBe(200)
  })

  it("GET /healthz", async () => {
    const r = await call(gateway, { path: "/healthz" })
    expect(r.status).toBe(200)
    expect(r.json).toEqual({ status: "ok", state: "ok", backend: "memory" })
  })
})

describe("auth configuration", () => {
  it("with no keys the gateway is open and says so in the log", async () => {
    const open = createGateway({ runtime })
    const r = await call(open, { path: "/v1/chat/completions", body: hello })
    expect(r.status).toBe(200)
    expect(log.records()).toContainEqual(
      expect.objectContaining({ level: "warn", msg: expect.stringMatching(/no gateway keys configured/) }),
    )
  })

  it("setKeys replaces the keys (config reload)", async () => {
    const g = createGateway({ runtime, keys: [{ name: "old", key: "sk-old" }] })
    g.setKeys([{ name: "new", key: "sk-new" }])
    expect(
      (await call(g, { path: "/v1/chat/completions", headers: { authorization: "Bearer sk-old" }, body: hello }))
        .status,
    ).toBe(401)
    expect(
      (await call(g, { path: "/v1/chat/completions", headers: { authorization: "Bearer sk-new" }, body: hello }))
        .status,
    ).toBe(200)
  })

  it("logs one line per request: request id, key name, model, endpoint, attempts, escalation, status, latency", async () => {
    const tp = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"
    await post({ ...hello, model: "escalate" }, { ...auth, "x-request-id": "req-log-1", traceparent: tp })
    expect(probe.requests.at(-1)?.traceparent).toBe(tp)
    expect(log.records().filter((l) => l.request_id === "req-log-1")).toEqual([
      expect.objectContaining({
        level: "info",
        msg: "request",
        key: "team-a",
        model: "google/gemini-2.5-pro-preview",
        endpoint: "google/gemini-2.5-pro-preview@google-vertex/pt",
        provider: "google-vertex/pt",
        attempts: 2,
        escalated: true,
        status: 200,
        stream: false,
        latency_ms: 250,
      }),
    ])
    await post({ ...hello, model: "rate-limited" }, { ...auth, "x-request-id": "req-log-2" })
    await post(hello, { "x-request-id": "req-log-3", traceparent: tp })
    await post({ ...hello, stream: true }, { ...auth, "x-request-id": "req-log-4" }).then(() =>
      eventually(() => log.records().some((l) => l.request_id === "req-log-4")),
    )
    const byId = (id: string) => log.records().find((l) => l.request_id === id)
    expect(byId("req-log-2")).toMatchObject({ status: 429, error_code: "capacity_exhausted", attempts: 1 })
    // rejected before routing: no key name, the client's trace id from its traceparent
    expect(byId("req-log-3")).toMatchObject({
      status: 401,
      error_code: "invalid_api_key",
      attempts: 0,
      trace_id: "4bf92f3577b34da6a3ce929d0e0e4736",
    })
    expect(byId("req-log-3")).not.toHaveProperty("key")
    expect(byId("req-log-4")).toMatchObject({ status: 200, stream: true, key: "team-a" })
  })

  it("never logs a key", () => {
    expect(log.lines.length).toBeGreaterThan(10)
    expect(log.text()).not.toContain("sk-gw")
  })
})
