import { type JsonObject, type ProviderClient, usageFromOpenAi } from "@switchyard/core"
import { Effect } from "effect"
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest"
import { anthropicPlugin } from "../../src/anthropic/index.js"
import { DRAIN_MS } from "../../src/sse/exchange-stream.js"
import { testEndpoint } from "../conformance/endpoint.js"
import {
  finishReasons,
  messageOf,
  streamedText,
  streamedToolCalls,
  streamedUsage,
} from "../conformance/openai-shape.js"
import { collectUntilFailure, failureOf, successOf, withClient } from "../conformance/run.js"
import { type Loopback, startLoopback } from "../support/loopback.js"
import { anthropicChunks, anthropicErrorBody, anthropicFixture, anthropicFrames, anthropicResponse } from "./replay.js"

const KEY = "sk-ant-api03-test-0123456789"
const endpoint = testEndpoint({ provider: "anthropic", providerKind: "anthropic", upstreamModel: "claude-haiku-4-5" })
const ask: JsonObject = { model: "claude", messages: [{ role: "user", content: "Hi" }] }
const textAnswer = () => anthropicFixture("anthropic-messages-text.json")

describe("anthropic plugin against a loopback Messages API server", () => {
  let server: Loopback
  beforeAll(async () => {
    server = await startLoopback()
  })
  afterAll(async () => {
    await server.close()
  })
  const run = <A, E>(use: (client: ProviderClient) => Effect.Effect<A, E>, options?: JsonObject) =>
    withClient(anthropicPlugin, { baseUrl: server.baseUrl, apiKey: KEY, ...options }, use, { slug: "anthropic" })
  const last = () => {
    const request = server.requests.at(-1)
    if (request === undefined) throw new Error("the upstream received no request")
    return request
  }
  const streamOf = (frames: ReadonlyArray<string>, headers?: Record<string, string>) => {
    server.reply({ kind: "sse", frames, ...(headers ? { headers } : {}) })
    return run((c) => collectUntilFailure(c, { body: { ...ask, stream: true }, endpoint }))
  }

  it("an upstream that holds the body open after message_stop does not hold the stream", async () => {
    const aborted = server.aborted()
    server.reply({
      kind: "sse",
      frames: anthropicFrames(anthropicChunks("anthropic-messages-tool-call.chunks.txt")),
      after: "hang",
    })
    const streamed = successOf(
      await run((c) => collectUntilFailure(c, { body: { ...ask, stream: true }, endpoint }), {
        timeouts: { bodyMs: 30_000 },
      }),
    )
    expect(streamed.error).toBeUndefined()
    expect(finishReasons(streamed.chunks)).toEqual(["tool_calls"])
    await vi.waitFor(() => expect(server.aborted()).toBe(aborted + 1), { timeout: DRAIN_MS + 2_000 })
  })

  it("sends a tool conversation as a Messages request: system, tool_use, merged tool_result, images, params", async () => {
    server.reply({ kind: "json", body: textAnswer() })
    const body: JsonObject = {
      model: "claude",
      messages: [
        { role: "system", content: "You are terse." },
        { role: "developer", content: "Use metric units." },
        {
          role: "user",
          content: [
            { type: "text", text: "What is on this picture, and the weather?" },
            { type: "image_url", image_url: { url: "data:image/jpeg;base64,/9j/4AAQ" } },
            { type: "image_url", image_url: { url: "https://example.com/cat.png" } },
          ],
        },
        {
          role: "assistant",
          content: null,
          tool_calls: [
            { id: "toolu_1", type: "function", function: { name: "weather", arguments: '{"city":"Oslo"}' } },
            { id: "toolu_2", type: "function", function: { name: "weather", arguments: '{"city":"Rome"}' } },
          ],
        },
        { role: "tool", tool_call_id: "toolu_1", content: "4°C" },
        { role: "tool", tool_call_id: "toolu_2", content: [{ type: "text", text: "19°C" }] },
        { role: "user", content: "Thanks" },
      ],
      tools: [
        {
          type: "function",
          function: {
            name: "weather",
            description: "Weather in a city",
            parameters: { type: "object", properties: { city: { type: "string" } }, required: ["city"] },
          },
        },
      ],
      tool_choice: "required",
      parallel_tool_calls: false,
      temperature: 1.6,
      top_p: 0.8,
      stop: ["###", "  "],
      user: "user-42",
    }
    successOf(await run((c) => c.chat({ body, endpoint })))
    expect(last().headers).toMatchObject({ "x-api-key": KEY, "anthropic-version": "2023-06-01" })
    expect(last().json).toEqual({
      model: "claude-haiku-4-5",
      max_tokens: 64_000,
      system: [
        { type: "text", text: "You are terse." },
        { type: "text", text: "Use metric units." },
      ],
      messages: [
        {
          role: "user",
          content: [
            { type: "text", text: "What is on this picture, and the weather?" },
            { type: "image", source: { type: "base64", media_type: "image/jpeg", data: "/9j/4AAQ" } },
            { type: "image", source: { type: "url", url: "https://example.com/cat.png" } },
          ],
        },
        {
          role: "assistant",
          content: [
            { type: "tool_use", id: "toolu_1", name: "weather", input: { city: "Oslo" } },
            { type: "tool_use", id: "toolu_2", name: "weather", input: { city: "Rome" } },
          ],
        },
        {
          role: "user",
          content: [
            { type: "tool_result", tool_use_id: "toolu_1", content: "4°C" },
            { type: "tool_result", tool_use_id: "toolu_2", content: "19°C" },
          ],
        },
        { role: "user", content: [{ type: "text", text: "Thanks" }] },
      ],
      tools: [
        {
          name: "weather",
          description: "Weather in a city",
          input_schema: { type: "object", properties: { city: { type: "string" } }, required: ["city"] },
        },
      ],
      tool_choice: { type: "any", disable_parallel_tool_use: true },
      // OpenAI's 0..2 temperature is clamped to Anthropic's 0..1 (and top_p, sent with it, is not: Claude 4.5+
      // refuses both); whitespace-only stops are dropped
      temperature: 1,
      stop_sequences: ["###"],
      metadata: { user_id: "user-42" },
    })
  })

  it("max_tokens: the request's own (max_completion_tokens first), else the endpoint's maxOutput, else the model's documented maximum — never the 1,024 capacity default", async () => {
    server.reply({ kind: "json", body: textAnswer() })
    successOf(await run((c) => c.chat({ body: { ...ask, max_tokens: 50 }, endpoint })))
    expect(last().json).toMatchObject({ max_tokens: 50 })
    successOf(await run((c) => c.chat({ body: { ...ask, max_tokens: 50, max_completion_tokens: 70 }, endpoint })))
    expect(last().json).toMatchObject({ max_tokens: 70 })
    successOf(
      await run((c) => c.chat({ body: ask, endpoint: { ...endpoint, maxOutput: 20_000, defaultMaxTokens: 1024 } })),
    )
    expect(last().json).toMatchObject({ max_tokens: 20_000 })
    for (const [model, max] of [
      ["claude-sonnet-4-5-20250929", 64_000],
      ["claude-3-5-haiku-20241022", 8_192],
      ["claude-opus-4-1-20250805", 32_000],
      ["some-future-model", 4_096],
    ] as const) {
      successOf(
        await run((c) =>
          c.chat({ body: ask, endpoint: { ...endpoint, upstreamModel: model, defaultMaxTokens: 1024 } }),
        ),
      )
      expect(last().json).toMatchObject({ model, max_tokens: max })
    }
  })

  it("item 6: response_format json_schema → a forced tool; the recorded tool_use answer comes back as JSON content, finish stop (JSON and stream); top_k is sent", async () => {
    const schema = { type: "object", properties: { location: { type: "string" } }, required: ["location"] }
    const body = {
      ...ask,
      top_k: 20,
      response_format: { type: "json_schema", json_schema: { name: "weather", schema } },
    }
    server.reply({ kind: "json", body: anthropicFixture("anthropic-messages-tool-call.json") })
    const out = successOf(await run((c) => c.chat({ body, endpoint })))
    expect(last().json).toMatchObject({
      top_k: 20,
      tools: [{ name: "weather", input_schema: schema }],
      tool_choice: { type: "tool", name: "weather" },
    })
    expect(out.body.choices).toEqual([
      expect.objectContaining({
        message: expect.objectContaining({ role: "assistant", content: '{"location":"San Francisco"}' }),
        finish_reason: "stop",
      }),
    ])
    expect((out.body.choices as Array<{ message: JsonObject }>)[0]?.message.tool_calls).toBeUndefined()

    server.reply({ kind: "sse", frames: anthropicFrames(anthropicChunks("anthropic-messages-tool-call.chunks.txt")) })
    const streamed = successOf(await run((c) => collectUntilFailure(c, { body: { ...body, stream: true }, endpoint })))
    expect(streamed.error).toBeUndefined()
    expect(JSON.parse(streamedText(streamed.chunks))).toEqual(expect.any(Object))
    expect(streamedToolCalls(streamed.chunks)).toEqual([])
    expect(finishReasons(streamed.chunks)).toEqual(["stop"])
  })

  it("item 6: response_format next to the request's own tools cannot be forced: not sent, and named as unmapped", async () => {
    server.reply({ kind: "json", body: textAnswer() })
    const tools = [{ type: "function", function: { name: "f", parameters: { type: "object", properties: {} } } }]
    const body = { ...ask, tools, seed: 3, n: 2, response_format: { type: "json_object" } }
    successOf(await run((c) => c.chat({ body, endpoint })))
    expect(last().json).toMatchObject({ tools: [{ name: "f" }] })
    expect(last().json).not.toHaveProperty("tool_choice")
    const unmapped = successOf(
      await run((c) =>
        Effect.succeed(c.unmappedParameters?.(["tools", "seed", "n", "response_format", "temperature"], body)),
      ),
    )
    expect(unmapped).toEqual(["seed", "n", "response_format"])
  })

  it("tool_choice: auto → auto, none → none, a named function → tool", async () => {
    server.reply({ kind: "json", body: textAnswer() })
    const cases: Array<[unknown, JsonObject]> = [
      ["auto", { type: "auto" }],
      ["none", { type: "none" }],
      [
        { type: "function", function: { name: "weather" } },
        { type: "tool", name: "weather" },
      ],
    ]
    for (const [choice, expected] of cases) {
      successOf(await run((c) => c.chat({ body: { ...ask, tool_choice: choice }, endpoint })))
      expect((last().json as JsonObject).tool_choice).toEqual(expected)
    }
  })

  it("request-id header and anthropic-ratelimit-* headers become the request id and capacity signals", async () => {
    server.reply({
      kind: "json",
      headers: {
        "request-id": "req_011CabcDEF",
        date: "Wed, 21 Oct 2026 07:28:00 GMT",
        "anthropic-ratelimit-requests-limit": "4000",
        "anthropic-ratelimit-requests-remaining": "3999",
        "anthropic-ratelimit-tokens-limit": "400000",
        "anthropic-ratelimit-tokens-remaining": "398000",
        "anthropic-ratelimit-tokens-reset": "2026-10-21T07:28:06Z",
      },
      body: textAnswer(),
    })
    const result = successOf(await run((c) => c.chat({ body: ask, endpoint })))
    expect(result.requestId).toBe("req_011CabcDEF")
    expect(result.signals).toEqual({
      limitRequests: 4000,
      remainingRequests: 3999,
      limitTokens: 400000,
      remainingTokens: 398000,
      resetTokensMs: 6000,
    })
  })

  it("cache_control breakpoints (OpenRouter's convention) reach Anthropic on the same blocks: system parts, messages, tools", async () => {
    server.reply({ kind: "json", body: textAnswer() })
    const hour = { type: "ephemeral", ttl: "1h" }
    const fiveMinutes = { type: "ephemeral" }
    const body: JsonObject = {
      model: "claude",
      messages: [
        {
          role: "system",
          content: [
            { type: "text", text: "You are a librarian." },
            { type: "text", text: "<the whole catalogue>", cache_control: hour },
          ],
        },
        { role: "user", content: [{ type: "text", text: "Find Emma.", cache_control: fiveMinutes }] },
        {
          role: "assistant",
          content: null,
          tool_calls: [{ id: "toolu_1", type: "function", function: { name: "find", arguments: '{"q":"Emma"}' } }],
        },
        { role: "tool", tool_call_id: "toolu_1", content: "shelf 12", cache_control: fiveMinutes },
        { role: "user", content: "And Persuasion?", cache_control: fiveMinutes },
      ],
      tools: [
        {
          type: "function",
          function: { name: "find", parameters: { type: "object", properties: { q: { type: "string" } } } },
          cache_control: hour,
        },
      ],
    }
    successOf(await run((c) => c.chat({ body, endpoint })))
    expect(last().json).toMatchObject({
      system: [
        { type: "text", text: "You are a librarian." },
        { type: "text", text: "<the whole catalogue>", cache_control: hour },
      ],
      messages: [
        { role: "user", content: [{ type: "text", text: "Find Emma.", cache_control: fiveMinutes }] },
        { role: "assistant", content: [{ type: "tool_use", id: "toolu_1", name: "find" }] },
        {
          role: "user",
          content: [{ type: "tool_result", tool_use_id: "toolu_1", content: "shelf 12", cache_control: fiveMinutes }],
        },
        { role: "user", content: [{ type: "text", text: "And Persuasion?", cache_control: fiveMinutes }] },
      ],
      tools: [{ name: "find", cache_control: hour }],
    })
    const sent = last().json as { system: Array<JsonObject> }
    expect(sent.system[0]).not.toHaveProperty("cache_control")
  })

  it("a cache_control Anthropic does not define (ttl 24h) is the client's error (BadRequest naming it), nothing sent", async () => {
    const before = server.requests.length
    const body: JsonObject = {
      model: "claude",
      messages: [
        { role: "user", content: [{ type: "text", text: "x", cache_control: { type: "ephemeral", ttl: "24h" } }] },
      ],
    }
    const error = failureOf(await run((c) => c.chat({ body, endpoint })))
    expect(error._tag).toBe("BadRequest")
    expect(error.message).toContain("messages.0.content.0.cache_control.ttl")
    expect(server.requests.length).toBe(before)
  })

  it("usage counts cache writes and reads as prompt tokens, reads as cached, writes with their 1-hour part", async () => {
    const body = JSON.parse(textAnswer()) as { usage: Record<string, unknown> }
    body.usage.input_tokens = 10
    body.usage.cache_creation_input_tokens = 200
    body.usage.cache_creation = { ephemeral_5m_input_tokens: 150, ephemeral_1h_input_tokens: 50 }
    body.usage.cache_read_input_tokens = 1000
    server.reply({ kind: "json", body: JSON.stringify(body) })
    const result = successOf(await run((c) => c.chat({ body: ask, endpoint })))
    expect(result.usage).toEqual({
      promptTokens: 1210,
      completionTokens: 29,
      cachedTokens: 1000,
      reasoningTokens: 0,
      cacheWriteTokens: 200,
      cacheWrite1hTokens: 50,
    })
    expect(result.body.usage).toMatchObject({
      prompt_tokens: 1210,
      total_tokens: 1239,
      prompt_tokens_details: { cached_tokens: 1000, cache_write_tokens: 200, cache_write_1h_tokens: 50 },
    })
    expect(usageFromOpenAi(result.body.usage)).toEqual(result.usage)
  })

  it("stop reasons: max_tokens → length, refusal → content_filter", async () => {
    for (const [reason, finish] of [
      ["max_tokens", "length"],
      ["refusal", "content_filter"],
      ["stop_sequence", "stop"],
    ]) {
      const body = { ...(JSON.parse(textAnswer()) as JsonObject), stop_reason: reason }
      server.reply({ kind: "json", body: JSON.stringify(body) })
      const result = successOf(await run((c) => c.chat({ body: ask, endpoint })))
      expect(result.body).toMatchObject({ choices: [{ finish_reason: finish }] })
    }
  })

  it("streamed usage is a running total: the last message_delta wins, nothing is summed", async () => {
    // an Anthropic-compatible host whose message_delta revises input_tokens 43 → 61 (recorded)
    const { chunks, error } = successOf(
      await streamOf(anthropicFrames(anthropicChunks("anthropic-compatible-delta-input-tokens.chunks.txt"))),
    )
    expect(error).toBeUndefined()
    expect(streamedText(chunks)).toBe("pong")
    expect(streamedUsage(chunks)).toMatchObject({ prompt_tokens: 61, completion_tokens: 2, total_tokens: 63 })
  })

  it("529 overloaded_error → Overloaded with its retry-after; the stream call fails before any chunk", async () => {
    server.reply({
      kind: "json",
      status: 529,
      headers: { "retry-after": "7" },
      body: anthropicErrorBody(529, "Overloaded"),
    })
    expect(failureOf(await run((c) => c.chat({ body: ask, endpoint })))).toMatchObject({
      _tag: "Overloaded",
      status: 529,
      retryAfterMs: 7000,
    })
    expect(failureOf(await run((c) => c.stream({ body: { ...ask, stream: true }, endpoint })))).toMatchObject({
      _tag: "Overloaded",
    })
  })

  it("an `event: error` after a 200 fails the stream with the classified error after the text so far", async () => {
    const start = anthropicFrames(anthropicChunks("anthropic-messages-text.chunks.txt").slice(0, 5))
    const error = 'event: error\ndata: {"type":"error","error":{"type":"overloaded_error","message":"Overloaded"}}\n\n'
    const { chunks, error: e } = successOf(await streamOf([...start, error]))
    expect(streamedText(chunks)).toBe("Hello! I")
    expect(finishReasons(chunks)).toEqual([])
    expect(e).toMatchObject({ _tag: "Overloaded", status: 529, provider: "anthropic" })
  })

  it("recorded errors: 401 → AuthFailed, 404 unknown model → NotFound{modelNotSupported}, 400 → BadRequest", async () => {
    const cases: Array<[string, JsonObject]> = [
      ["anthropic-messages-error-401-authentication.cassette.yaml", { _tag: "AuthFailed", status: 401 }],
      ["anthropic-messages-error-404-not-found.cassette.yaml", { _tag: "NotFound", modelNotSupported: true }],
      ["anthropic-messages-error-400-unsupported-effort.cassette.yaml", { _tag: "BadRequest", status: 400 }],
    ]
    for (const [file, expected] of cases) {
      const res = anthropicResponse(file)
      server.reply({ kind: "json", status: res.status, body: res.body })
      expect(failureOf(await run((c) => c.chat({ body: ask, endpoint })))).toMatchObject(expected)
    }
  })

  it("billing_error (out of credit) → RateLimited{quota: true}; a too-long prompt → ContextLengthExceeded", async () => {
    server.reply({ kind: "json", status: 402, body: anthropicErrorBody(402, "Your credit balance is too low") })
    expect(failureOf(await run((c) => c.chat({ body: ask, endpoint })))).toMatchObject({
      _tag: "RateLimited",
      quota: true,
    })
    // what the API sends in practice: a 400 invalid_request_error about the account, not the request
    const broke =
      "Your credit balance is too low to access the Anthropic API. Please go to Plans & Billing to upgrade or purchase credits."
    server.reply({ kind: "json", status: 400, body: anthropicErrorBody(400, broke) })
    expect(failureOf(await run((c) => c.chat({ body: ask, endpoint })))).toMatchObject({
      _tag: "RateLimited",
      quota: true,
    })
    server.reply({
      kind: "json",
      status: 400,
      body: anthropicErrorBody(400, "prompt is too long: 210000 tokens > 200000 maximum"),
    })
    expect(failureOf(await run((c) => c.chat({ body: ask, endpoint })))).toMatchObject({
      _tag: "ContextLengthExceeded",
    })
  })

  it("a long prompt without max_tokens is sent again with what the window leaves when Anthropic refuses prompt + the chosen maximum (JSON and stream); a client's own max_tokens is not", async () => {
    const INPUT = 178_959
    const WINDOW = 200_000
    // Anthropic's rule and its live message: input + max_tokens must fit the model's window
    server.reply((req) => {
      const max = (req.json as { max_tokens: number }).max_tokens
      return INPUT + max > WINDOW
        ? {
            kind: "json",
            status: 400,
            body: anthropicErrorBody(
              400,
              `input length and \`max_tokens\` exceed context limit: ${INPUT} + ${max} > ${WINDOW}, decrease input length or \`max_tokens\` and try again`,
            ),
          }
        : req.json !== undefined && (req.json as JsonObject).stream === true
          ? { kind: "sse", frames: anthropicFrames(anthropicChunks("anthropic-messages-text.chunks.txt")) }
          : { kind: "json", body: textAnswer() }
    })
    const sonnet = { ...endpoint, upstreamModel: "claude-sonnet-4-5-20250929" }
    const before = server.requests.length
    expect(messageOf(successOf(await run((c) => c.chat({ body: ask, endpoint: sonnet }))).body).content).toBeTruthy()
    expect(server.requests.slice(before).map((r) => (r.json as JsonObject).max_tokens)).toEqual([64_000, 21_041])
    const streamed = successOf(
      await run((c) => collectUntilFailure(c, { body: { ...ask, stream: true }, endpoint: sonnet })),
    )
    expect(streamed.error).toBeUndefined()
    expect(streamedText(streamed.chunks).length).toBeGreaterThan(0)
    expect((last().json as JsonObject).max_tokens).toBe(21_041)
    // the client chose its budget: its request is refused as a context-length error, not changed
    const own = server.requests.length
    expect(
      failureOf(await run((c) => c.chat({ body: { ...ask, max_tokens: 30_000 }, endpoint: sonnet }))),
    ).toMatchObject({ _tag: "ContextLengthExceeded" })
    expect(server.requests.length).toBe(own + 1)
  })

  it("temperature and top_p together: temperature is sent, top_p named as unmapped (Claude 4.5+ refuses both)", async () => {
    server.reply({ kind: "json", body: textAnswer() })
    const body = { ...ask, temperature: 0.7, top_p: 1 }
    successOf(await run((c) => c.chat({ body, endpoint })))
    expect(last().json).toMatchObject({ temperature: 0.7 })
    expect(last().json).not.toHaveProperty("top_p")
    const unmapped = successOf(await run((c) => Effect.succeed(c.unmappedParameters?.(["temperature", "top_p"], body))))
    expect(unmapped).toEqual(["top_p"])
    successOf(await run((c) => c.chat({ body: { ...ask, top_p: 0.9 }, endpoint })))
    expect(last().json).toMatchObject({ top_p: 0.9 })
  })

  it("a streamed tool call with no input gets '{}' arguments; text before it stays content", async () => {
    const events = [
      {
        type: "message_start",
        message: { id: "msg_1", model: "claude-haiku-4-5", usage: { input_tokens: 5, output_tokens: 1 } },
      },
      { type: "content_block_start", index: 0, content_block: { type: "text", text: "" } },
      { type: "content_block_delta", index: 0, delta: { type: "text_delta", text: "Checking." } },
      { type: "content_block_stop", index: 0 },
      {
        type: "content_block_start",
        index: 1,
        content_block: { type: "tool_use", id: "toolu_9", name: "now", input: {} },
      },
      { type: "content_block_stop", index: 1 },
      { type: "message_delta", delta: { stop_reason: "tool_use" }, usage: { output_tokens: 12 } },
      { type: "message_stop" },
    ].map((e) => JSON.stringify(e))
    const { chunks } = successOf(await streamOf(anthropicFrames(events)))
    expect(streamedText(chunks)).toBe("Checking.")
    expect(streamedToolCalls(chunks)).toEqual([{ id: "toolu_9", name: "now", arguments: {} }])
    expect(finishReasons(chunks)).toEqual(["tool_calls"])
    expect(streamedUsage(chunks)).toMatchObject({ prompt_tokens: 5, completion_tokens: 12 })
  })

  it("a non-streamed tool_use answer (recorded) → tool_calls with the tool_use id and null content", async () => {
    server.reply({ kind: "json", body: anthropicFixture("anthropic-messages-tool-call.json") })
    const result = successOf(await run((c) => c.chat({ body: ask, endpoint })))
    expect(messageOf(result.body)).toMatchObject({
      content: null,
      tool_calls: [
        {
          id: "toolu_01PQjhxo3eirCdKNvCJrKc8f",
          type: "function",
          function: { name: "weather", arguments: '{"location":"San Francisco"}' },
        },
      ],
    })
  })

  it("audio input cannot be translated: BadRequest naming the message, nothing sent", async () => {
    const before = server.requests.length
    const body = {
      model: "c",
      messages: [{ role: "user", content: [{ type: "input_audio", input_audio: { data: "UklGR", format: "wav" } }] }],
    }
    expect(failureOf(await run((c) => c.chat({ body, endpoint })))).toMatchObject({
      _tag: "BadRequest",
      param: "messages.0.content",
    })
    expect(server.requests.length).toBe(before)
  })
})
