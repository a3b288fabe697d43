import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { startLoopbackUpstream } from "../support/loopback-upstream.js"
import { type ReceivedSpan, startOtlpReceiver } from "../support/otlp-receiver.js"
import { type Stack, startStack } from "../support/stack.js"

const CLIENT_TRACE = "4bf92f3577b34da6a3ce929d0e0e4736"
const CLIENT_SPAN = "00f067aa0ba902b7"
const TRACEPARENT = `00-${CLIENT_TRACE}-${CLIENT_SPAN}-01`
const SPAN_ID = /^[0-9a-f]{16}$/

const config = (baseUrl: string, receiverUrl: string, protocol: string) => {
  const endpoint = (variant: string | undefined, prompt: number, pool?: "provisioned") => ({
    provider: "loop",
    ...(variant === undefined ? {} : { variant }),
    upstreamModel: `model-${variant ?? "std"}`,
    price: { prompt, completion: prompt * 4 },
    contextLength: 100_000,
    ...(pool === undefined ? {} : { pool, capacity: { tokensPerMinute: 1_000_000 } }),
  })
  return {
    providers: [{ slug: "loop", kind: "openai-compatible", options: { baseUrl, apiKey: "sk-loop-0123456789abcdef" } }],
    models: [
      { id: "acme/fallback", endpoints: [endpoint("cheap", 1), endpoint("dear", 2)] },
      { id: "acme/escalate", endpoints: [endpoint("solo", 1), endpoint("pt", 3, "provisioned")] },
    ],
    routing: { maxRetrySleepMs: 0, escalation: "allow" },
    tracing: { endpoint: receiverUrl, protocol, serviceName: "switchyard-test", exportIntervalMs: 100 },
  }
}

describe.each(["http/protobuf", "http/json"])("OpenTelemetry spans over OTLP (%s)", (protocol) => {
  let upstream: Awaited<ReturnType<typeof startLoopbackUpstream>>
  let receiver: Awaited<ReturnType<typeof startOtlpReceiver>>
  let stack: Stack
  beforeAll(async () => {
    upstream = await startLoopbackUpstream()
    receiver = await startOtlpReceiver()
    stack = await startStack(config(upstream.baseUrl, receiver.url, protocol))
  })
  afterAll(async () => {
    await stack?.close()
    await receiver?.close()
    await upstream?.close()
  })

  // cheapest first, so the scripted 429 hits a known endpoint
  const send = (model: string, headers: Record<string, string>, stream = false) =>
    fetch(`${stack.url}/v1/chat/completions`, {
      method: "POST",
      headers: { "content-type": "application/json", ...headers },
      body: JSON.stringify({ model, stream, provider: { sort: "price" }, messages: [{ role: "user", content: "hi" }] }),
    }).then(async (r) => ({ status: r.status, headers: r.headers, text: await r.text() }))

  const spansOf = (traceId: string) => receiver.spans().filter((s) => s.traceId === traceId)
  /** The trace's spans once its request span arrived (it ends last: its attempts were exported before it). */
  const waitForSpans = async (traceId: string): Promise<Array<ReceivedSpan>> => {
    await expect.poll(() => spansOf(traceId).some((s) => s.kind === 2), { timeout: 5000 }).toBe(true)
    return spansOf(traceId)
  }

  it("a fallback: the client's trace continued, one request span, one child span per attempt (siblings), traceparent sent upstream", async () => {
    upstream.rateLimit(1)
    const before = upstream.received.length
    const r = await send("acme/fallback", { traceparent: TRACEPARENT, "x-request-id": `fb-${protocol}` })
    expect(r.status).toBe(200)
    const spans = await waitForSpans(CLIENT_TRACE)
    const request = spans.find((s) => s.kind === 2 && s.attributes["switchyard.request_id"] === `fb-${protocol}`)!
    expect(request).toMatchObject({
      name: "chat acme/fallback",
      parentSpanId: CLIENT_SPAN,
      status: 1,
      serviceName: "switchyard-test",
    })
    expect(request.attributes).toMatchObject({
      "gen_ai.operation.name": "chat",
      "gen_ai.request.model": "acme/fallback",
      "gen_ai.response.model": "acme/fallback",
      "gen_ai.usage.input_tokens": expect.any(Number),
      "gen_ai.usage.output_tokens": expect.any(Number),
      "switchyard.endpoint": "acme/fallback@loop/dear",
      "switchyard.pool": "standard",
      "switchyard.escalated": false,
      "switchyard.outcome": "success",
      "switchyard.cost_usd": expect.any(Number),
      "switchyard.attempts": 2,
    })
    const attempts = spans
      .filter((s) => s.parentSpanId === request.spanId)
      .sort((a, b) => Number(a.startNanos - b.startNanos))
    expect(attempts.map((a) => [a.name, a.kind, a.attributes["switchyard.outcome"], a.status])).toEqual([
      ["chat model-cheap", 3, "rate_limited", 2],
      ["chat model-dear", 3, "success", 1],
    ])
    expect(attempts[0]!.attributes).toMatchObject({
      "gen_ai.system": "openai",
      "gen_ai.request.model": "model-cheap",
      "switchyard.endpoint": "acme/fallback@loop/cheap",
      "switchyard.pool": "standard",
      "http.response.status_code": 429,
      "error.type": "rate_limited",
    })
    expect(attempts[1]!.attributes).toMatchObject({
      "gen_ai.response.model": "model-dear",
      "gen_ai.usage.input_tokens": expect.any(Number),
      "gen_ai.usage.output_tokens": expect.any(Number),
      "switchyard.cost_usd": expect.any(Number),
    })
    // each upstream call carried its own attempt span as the parent, in the client's trace
    const sent = upstream.received.slice(before).map((h) => h.headers.traceparent)
    expect(sent).toEqual(attempts.map((a) => `00-${CLIENT_TRACE}-${a.spanId}-01`))
    for (const a of attempts) expect(a.spanId).toMatch(SPAN_ID)
  })

  it("an escalation to PT is a sibling attempt marked switchyard.escalated; a stream's request span lasts to its end", async () => {
    upstream.rateLimit(1)
    const trace = "0af7651916cd43dd8448eb211c80319c"
    const r = await send("acme/escalate", { traceparent: `00-${trace}-b7ad6b7169203331-01` }, true)
    expect(r.text).toContain("data: [DONE]")
    const spans = await waitForSpans(trace)
    const request = spans.find((s) => s.kind === 2)!
    expect(request.attributes).toMatchObject({
      "switchyard.escalated": true,
      "switchyard.pool": "provisioned",
      "switchyard.endpoint": "acme/escalate@loop/pt",
    })
    const attempts = spans.filter((s) => s.parentSpanId === request.spanId)
    expect(attempts).toHaveLength(2)
    const pt = attempts.find((a) => a.attributes["switchyard.pool"] === "provisioned")!
    expect(pt.attributes).toMatchObject({
      "switchyard.escalated": true,
      "switchyard.escalation": "rate_limited:acme/escalate@loop/solo",
      "switchyard.outcome": "success",
    })
    expect(request.endNanos).toBeGreaterThanOrEqual(pt.endNanos)
    expect(request.startNanos).toBeLessThanOrEqual(attempts[0]!.startNanos)
  })

  it("without a traceparent the request span is a root; the trace id is in the log line's and trace's traceId", async () => {
    const r = await send("acme/fallback", { "x-switchyard-trace": "true", "x-request-id": `root-${protocol}` })
    const body = JSON.parse(r.text) as { switchyard_trace: { traceId: string } }
    const traceId = body.switchyard_trace.traceId
    expect(traceId).toMatch(/^[0-9a-f]{32}$/)
    const spans = await waitForSpans(traceId)
    const request = spans.find((s) => s.kind === 2)!
    expect(request.parentSpanId).toBeUndefined()
    expect(upstream.received.at(-1)?.headers.traceparent).toMatch(new RegExp(`^00-${traceId}-[0-9a-f]{16}-01$`))
  })

  it("a failed request ends its span with an error status and the error's tag, no upstream text", async () => {
    upstream.rateLimit(3)
    const trace = "11111111111111111111111111111111"
    const r = await send("acme/fallback", { traceparent: `00-${trace}-2222222222222222-01` })
    expect(r.status).toBe(429)
    const spans = await waitForSpans(trace)
    const request = spans.find((s) => s.kind === 2)!
    expect(request.status).toBe(2)
    expect(request.attributes["switchyard.outcome"]).toBe("AllRateLimited")
    const everything = Buffer.concat(receiver.exports.map((e) => e.raw)).toString("utf8")
    expect(everything).toContain("AllRateLimited")
    expect(everything).not.toContain("Rate limit reached")
    expect(everything).not.toContain("sk-loop-0123456789abcdef")
  })
})

describe("tracing off (no endpoint configured)", () => {
  it("creates no span, and forwards the client's traceparent upstream unchanged; the trace id reaches the RouteTrace", async () => {
    const upstream = await startLoopbackUpstream()
    const receiver = await startOtlpReceiver()
    const { tracing: _, ...untraced } = config(upstream.baseUrl, receiver.url, "http/json")
    const stack = await startStack(untraced)
    try {
      const r = await fetch(`${stack.url}/v1/chat/completions`, {
        method: "POST",
        headers: { "content-type": "application/json", traceparent: TRACEPARENT, "x-switchyard-trace": "true" },
        body: JSON.stringify({ model: "acme/fallback", messages: [{ role: "user", content: "hi" }] }),
      })
      const body = (await r.json()) as { switchyard_trace: { traceId: string } }
      expect(body.switchyard_trace.traceId).toBe(CLIENT_TRACE)
      expect(upstream.received.at(-1)?.headers.traceparent).toBe(TRACEPARENT)
      // an invalid traceparent is not forwarded
      await fetch(`${stack.url}/v1/chat/completions`, {
        method: "POST",
        headers: { "content-type": "application/json", traceparent: "00-xyz-1-01" },
        body: JSON.stringify({ model: "acme/fallback", messages: [{ role: "user", content: "hi" }] }),
      })
      expect(upstream.received.at(-1)?.headers.traceparent).toBeUndefined()
    } finally {
      await stack.close()
    }
    expect(receiver.exports).toEqual([])
    await receiver.close()
    await upstream.close()
  })
})
