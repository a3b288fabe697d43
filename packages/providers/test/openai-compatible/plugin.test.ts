import type { JsonObject, ProviderError } from "@switchyard/core"
import { Effect, Stream } from "effect"
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest"
import { openAiCompatiblePlugin } from "../../src/openai-compatible/plugin.js"
import { DRAIN_MS } from "../../src/sse/exchange-stream.js"
import { testEndpoint } from "../conformance/endpoint.js"
import { finishReasons, streamedText, streamedUsage } from "../conformance/openai-shape.js"
import { collectStream, failureOf, successOf, withClient } from "../conformance/run.js"
import { chunkLines, openAiSseFrames, readCassette, readFixture } from "../support/fixtures.js"
import { type Loopback, startLoopback } from "../support/loopback.js"

let server: Loopback
beforeAll(async () => {
  server = await startLoopback()
})
afterAll(async () => {
  await server.close()
})

const endpoint = testEndpoint({ provider: "vllm", providerKind: "openai-compatible", upstreamModel: "served-model" })
const run = <A>(
  use: Parameters<typeof withClient<unknown, A, unknown>>[2],
  options: Record<string, unknown> = {},
  env = {},
) => withClient(openAiCompatiblePlugin, { baseUrl: server.baseUrl, ...options }, use, { slug: "vllm", env })
const body = (extra: JsonObject = {}): JsonObject => ({
  model: "client-model",
  messages: [{ role: "user", content: "hi" }],
  ...extra,
})
const lastJson = () => server.requests.at(-1)?.json as JsonObject
const chunk = (o: JsonObject) => `data: ${JSON.stringify(o)}\n\n`

describe("openai-compatible: request", () => {
  it("passes the client body through; only model (and stream flags) change", async () => {
    server.reply({ kind: "json", body: readFixture("openai/openai-chat-text.json") })
    const sent = body({ temperature: 0.2, response_format: { type: "json_object" }, reasoning_effort: "low", seed: 7 })
    successOf(await run((c) => c.chat({ body: sent, endpoint })))
    expect(lastJson()).toEqual({ ...sent, model: "served-model", stream: false })
    expect(server.requests.at(-1)?.url).toBe("/chat/completions")
  })

  it("with the client's JSON text, sends its members as the client wrote them (numbers, escapes, spacing)", async () => {
    server.reply({ kind: "json", body: readFixture("openai/openai-chat-text.json") })
    const text =
      '{"provider":{"sort":"price"},"model":"client-model", "messages" : [{"role":"user","content":"caf\\u00e9 \\"x\\" \\\\"}],' +
      '"temperature":1.0,"seed":7e0,"stream":false}'
    // the body as the router hands it over: routing-only fields out, `stream` options out (chat)
    const { provider: _p, stream: _s, ...sent } = JSON.parse(text) as JsonObject
    successOf(await run((c) => c.chat({ body: sent, bodyText: text, endpoint })))
    expect(server.requests.at(-1)?.body).toBe(
      '{"model":"served-model","messages" : [{"role":"user","content":"caf\\u00e9 \\"x\\" \\\\"}],' +
        '"temperature":1.0,"seed":7e0,"stream":false}',
    )
    expect(lastJson()).toEqual({ ...sent, model: "served-model", stream: false })
  })

  it("with the client's JSON text, a stream still gets its stream flags written by the plugin", async () => {
    server.reply({
      kind: "sse",
      frames: openAiSseFrames(chunkLines(readFixture("mistral/mistral-chat-text.chunks.txt"))),
    })
    const text = '{"model":"m","stream":true,"stream_options":{"x":1},"messages":[{"role":"user","content":"hi"}]}'
    const { stream: _s, ...rest } = JSON.parse(text) as JsonObject
    const sent = { ...rest, stream: true, stream_options: { x: 1, include_usage: true } }
    successOf(await run((c) => collectStream(c, { body: sent, bodyText: text, endpoint })))
    expect(server.requests.at(-1)?.body).toBe(
      '{"model":"served-model","messages":[{"role":"user","content":"hi"}],"stream":true,' +
        '"stream_options":{"x":1,"include_usage":true}}',
    )
  })

  it("a text that does not match the body (a member added after parsing) is not used: the body is sent", async () => {
    server.reply({ kind: "json", body: readFixture("openai/openai-chat-text.json") })
    const text = '{"model":"m","messages":[]}'
    const sent = { model: "m", messages: [{ role: "user", content: "added" }], user: "u" }
    successOf(await run((c) => c.chat({ body: sent, bodyText: text, endpoint })))
    expect(lastJson()).toEqual({ ...sent, model: "served-model", stream: false })
  })

  it("forces stream_options.include_usage, keeping the client's other stream options", async () => {
    server.reply({
      kind: "sse",
      frames: openAiSseFrames(chunkLines(readFixture("mistral/mistral-chat-text.chunks.txt"))),
    })
    successOf(
      await run((c) =>
        collectStream(c, { body: body({ stream: true, stream_options: { include_usage: false, x: 1 } }), endpoint }),
      ),
    )
    expect(lastJson().stream_options).toEqual({ include_usage: true, x: 1 })
  })

  it("streamUsage: false leaves stream_options alone (hosts that reject it)", async () => {
    server.reply({
      kind: "sse",
      frames: openAiSseFrames(chunkLines(readFixture("mistral/mistral-chat-text.chunks.txt"))),
    })
    successOf(await run((c) => collectStream(c, { body: body(), endpoint }), { streamUsage: false }))
    expect(lastJson().stream_options).toBeUndefined()
  })

  it("no apiKey → no authorization header; extra headers are sent and override defaults", async () => {
    server.reply({ kind: "json", body: readFixture("openai/openai-chat-text.json") })
    successOf(
      await run((c) => c.chat({ body: body(), endpoint }), { headers: { "X-Title": "switchyard", Accept: "*/*" } }),
    )
    const h = server.requests.at(-1)?.headers ?? {}
    expect(h.authorization).toBeUndefined()
    expect(h["x-title"]).toBe("switchyard")
    expect(h.accept).toBe("*/*")
  })

  it("reads the key from the environment", async () => {
    server.reply({ kind: "json", body: readFixture("openai/openai-chat-text.json") })
    successOf(
      await run((c) => c.chat({ body: body(), endpoint }), { apiKey: { env: "VLLM_KEY" } }, { VLLM_KEY: "env-key-42" }),
    )
    expect(server.requests.at(-1)?.headers.authorization).toBe("Bearer env-key-42")
  })
})

describe("openai-compatible: responses", () => {
  it("reads rate-limit headers and the request id into the result", async () => {
    server.reply({
      kind: "json",
      headers: {
        "x-request-id": "req_123",
        "x-ratelimit-remaining-tokens": "1500",
        "x-ratelimit-limit-tokens": "30000",
        "x-ratelimit-reset-tokens": "1m30s",
      },
      body: readFixture("openai/openai-chat-text.json"),
    })
    const r = successOf(await run((c) => c.chat({ body: body(), endpoint })))
    expect(r.requestId).toBe("req_123")
    expect(r.signals).toEqual({ remainingTokens: 1500, limitTokens: 30000, resetTokensMs: 90_000 })
  })

  it("replays the recorded first tool-call answer (content null, arguments '{}')", async () => {
    const recorded = readCassette("openai/openai-chat-tool-call.cassette.yaml")[0]!
    server.reply({ kind: "json", status: recorded.response.status, body: recorded.response.body })
    const r = successOf(await run((c) => c.chat({ body: body(), endpoint })))
    expect(r.body).toEqual(JSON.parse(recorded.response.body))
    expect(r.usage).toEqual({ promptTokens: 68, completionTokens: 12, cachedTokens: 0, reasoningTokens: 0 })
  })

  it("a 200 whose body is an error envelope (OpenRouter style) is classified, not returned", async () => {
    server.reply({ kind: "json", body: JSON.stringify({ error: { code: 429, message: "Provider returned error" } }) })
    expect(failureOf(await run((c) => c.chat({ body: body(), endpoint })))).toMatchObject({ _tag: "RateLimited" })
  })

  it("a stream answered by a 200 with a JSON error is classified as the chat answer would be (not a cut stream)", async () => {
    const error = {
      error: {
        message: "This model's maximum context length is 8192 tokens.",
        type: "invalid_request_error",
        param: "messages",
        code: "context_length_exceeded",
      },
    }
    server.reply({ kind: "json", body: JSON.stringify(error) })
    const streamed = failureOf(
      await run((c) => collectStream(c, { body: body({ stream: true }), endpoint })),
    ) as ProviderError
    server.reply({ kind: "json", body: JSON.stringify(error) })
    const chat = failureOf(await run((c) => c.chat({ body: body(), endpoint }))) as ProviderError
    expect(streamed._tag).not.toBe("TransportError")
    expect(streamed).toMatchObject({ _tag: chat._tag, status: chat.status })
  })

  it("a stream answered by a 200 with a JSON completion (host ignored `stream`) streams that completion", async () => {
    const recorded = readCassette("openai/openai-chat-tool-call.cassette.yaml")[0]!
    server.reply({ kind: "json", body: recorded.response.body })
    const { chunks } = successOf(await run((c) => collectStream(c, { body: body({ stream: true }), endpoint })))
    const completion = JSON.parse(recorded.response.body) as JsonObject
    const list = [...chunks]
    expect(list.every((c) => c.object === "chat.completion.chunk" && c.id === completion.id)).toBe(true)
    expect(finishReasons(list)).toEqual(["tool_calls"])
    expect(list[0]?.choices).toMatchObject([
      { index: 0, delta: { role: "assistant", tool_calls: [{ index: 0, type: "function" }] } },
    ])
    expect(streamedUsage(list)).toMatchObject({ prompt_tokens: 68, completion_tokens: 12 })
  })

  it("a completion without choices is a MalformedResponse", async () => {
    server.reply({ kind: "json", body: '{"id":"x","object":"chat.completion"}' })
    expect(failureOf(await run((c) => c.chat({ body: body(), endpoint })))).toMatchObject({ _tag: "MalformedResponse" })
  })
})

describe("openai-compatible: stream shapes", () => {
  const base = { id: "c1", object: "chat.completion.chunk", created: 1, model: "m" }

  it("vLLM-style chunks with choices: null / missing become choices: []; usage: null is passed through", async () => {
    server.reply({
      kind: "sse",
      frames: [
        chunk({ ...base, choices: [{ index: 0, delta: { content: "Hi" }, finish_reason: null }], usage: null }),
        chunk({ ...base, choices: [{ index: 0, delta: {}, finish_reason: "stop" }] }),
        chunk({ ...base, choices: null, usage: { prompt_tokens: 3, completion_tokens: 1 } }),
        chunk({ ...base, usage: null }),
        "data: [DONE]\n\n",
      ],
    })
    const { chunks } = successOf(await run((c) => collectStream(c, { body: body(), endpoint })))
    expect(chunks.map((c) => c.choices)).toEqual([
      [{ index: 0, delta: { content: "Hi", role: "assistant" }, finish_reason: null }],
      [{ index: 0, delta: {}, finish_reason: "stop" }],
      [],
      [],
    ])
    expect(chunks[0]?.usage).toBeNull()
    expect(streamedUsage(chunks)).toEqual({ prompt_tokens: 3, completion_tokens: 1 })
  })

  it("a stream with a finish_reason but no [DONE] ends normally", async () => {
    server.reply({
      kind: "sse",
      frames: openAiSseFrames(chunkLines(readFixture("deepseek/deepseek-chat-text.chunks.txt")), false),
    })
    const { chunks } = successOf(await run((c) => collectStream(c, { body: body(), endpoint })))
    expect(finishReasons(chunks)).toEqual(["length"])
  })

  it("[DONE] without any finish_reason ends normally, and nothing after [DONE] is emitted", async () => {
    server.reply({
      kind: "sse",
      frames: [
        chunk({ ...base, choices: [{ index: 0, delta: { content: "a" } }] }),
        "data: [DONE]\n\n",
        chunk({ ...base, choices: [{ index: 0, delta: { content: "late" } }] }),
      ],
    })
    const { chunks } = successOf(await run((c) => collectStream(c, { body: body(), endpoint })))
    expect(streamedText(chunks)).toBe("a")
  })

  it("an upstream that holds the body open after [DONE] does not hold the stream; its exchange is aborted later", async () => {
    const aborted = server.aborted()
    const frames = openAiSseFrames(chunkLines(readFixture("mistral/mistral-chat-text.chunks.txt")))
    expect(frames.at(-1)).toContain("[DONE]")
    server.reply({ kind: "sse", frames, after: "hang" })
    // ends at [DONE] with the whole answer (before: it waited for the body timeout and failed there)
    const { chunks } = successOf(
      await run((c) => collectStream(c, { body: body(), endpoint }), { timeouts: { bodyMs: 30_000 } }),
    )
    expect(finishReasons(chunks)).toEqual(["stop"])
    expect(streamedUsage(chunks)).toBeDefined()
    // the rest of the body is not waited for forever: the request is aborted once the drain gives up
    await vi.waitFor(() => expect(server.aborted()).toBe(aborted + 1), { timeout: DRAIN_MS + 2_000 })
  })

  it("a body that ends right after [DONE] is read to its end: no request aborted, its connection reused", async () => {
    const frames = openAiSseFrames(chunkLines(readFixture("mistral/mistral-chat-text.chunks.txt")))
    server.reply({ kind: "sse", frames })
    const before = server.requests.length
    const aborted = server.aborted()
    successOf(
      await run((c) =>
        Effect.gen(function* () {
          for (let i = 0; i < 6; i++) yield* collectStream(c, { body: body(), endpoint })
        }),
      ),
    )
    const ports = server.requests.slice(before).map((r) => r.remotePort)
    expect(ports).toHaveLength(6)
    // a socket returns to the pool once undici has parsed the end of the previous answer: at most 2 in turn
    expect(new Set(ports).size).toBeLessThanOrEqual(2)
    expect(server.aborted()).toBe(aborted)
  })

  it("an error object sent mid-stream fails the stream with its classification", async () => {
    server.reply({
      kind: "sse",
      frames: [
        chunk({ ...base, choices: [{ index: 0, delta: { content: "a" } }] }),
        chunk({ error: { code: 502, message: "Upstream provider disconnected" } }),
      ],
    })
    const exit = await run((c) =>
      Effect.flatMap(c.stream({ body: body(), endpoint }), (s) => Stream.runCollect(s.chunks)),
    )
    expect(failureOf(exit)).toMatchObject({ _tag: "UpstreamServerError", status: 502 })
  })

  it("Groq: usage of the finish chunk (also in x_groq) is normalized", async () => {
    server.reply({ kind: "sse", frames: openAiSseFrames(chunkLines(readFixture("groq/groq-chat-text.chunks.txt"))) })
    const { chunks } = successOf(await run((c) => collectStream(c, { body: body(), endpoint })))
    const last = chunks.at(-1) ?? {}
    expect((last.usage as JsonObject).prompt_tokens).toBe(45)
    expect(((last.x_groq as JsonObject).usage as JsonObject).completion_tokens).toBe(662)
  })

  it("the OpenAI obfuscation field and other extras pass through untouched", async () => {
    const lines = chunkLines(readFixture("openai/openai-chat-text.chunks.txt"))
    server.reply({ kind: "sse", frames: openAiSseFrames(lines) })
    const { chunks } = successOf(await run((c) => collectStream(c, { body: body(), endpoint })))
    expect(chunks).toEqual(lines.map((l) => JSON.parse(l)))
  })
})

describe("openai-compatible: options", () => {
  it("rejects a relative baseUrl with a path-precise error", async () => {
    const exit = await withClient(openAiCompatiblePlugin, { baseUrl: "api.openai.com/v1" }, () => Effect.void, {
      slug: "x",
    })
    expect(String(failureOf(exit))).toContain("baseUrl")
  })
})
