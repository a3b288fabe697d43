import { afterAll, describe, expect, it } from "vitest"
import { createGateway } from "../../src/index.js"
import { call } from "../support/call.js"
import { surfaceRuntime } from "../support/surface-router.js"

const { runtime } = surfaceRuntime()
afterAll(() => runtime.dispose())

const chat = (gateway: ReturnType<typeof createGateway>, model: string, stream = false) =>
  call(gateway, { path: "/v1/chat/completions", body: { model, stream, messages: [{ role: "user", content: "Hi" }] } })

const value = (text: string, line: string): number => {
  const found = text.split("\n").find((l) => l.startsWith(`${line} `))
  return found === undefined ? 0 : Number(found.slice(line.length + 1))
}

describe("GET /metrics", () => {
  it("counts requests, attempts, fallbacks, escalations and 429s by origin from each trace", async () => {
    const gateway = createGateway({ runtime })
    await chat(gateway, "google/gemini-2.5-pro-preview")
    await chat(gateway, "escalate")
    await chat(gateway, "rate-limited")
    await chat(gateway, "gateway-limited")
    await chat(gateway, "google/gemini-2.5-pro-preview", true)
    const r = await call(gateway, { path: "/metrics" })
    expect(r.status).toBe(200)
    expect(r.headers["content-type"]).toContain("text/plain")
    const m = r.text
    expect(
      value(m, 'switchyard_requests_total{model="google/gemini-2.5-pro-preview",status="200",stream="false"}'),
    ).toBe(2)
    expect(
      value(m, 'switchyard_requests_total{model="google/gemini-2.5-pro-preview",status="200",stream="true"}'),
    ).toBe(1)
    expect(
      value(m, 'switchyard_requests_total{model="google/gemini-2.5-pro-preview",status="429",stream="false"}'),
    ).toBe(2)
    expect(value(m, 'switchyard_fallbacks_total{endpoint="google/gemini-2.5-pro-preview@google-vertex/pt"}')).toBe(1)
    expect(value(m, 'switchyard_escalations_total{endpoint="google/gemini-2.5-pro-preview@google-vertex/pt"}')).toBe(1)
    expect(
      value(m, 'switchyard_rate_limited_total{origin="upstream",endpoint="google/gemini-2.5-pro-preview@cheap"}'),
    ).toBe(2)
    expect(value(m, 'switchyard_capacity_exhausted_total{origin="upstream"}')).toBe(1)
    expect(value(m, 'switchyard_capacity_exhausted_total{origin="gateway"}')).toBe(1)
    // every routed request (with a trace) is in the duration histogram; the traces here last 250 ms
    const series = 'model="google/gemini-2.5-pro-preview",stream="false"'
    expect(value(m, `switchyard_request_duration_seconds_count{${series}}`)).toBe(4)
    expect(value(m, `switchyard_request_duration_seconds_bucket{${series},le="0.1"}`)).toBe(0)
    expect(value(m, `switchyard_request_duration_seconds_bucket{${series},le="0.25"}`)).toBe(4)
    expect(value(m, `switchyard_request_duration_seconds_bucket{${series},le="+Inf"}`)).toBe(4)
    expect(value(m, `switchyard_request_duration_seconds_sum{${series}}`)).toBe(1)
    expect(
      value(
        m,
        'switchyard_attempt_duration_seconds_count{endpoint="google/gemini-2.5-pro-preview@cheap",outcome="success"}',
      ),
    ).toBe(2)
  })

  it("reports utilization and breaker state per endpoint, read from the router at scrape time", async () => {
    const gateway = createGateway({ runtime })
    const m = (await call(gateway, { path: "/metrics" })).text
    expect(
      value(
        m,
        'switchyard_endpoint_utilization{endpoint="google/gemini-2.5-pro-preview@google-vertex/pt",pool="provisioned"}',
      ),
    ).toBe(0.42)
    expect(value(m, 'switchyard_endpoint_breaker_state{endpoint="google/gemini-2.5-pro-preview@cheap"}')).toBe(1)
  })

  it("each gateway has its own registry", async () => {
    const a = createGateway({ runtime })
    const b = createGateway({ runtime })
    await chat(a, "google/gemini-2.5-pro-preview")
    const mb = (await call(b, { path: "/metrics" })).text
    expect(
      value(mb, 'switchyard_requests_total{model="google/gemini-2.5-pro-preview",status="200",stream="false"}'),
    ).toBe(0)
  })
})
