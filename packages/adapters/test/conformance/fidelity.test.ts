/**
 * Provider fidelity through the whole gateway (issue #12): recorded provider responses replayed from a
 * real loopback upstream, through the provider plugins, the router and the gateway on a real port, read
 * as a client reads them — raw SSE/JSON over fetch, and the official `openai` SDK's
 * `.stream().finalChatCompletion()` for every streamed case.
 */
import type OpenAI from "openai"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { type Stack, startStack } from "../support/stack.js"
import { argumentDeltas, type Json, rawJson, rawStream, rawText, rawToolCalls, sdkFinal } from "./client.js"
import { plugins } from "./plugins.js"
import { lines, openAiFrames, recording, sseFrames } from "./recordings.js"
import { startUpstream } from "./upstream.js"

const KEY = "sk-gateway-fidelity"
const UPSTREAM_KEY = "upstream-secret-0123456789abcdef"
const REQUEST_ID = "req-upstream-4711"
const user = [{ role: "user", content: "What is the capital of France?" }]

/** Extra OpenAI-compatible hosts, each its own provider slug, for the host-specific cases. */
const hosts = ["mistral", "groq", "xai", "openrouter", "oldopenai"] as const

let upstream: Awaited<ReturnType<typeof startUpstream>>
let stack: Stack
let sdk: OpenAI

const price = { prompt: 0.3, completion: 0.5 }
const endpoint = (provider: string, upstreamModel: string, extra: Json = {}) => ({
  provider,
  upstreamModel,
  price,
  contextLength: 128_000,
  ...extra,
})

beforeAll(async () => {
  upstream = await startUpstream()
  stack = await startStack(
    {
      providers: [
        ...plugins.map((p) => ({ slug: p.name, kind: p.kind, options: p.options(upstream.url) })),
        ...hosts.map((h) => ({
          slug: h,
          kind: "openai-compatible",
          options: { baseUrl: `${upstream.url}/v1`, apiKey: { env: "UPSTREAM_KEY" } },
        })),
        { slug: "sim", kind: "simulated", options: { latency: 1, throughput: 5000, outputTokens: 5 } },
      ],
      models: [
        ...plugins.map((p) => ({ id: `fid/${p.name}`, endpoints: [endpoint(p.name, p.upstreamModel)] })),
        ...hosts.map((h) => ({ id: `fid/${h}`, endpoints: [endpoint(h, `${h}-model`)] })),
        {
          // a client error on the cheap endpoint must not fall back to the second one
          id: "fid/groq-or-sim",
          endpoints: [
            endpoint("groq", "openai/gpt-oss-120b", { price: { prompt: 0.1, completion: 0.1 } }),
            endpoint("sim", "sim"),
          ],
        },
        {
          id: "fid/vertex-pt",
          endpoints: [endpoint("vertex", "gemini-3-pro-preview", { variant: "pt", pool: "provisioned" })],
        },
      ],
      routing: { maxRetrySleepMs: 0 },
      gateway: { keys: [{ name: "fidelity", key: KEY }] },
    },
    { env: { UPSTREAM_KEY } },
  )
  sdk = stack.client(KEY)
})
afterAll(async () => {
  await stack.close()
  await upstream.close()
})

const stream = (model: string, extra: Json = {}) => rawStream(stack.url, KEY, { model, messages: user, ...extra })
const sdkRead = (model: string, extra: Json = {}) => sdkFinal(sdk, { model, messages: user, ...extra })

describe.each(plugins)("gateway conformance: $name ($kind)", (p) => {
  const model = `fid/${p.name}`
  const ok = { [p.requestIdHeader]: REQUEST_ID }

  it("stream, read raw and with the SDK: the recorded text, role, one finish_reason, `provider` once (first chunk), the upstream request id", async () => {
    upstream.reply({ headers: ok, frames: p.stream.frames })
    const raw = await stream(model)
    expect(raw.status).toBe(200)
    expect(rawText(raw.chunks)).toBe(p.stream.text)
    expect(raw.chunks.map((c) => c.provider)).toEqual(raw.chunks.map((_, i) => (i === 0 ? p.name : undefined)))
    const ids = new Set(raw.chunks.map((c) => c.id))
    expect(ids.size).toBe(1)
    expect(raw.headers.get("x-switchyard-upstream-request-id")).toBe(REQUEST_ID)

    const final = await sdkRead(model)
    expect(final.choices[0]?.message.content).toBe(p.stream.text)
    expect(final.choices[0]?.message.role).toBe("assistant")
    expect(final.choices[0]?.finish_reason).toBe("stop")
  })

  it("JSON: the upstream request id in x-switchyard-upstream-request-id", async () => {
    upstream.reply({ headers: ok, body: p.json })
    const r = await rawJson(stack.url, KEY, { model, messages: user })
    expect(r.status).toBe(200)
    expect(r.headers.get("x-switchyard-upstream-request-id")).toBe(REQUEST_ID)
    expect(r.json.provider).toBe(p.name)
  })

  it(`a client error is relayed as the upstream sent it (${p.clientError.label}), provider and endpoint in metadata`, async () => {
    upstream.reply({ status: p.clientError.status, headers: ok, body: p.clientError.body })
    const r = await rawJson(stack.url, KEY, { model, messages: user })
    expect(r.status).toBe(p.clientError.status)
    const error = r.json.error as Json
    expect(error).toMatchObject({
      message: p.clientError.error.message,
      code: p.clientError.error.code,
      ...(p.clientError.error.type === undefined ? {} : { type: p.clientError.error.type }),
      ...(p.clientError.error.param === undefined ? {} : { param: p.clientError.error.param }),
    })
    expect(error.metadata).toMatchObject({
      provider: p.name,
      endpoint: `${model}@${p.name}`,
      upstream_status: p.clientError.status,
    })
    expect(r.headers.get("x-switchyard-upstream-request-id")).toBe(REQUEST_ID)
    expect(JSON.stringify(r.json)).not.toContain(UPSTREAM_KEY)
    expect(JSON.stringify(r.json)).not.toContain("127.0.0.1")
  })

  const rateLimits = p.rateLimitHeaders
  if (rateLimits !== undefined)
    it("item 11: the provider's rate-limit headers feed the capacity meter (an untracked endpoint becomes tracked)", async () => {
      const utilization = async () => {
        const r = await fetch(`${stack.url}/v1/models/${model}/endpoints`, {
          headers: { authorization: `Bearer ${KEY}` },
        })
        const body = (await r.json()) as { data: { endpoints: Array<{ utilization: number | null }> } }
        return body.data.endpoints[0]?.utilization
      }
      expect(await utilization()).toBeNull()
      upstream.reply({ headers: { ...ok, ...rateLimits }, body: p.json })
      expect((await rawJson(stack.url, KEY, { model, messages: user })).status).toBe(200)
      const after = await utilization()
      expect(after).toEqual(expect.any(Number))
      expect(after).toBeGreaterThan(0)
    })

  const unmappable = p.unmappable
  it(`item 6: a parameter the plugin cannot map ${unmappable ? `(${unmappable.name})` : "(none: passed through)"}: excluded under require_parameters, else dropped and the trace says so`, async () => {
    upstream.reply({ headers: ok, body: p.json })
    const parameter = unmappable ?? { name: "seed", value: 7 }
    const body = { model, messages: user, [parameter.name]: parameter.value }
    const strict = await rawJson(stack.url, KEY, { ...body, provider: { require_parameters: true } })
    const lenient = await rawJson(stack.url, KEY, { ...body, switchyard_trace: true })
    expect(lenient.status).toBe(200)
    const steps = (lenient.json.switchyard_trace as { plan: { steps: Array<string> } }).plan.steps
    if (unmappable === undefined) {
      expect(strict.status).toBe(200)
      expect(upstream.requests.at(-1)?.body[parameter.name]).toEqual(parameter.value)
      expect(steps.some((st) => st.includes("not sent"))).toBe(false)
      return
    }
    expect(strict.status).toBe(404)
    expect(strict.json.error).toMatchObject({
      code: "no_endpoints",
      metadata: { excluded_by: [{ endpoint: `${model}@${p.name}`, reasons: ["require_parameters"] }] },
    })
    expect(steps).toContain(`${model}@${p.name}: not sent (no ${p.kind} equivalent): ${parameter.name}`)
  })

  // only plugins with a recorded streamed tool call (the Gemini API has none; Vertex's covers the shared translator)
  const toolStream = p.toolStream
  if (toolStream !== undefined)
    it("streamed tool calls, read raw and with the SDK: every recorded call, name and arguments", async () => {
      upstream.reply({ headers: ok, frames: toolStream.frames })
      const raw = await stream(model)
      expect(rawToolCalls(raw.chunks)).toEqual(toolStream.calls)
      if (toolStream.argumentFragments !== undefined)
        expect(argumentDeltas(raw.chunks)).toBe(toolStream.argumentFragments)
      const final = await sdkRead(model)
      const calls = final.choices[0]?.message.tool_calls ?? []
      expect(
        calls.map((c) =>
          c.type === "function" ? { name: c.function.name, arguments: JSON.parse(c.function.arguments) } : c,
        ),
      ).toEqual(toolStream.calls)
      for (const c of calls) expect(c.id).toEqual(expect.any(String))
      expect(final.choices[0]?.finish_reason).toBe("tool_calls")
    })
})

describe("OpenAI-compatible hosts: what real hosts send that clients choke on", () => {
  it('item 1: a stream whose chunks carry no role and `id: ""` (OpenAI, March 2023) reads with the SDK', async () => {
    upstream.reply({ frames: sseFrames(recording("fixtures/openai-compatible/openai-role-less-stream-2023.sse")) })
    const final = await sdkRead("fid/oldopenai")
    expect(final.choices[0]?.message).toMatchObject({ role: "assistant", content: "\n\nHello there! How can I assist" })
    const raw = await stream("fid/oldopenai")
    expect(raw.chunks[0]?.choices).toEqual([
      { delta: { content: "\n\n", role: "assistant" }, index: 0, finish_reason: null },
    ])
  })

  it("item 1: Mistral's streamed tool call (no index, no type) reaches the SDK as a tool call, not `tool_calls: []`", async () => {
    upstream.reply({ frames: openAiFrames(lines(recording("fixtures/mistral/mistral-chat-tool-call.chunks.txt"))) })
    const final = await sdkRead("fid/mistral")
    expect(final.choices[0]?.finish_reason).toBe("tool_calls")
    expect(final.choices[0]?.message.tool_calls).toEqual([
      { id: "gSIMJiOkT", type: "function", function: { name: "weather", arguments: '{"location": "San Francisco"}' } },
    ])
  })

  it("item 1: Azure's id-less prompt-filter chunk gets the stream's id and created, like every other chunk", async () => {
    const azure = plugins.find((x) => x.name === "azure")!
    upstream.reply({ frames: azure.stream.frames })
    const raw = await stream("fid/azure")
    expect(new Set(raw.chunks.map((c) => c.id))).toEqual(new Set(["chatcmpl-D8Z5oo6uDh67AD85p73ksdT1KxhE0"]))
    expect(new Set(raw.chunks.map((c) => c.created))).toEqual(new Set([1770933892]))
  })

  it("item 5: OpenRouter's own `provider` on every chunk: each name reported once — ours as `provider`, theirs as `upstream_provider`", async () => {
    upstream.reply({
      frames: openAiFrames(lines(recording("fixtures/openrouter/openrouter-chat-tool-call.chunks.txt"))),
    })
    const raw = await stream("fid/openrouter")
    expect(raw.chunks.length).toBeGreaterThan(2)
    expect(raw.chunks.filter((c) => "provider" in c).map((c) => c.provider)).toEqual(["openrouter"])
    expect(raw.chunks.filter((c) => "upstream_provider" in c).map((c) => c.upstream_provider)).toEqual(["Mistral"])
    expect(raw.chunks[0]?.provider).toBe("openrouter")
    const final = await sdkRead("fid/openrouter")
    expect(final.choices[0]?.message.tool_calls?.[0]).toMatchObject({
      type: "function",
      function: { name: "divide", arguments: '{"numerator": 123, "denominator": 456, "on_inf": "infinity"}' },
    })
  })

  it("item 5: a JSON answer with OpenRouter's own `provider`: ours as `provider`, theirs as `upstream_provider`", async () => {
    upstream.reply({ body: recording("fixtures/openrouter/openrouter-chat-tool-call.json") })
    const r = await rawJson(stack.url, KEY, { model: "fid/openrouter", messages: user })
    expect([r.json.provider, r.json.upstream_provider]).toEqual(["openrouter", "Mistral"])
  })

  it("item 2: OpenRouter's mid-stream error chunk (it carries `choices`) ends the stream in-band and the trace says stream_error", async () => {
    upstream.reply({
      frames: openAiFrames(lines(recording("fixtures/openrouter/openrouter-mid-stream-error.chunks.txt"))),
    })
    const raw = await stream("fid/openrouter", { switchyard_trace: true })
    const last = raw.chunks.at(-1)!
    expect(last.choices).toEqual([{ index: 0, delta: { content: "" }, finish_reason: "error" }])
    expect(last.error).toMatchObject({ code: 502 })
    const trace = last.switchyard_trace as { attempts: Array<{ outcome: string }> }
    expect(trace.attempts.map((a) => a.outcome)).toEqual(["stream_error"])
    await expect(sdkRead("fid/openrouter")).rejects.toThrow()
  })

  const groqError = recording("fixtures/groq/groq-chat-error-400-tool-use-failed.json")
  const groqErrorObject = (JSON.parse(groqError) as { error: Json }).error

  it("item 2: Groq's tool_use_failed inside a 200 body is the client's 400, relayed with failed_generation; no fallback, uptime untouched", async () => {
    upstream.reply({ status: 200, body: groqError })
    for (let i = 0; i < 4; i++) {
      const r = await rawJson(stack.url, KEY, { model: "fid/groq-or-sim", messages: user, provider: { sort: "price" } })
      expect(r.status).toBe(400)
      expect(r.headers.get("x-switchyard-attempts")).toBe("1")
      expect(r.json.error).toMatchObject({
        message: groqErrorObject.message,
        type: "invalid_request_error",
        code: "tool_use_failed",
        failed_generation: groqErrorObject.failed_generation,
        metadata: { provider: "groq", endpoint: "fid/groq-or-sim@groq" },
      })
    }
    const listing = await fetch(`${stack.url}/v1/models/fid/groq-or-sim/endpoints`, {
      headers: { authorization: `Bearer ${KEY}` },
    }).then((r) => r.json() as Promise<{ data: { endpoints: Array<{ id: string; uptime: number | null }> } }>)
    const groq = listing.data.endpoints.find((e) => e.id === "fid/groq-or-sim@groq")
    expect(groq?.uptime === null || groq?.uptime === 100).toBe(true)
  })

  it("item 2: the same error as a stream event before any content: a 400 JSON answer, not a 502", async () => {
    upstream.reply({
      frames: openAiFrames(lines(recording("fixtures/groq/groq-chat-error-in-stream-tool-use-failed.chunks.txt"))),
    })
    const raw = await stream("fid/groq-or-sim", { provider: { sort: "price" } })
    expect(raw.status).toBe(400)
    expect(raw.error?.error).toMatchObject({ code: "tool_use_failed", type: "invalid_request_error" })
    await expect(sdkRead("fid/groq-or-sim", { provider: { sort: "price" } })).rejects.toMatchObject({
      status: 400,
      code: "tool_use_failed",
    })
  })

  it("item 4: xAI counts reasoning outside completion_tokens: the stream and the JSON path both charge it", async () => {
    // cached prompt tokens at the openai-compatible kind's default cache-read price (0.5× the prompt price)
    const cost = (prompt: number, cached: number, output: number) =>
      ((prompt - cached) * price.prompt + cached * 0.5 * price.prompt + output * price.completion) / 1_000_000
    upstream.reply({ frames: openAiFrames(lines(recording("fixtures/xai/xai-chat-text-trimmed.chunks.txt"))) })
    const raw = await stream("fid/xai")
    const usage = raw.chunks
      .map((c) => c.usage as Json | undefined)
      .filter((u) => u !== undefined && u !== null)
      .at(-1)!
    // recorded: completion_tokens 1, reasoning_tokens 290, total = 12 + 1 + 290; 11 prompt tokens cached
    expect(usage.cost).toBeCloseTo(cost(12, 11, 291), 12)
    upstream.reply({ body: recording("fixtures/xai/xai-chat-text.json") })
    const json = await rawJson(stack.url, KEY, { model: "fid/xai", messages: user })
    expect((json.json.usage as Json).cost).toBeCloseTo(cost(12, 2, 229), 12)
  })
})

describe("item 12: which pool served (Vertex trafficType) is in the RouteTrace", () => {
  it("a provisioned Vertex endpoint answered ON_DEMAND_FLEX: servedTraffic and a spillover step, streamed and JSON", async () => {
    const vertex = plugins.find((x) => x.name === "vertex")!
    upstream.reply({ frames: vertex.stream.frames })
    const raw = await stream("fid/vertex-pt", { provider: { order: ["vertex/pt"] }, switchyard_trace: true })
    const trace = raw.chunks.at(-1)?.switchyard_trace as { servedTraffic?: string; plan: { steps: Array<string> } }
    expect(trace.servedTraffic).toBe("on_demand_flex")
    expect(trace.plan.steps.some((s) => s.startsWith("spillover: fid/vertex-pt@vertex/pt"))).toBe(true)

    upstream.reply({ body: recording("google/fixtures/vertex-generate-content-flex.json") })
    const json = await rawJson(stack.url, KEY, {
      model: "fid/vertex-pt",
      messages: user,
      provider: { order: ["vertex/pt"] },
      switchyard_trace: true,
    })
    expect((json.json.switchyard_trace as { servedTraffic?: string }).servedTraffic).toBe("on_demand_flex")
  })
})

describe("item 9: the prompt estimate that feeds the context-length filter", () => {
  it("a request with a 1 MiB base64 image is served by a 128k-context model (one image, not 262k tokens)", async () => {
    const openai = plugins.find((x) => x.name === "openai")!
    upstream.reply({ body: openai.json })
    const image = `data:image/png;base64,${"A".repeat(1024 * 1024)}`
    const r = await rawJson(stack.url, KEY, {
      model: "fid/openai",
      messages: [
        {
          role: "user",
          content: [
            { type: "text", text: "What is in this picture?" },
            { type: "image_url", image_url: { url: image } },
          ],
        },
      ],
    })
    expect(r.status).toBe(200)
    expect(r.json.provider).toBe("openai")
  })
})
