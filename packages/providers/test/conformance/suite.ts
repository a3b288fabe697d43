/**
 * The provider conformance suite: one function, called once per plugin (and per recorded host).
 *
 *   runConformance({
 *     name: "openai-compatible (OpenAI)",
 *     plugin,                                           // a ProviderPlugin
 *     options: ({ baseUrl, apiKey, timeouts }) => ({ baseUrl, apiKey, timeouts }),   // raw options, decoded by plugin.options
 *     endpoint: testEndpoint({ provider: "openai", providerKind: "openai-compatible", upstreamModel: "gpt-4.1-nano" }),
 *     wire,                                             // a WireAdapter (wire-adapter.ts)
 *   })
 *
 * Every case talks to a real node:http server on 127.0.0.1 that replays the adapter's recordings:
 * JSON chat, stream, tool calls (plain and streamed), usage, 429 with each retry-after form, 429 before
 * the first chunk of a stream, 500/503, 401 with the key echoed (must be redacted), connection reset,
 * connect refused, truncated stream (clean end and socket reset), invalid JSON (body and stream event),
 * timeouts (no headers; stalled stream) and abort on interruption.
 */
import {
  type CallDeadline,
  type ChatCall,
  type Endpoint,
  type JsonObject,
  type ProviderError,
  type ProviderPlugin,
  UpstreamTimeout,
  usageFromOpenAi,
} from "@switchyard/core"
import { Effect, Fiber } from "effect"
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest"
import type { TimeoutsOptions } from "../../src/http/timeouts.js"
import { closedPort, type Loopback, startLoopback } from "../support/loopback.js"
import {
  finishReasons,
  firstChoice,
  messageOf,
  streamedText,
  streamedToolCalls,
  streamedUsage,
  toolCallsOf,
} from "./openai-shape.js"
import { collectStream, collectUntilFailure, failureOf, successOf, withClient } from "./run.js"
import type { WireAdapter } from "./wire-adapter.js"

export interface ConformanceConfig<O> {
  readonly name: string
  /**
   * The client honours `ChatCall.deadline` (declares `enforcesDeadline`; default true). False for a plugin that
   * leaves the time limit to the router, which then races its calls.
   */
  readonly enforcesDeadline?: boolean
  readonly plugin: ProviderPlugin<O>
  readonly options: (p: {
    readonly baseUrl: string
    readonly apiKey: string
    readonly timeouts?: TimeoutsOptions
  }) => unknown
  readonly endpoint: Endpoint
  readonly wire: WireAdapter
  /** The client request (OpenAI body). Default: one user message. */
  readonly chatBody?: JsonObject
  /** The client request for tool cases. Default: chatBody + one `get_weather` tool. */
  readonly toolBody?: JsonObject
}

/** Deliberately not `sk-…`-shaped, so only the configured-secret redaction can hide it. */
export const API_KEY = "conformance-key-0123456789abcdef"
const REQUEST_ID = "req-conformance-42"

const defaultChat: JsonObject = {
  model: "client-model",
  messages: [{ role: "user", content: "What is the capital of France?" }],
}

const weatherTool = {
  type: "function",
  function: {
    name: "get_weather",
    description: "Weather in a city",
    parameters: { type: "object", properties: { city: { type: "string" } }, required: ["city"] },
  },
}

export const runConformance = <O>(config: ConformanceConfig<O>): void => {
  const { plugin, wire, endpoint } = config
  const slug = endpoint.provider
  const chatBody = config.chatBody ?? defaultChat
  const toolBody = config.toolBody ?? { ...chatBody, tools: [weatherTool] }
  const call = (body: JsonObject, stream: boolean): ChatCall => ({ body: { ...body, stream }, endpoint })
  const ok = { [wire.requestIdHeader]: REQUEST_ID }

  describe(`conformance: ${config.name}`, () => {
    let server: Loopback
    beforeAll(async () => {
      server = await startLoopback()
    })
    afterAll(async () => {
      await server.close()
    })

    const run = <A>(
      use: Parameters<typeof withClient<O, A, ProviderError>>[2],
      timeouts?: TimeoutsOptions,
      baseUrl?: string,
    ) =>
      withClient(
        plugin,
        config.options({ baseUrl: baseUrl ?? server.baseUrl, apiKey: API_KEY, ...(timeouts ? { timeouts } : {}) }),
        use,
        { slug },
      )
    const last = () => {
      const r = server.requests.at(-1)
      if (r === undefined) throw new Error("the upstream received no request")
      return r
    }

    it("JSON chat: answers with the recorded text in OpenAI shape, request id and correct upstream request", async () => {
      server.reply({ kind: "json", headers: ok, body: wire.chatBody })
      const result = successOf(await run((c) => c.chat(call(chatBody, false))))
      expect(messageOf(result.body).content).toBe(wire.expected.text)
      expect(messageOf(result.body).role).toBe("assistant")
      expect(firstChoice(result.body).finish_reason).toBe(wire.expected.finishReason)
      expect(result.requestId).toBe(REQUEST_ID)
      wire.checkRequest(last(), { endpoint, apiKey: API_KEY, stream: false })
    })

    it("usage: normalized from the recorded body, and the same numbers stay on the body in OpenAI shape", async () => {
      server.reply({ kind: "json", headers: ok, body: wire.chatBody })
      const result = successOf(await run((c) => c.chat(call(chatBody, false))))
      expect(result.usage).toEqual(wire.expected.usage)
      expect(usageFromOpenAi(result.body.usage)).toEqual(wire.expected.usage)
    })

    it("stream: replays the recorded text, one finish_reason and the usage", async () => {
      server.reply({ kind: "sse", headers: ok, frames: wire.streamFrames })
      const { stream, chunks } = successOf(await run((c) => collectStream(c, call(chatBody, true))))
      expect(stream.requestId).toBe(REQUEST_ID)
      expect(streamedText(chunks)).toBe(wire.expected.streamText)
      expect(finishReasons(chunks)).toEqual([wire.expected.streamFinishReason])
      expect(usageFromOpenAi(streamedUsage(chunks))).toEqual(wire.expected.streamUsage)
      for (const chunk of chunks) expect(chunk.object).toBe("chat.completion.chunk")
      wire.checkRequest(last(), { endpoint, apiKey: API_KEY, stream: true })
    })

    it("stream: frames cut at arbitrary byte boundaries give the same chunks", async () => {
      const whole = wire.streamFrames.join("")
      const sizes = [1, 7, 64, 513]
      const pieces: Array<string> = []
      for (let i = 0, k = 0; i < whole.length; k++) {
        const n = sizes[k % sizes.length] ?? 1
        pieces.push(whole.slice(i, i + n))
        i += n
      }
      server.reply({ kind: "sse", headers: ok, frames: pieces })
      const { chunks } = successOf(await run((c) => collectStream(c, call(chatBody, true))))
      expect(streamedText(chunks)).toBe(wire.expected.streamText)
      expect(usageFromOpenAi(streamedUsage(chunks))).toEqual(wire.expected.streamUsage)
    })

    it("tool calls: names and JSON arguments of the recorded answer", async () => {
      server.reply({ kind: "json", headers: ok, body: wire.toolCallBody })
      const result = successOf(await run((c) => c.chat(call(toolBody, false))))
      const calls = toolCallsOf(result.body)
      expect(calls.map((t) => ({ name: t.name, arguments: t.arguments }))).toEqual(wire.expected.toolCalls)
      for (const t of calls) expect(t.id).toEqual(expect.any(String))
      expect(firstChoice(result.body).finish_reason).toBe("tool_calls")
    })

    it("tool calls, streamed: deltas accumulate by index into the recorded calls", async () => {
      server.reply({ kind: "sse", headers: ok, frames: wire.toolCallStreamFrames })
      const { chunks } = successOf(await run((c) => collectStream(c, call(toolBody, true))))
      const calls = streamedToolCalls(chunks)
      expect(calls.map((t) => ({ name: t.name, arguments: t.arguments }))).toEqual(wire.expected.streamToolCalls)
      expect(finishReasons(chunks)).toEqual(["tool_calls"])
    })

    const rateLimited = async (headers: Record<string, string>) => {
      server.reply({ kind: "json", status: 429, headers, body: wire.errorBody(429, "Rate limit reached") })
      return failureOf(await run((c) => c.chat(call(chatBody, false))))
    }

    it("429 with retry-after-ms → RateLimited with that delay", async () => {
      const e = await rateLimited({ "retry-after-ms": "1500", "retry-after": "2" })
      expect(e).toMatchObject({ _tag: "RateLimited", status: 429, provider: slug, retryAfterMs: 1500 })
    })

    it("429 with retry-after in seconds (fractional) → RateLimited", async () => {
      const e = await rateLimited({ "retry-after": "2.5" })
      expect(e).toMatchObject({ _tag: "RateLimited", status: 429, retryAfterMs: 2500 })
    })

    it("429 with retry-after as an HTTP date → delay measured from the response date", async () => {
      const e = await rateLimited({
        date: "Wed, 21 Oct 2026 07:28:00 GMT",
        "retry-after": "Wed, 21 Oct 2026 07:28:30 GMT",
      })
      expect(e).toMatchObject({ _tag: "RateLimited", status: 429, retryAfterMs: 30_000 })
    })

    it("429 on a stream fails stream() itself, before any chunk", async () => {
      server.reply({
        kind: "json",
        status: 429,
        headers: { "retry-after-ms": "800" },
        body: wire.errorBody(429, "Rate limit reached"),
      })
      const e = failureOf(await run((c) => c.stream(call(chatBody, true))))
      expect(e).toMatchObject({ _tag: "RateLimited", retryAfterMs: 800 })
    })

    it("500 → UpstreamServerError; 503 keeps its retry-after", async () => {
      server.reply({ kind: "json", status: 500, body: wire.errorBody(500, "The server had an error") })
      expect(failureOf(await run((c) => c.chat(call(chatBody, false))))).toMatchObject({
        _tag: "UpstreamServerError",
        status: 500,
        provider: slug,
      })
      server.reply({
        kind: "json",
        status: 503,
        headers: { "retry-after": "3" },
        body: wire.errorBody(503, "Service unavailable"),
      })
      expect(failureOf(await run((c) => c.chat(call(chatBody, false))))).toMatchObject({
        _tag: "UpstreamServerError",
        status: 503,
        retryAfterMs: 3000,
      })
    })

    it("401 → AuthFailed, and a key echoed by the upstream never reaches the error", async () => {
      server.reply({
        kind: "json",
        status: 401,
        body: wire.errorBody(401, `Incorrect API key provided: ${API_KEY}.`),
      })
      const e = failureOf(await run((c) => c.chat(call(chatBody, false))))
      expect(e).toMatchObject({ _tag: "AuthFailed", status: 401 })
      expect(JSON.stringify(e)).not.toContain(API_KEY)
      expect(e.message).not.toContain(API_KEY)
    })

    it("connection reset before the answer → TransportError reset (chat and stream)", async () => {
      server.reply({ kind: "destroy" })
      expect(failureOf(await run((c) => c.chat(call(chatBody, false))))).toMatchObject({
        _tag: "TransportError",
        kind: "reset",
        status: 0,
      })
      expect(failureOf(await run((c) => c.stream(call(chatBody, true))))).toMatchObject({
        _tag: "TransportError",
        kind: "reset",
      })
    })

    it("nothing listening → TransportError connect", async () => {
      const port = await closedPort()
      const e = failureOf(await run((c) => c.chat(call(chatBody, false)), undefined, `http://127.0.0.1:${port}`))
      expect(e).toMatchObject({ _tag: "TransportError", kind: "connect" })
    })

    it("truncated stream (server ends without a finish) → chunks so far, then TransportError reset", async () => {
      server.reply({ kind: "sse", headers: ok, frames: wire.truncatedFrames, after: "end" })
      const { chunks, error } = successOf(await run((c) => collectUntilFailure(c, call(chatBody, true))))
      expect(error).toMatchObject({ _tag: "TransportError", kind: "reset" })
      expect(finishReasons(chunks)).toEqual([])
    })

    it("truncated stream (socket destroyed mid-stream) → TransportError reset", async () => {
      server.reply({ kind: "sse", headers: ok, frames: wire.truncatedFrames, after: "destroy" })
      const { error } = successOf(await run((c) => collectUntilFailure(c, call(chatBody, true))))
      expect(error).toMatchObject({ _tag: "TransportError", kind: "reset" })
    })

    it("invalid JSON body on 200 → MalformedResponse", async () => {
      server.reply({ kind: "json", headers: ok, body: '{"id": "chatcmpl-1", "choices": [' })
      expect(failureOf(await run((c) => c.chat(call(chatBody, false))))).toMatchObject({
        _tag: "MalformedResponse",
        provider: slug,
      })
    })

    it("invalid JSON in a stream event → MalformedResponse", async () => {
      server.reply({ kind: "sse", headers: ok, frames: [...wire.truncatedFrames.slice(0, 1), wire.invalidJsonFrame] })
      const { error } = successOf(await run((c) => collectUntilFailure(c, call(chatBody, true))))
      expect(error).toMatchObject({ _tag: "MalformedResponse" })
    })

    it("timeout: no response headers within headersMs → UpstreamTimeout", async () => {
      server.reply({ kind: "hang" })
      const e = failureOf(await run((c) => c.chat(call(chatBody, false)), { headersMs: 250 }))
      expect(e).toMatchObject({ _tag: "UpstreamTimeout", phase: "headers", provider: slug })
    })

    it("timeout: a stream that stalls longer than bodyMs → UpstreamTimeout body", async () => {
      server.reply({ kind: "sse", headers: ok, frames: wire.truncatedFrames, after: "hang" })
      const { chunks, error } = successOf(
        await run((c) => collectUntilFailure(c, call(chatBody, true)), { bodyMs: 250 }),
      )
      expect(error).toMatchObject({ _tag: "UpstreamTimeout", phase: "body" })
      expect(chunks.length).toBeGreaterThan(0)
    })

    it("interrupting the calling fiber aborts the upstream request", async () => {
      server.reply({ kind: "hang" })
      const before = server.requests.length
      const abortedBefore = server.aborted()
      await withClient(
        plugin,
        config.options({ baseUrl: server.baseUrl, apiKey: API_KEY }),
        (c) =>
          Effect.gen(function* () {
            const fiber = yield* Effect.forkChild(c.chat(call(chatBody, false)))
            yield* Effect.promise(() => vi.waitFor(() => expect(server.requests.length).toBe(before + 1)))
            yield* Fiber.interrupt(fiber)
          }),
        { slug },
      )
      await vi.waitFor(() => expect(server.aborted()).toBe(abortedBefore + 1))
    })

    it("enforces the deadline the router hands it: a silent upstream is cut with the deadline's error", async () => {
      if (config.enforcesDeadline === false) {
        const declared = successOf(await run((c) => Effect.succeed(c.enforcesDeadline)))
        expect(declared).not.toBe(true)
        return
      }
      server.reply({ kind: "hang" })
      const aborted = server.aborted()
      const deadline: CallDeadline = {
        timeoutMs: 50,
        // the router's clock, in short: expire 50 ms after arming
        arm: (onExpire) => {
          const t = setTimeout(onExpire, 50)
          return () => clearTimeout(t)
        },
        error: () =>
          new UpstreamTimeout({ provider: slug, status: 0, message: "No response within 50 ms", phase: "attempt" }),
      }
      const e = failureOf(
        await run((c) => {
          expect(c.enforcesDeadline).toBe(true)
          return c.chat({ ...call(chatBody, false), deadline })
        }),
      )
      expect(e).toMatchObject({ _tag: "UpstreamTimeout", message: "No response within 50 ms" })
      await vi.waitFor(() => expect(server.aborted()).toBe(aborted + 1))
    })
  })
}
