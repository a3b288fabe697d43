import { failureScope, type JsonObject, type ProviderClient, type ProviderError } from "@switchyard/core"
import type { Effect } from "effect"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { googlePlugin } from "../../src/google/index.js"
import { testEndpoint } from "../conformance/endpoint.js"
import { messageOf, streamedText } from "../conformance/openai-shape.js"
import { collectUntilFailure, failureOf, successOf, withClient } from "../conformance/run.js"
import { type Loopback, startLoopback } from "../support/loopback.js"
import { cassetteResponse, geminiFrames, googleChunks, googleFixture } from "./replay.js"

const KEY = "AIzaSy-test-key-0123456789"
const endpoint = testEndpoint({ provider: "google", providerKind: "google", upstreamModel: "gemini-2.5-flash" })
const ask: JsonObject = { model: "gemini", messages: [{ role: "user", content: "Hi" }] }

describe("google plugin (Gemini API) against a loopback Gemini server", () => {
  let server: Loopback
  beforeAll(async () => {
    server = await startLoopback()
  })
  afterAll(async () => {
    await server.close()
  })
  const run = <A, E>(use: (client: ProviderClient) => Effect.Effect<A, E>, options?: JsonObject) =>
    withClient(googlePlugin, { baseUrl: server.baseUrl, apiKey: KEY, ...options }, use, { slug: "google" })
  const last = () => {
    const request = server.requests.at(-1)
    if (request === undefined) throw new Error("the upstream received no request")
    return request
  }

  it("sends a multi-turn tool conversation as generateContent: system, roles, parts, tools, config", async () => {
    server.reply({ kind: "json", body: googleFixture("gemini-text.json") })
    const body: JsonObject = {
      model: "gemini",
      messages: [
        { role: "system", content: "You are terse." },
        { role: "developer", content: [{ type: "text", text: "Answer in French." }] },
        {
          role: "user",
          content: [
            { type: "text", text: "Compare these:" },
            { type: "image_url", image_url: { url: "data:image/png;base64,iVBORw0KGgo=" } },
            { type: "image_url", image_url: { url: "https://example.com/cat.webp?size=large" } },
          ],
        },
        {
          role: "assistant",
          content: "Checking the weather.",
          tool_calls: [
            { id: "call_a", type: "function", function: { name: "weather", arguments: '{"city":"Paris"}' } },
            { id: "call_b", type: "function", function: { name: "time", arguments: "" } },
          ],
        },
        { role: "tool", tool_call_id: "call_b", content: "12:00" },
        { role: "tool", tool_call_id: "call_a", content: '{"temp":21}' },
        { role: "user", content: "And tomorrow?" },
      ],
      tools: [
        {
          type: "function",
          function: {
            name: "weather",
            description: "Weather in a city",
            parameters: {
              type: "object",
              properties: { city: { type: "string" }, unit: { type: ["string", "null"], enum: ["C", "F"] } },
              required: ["city"],
              additionalProperties: false,
            },
          },
        },
        { type: "function", function: { name: "time", parameters: { type: "object", properties: {} } } },
      ],
      tool_choice: { type: "function", function: { name: "weather" } },
      response_format: {
        type: "json_schema",
        json_schema: { name: "answer", schema: { type: "object", properties: { text: { type: "string" } } } },
      },
      temperature: 0.2,
      top_p: 0.9,
      max_tokens: 300,
      stop: "END",
      seed: 7,
    }
    successOf(await run((c) => c.chat({ body, endpoint })))
    expect(last().json).toEqual({
      systemInstruction: { parts: [{ text: "You are terse." }, { text: "Answer in French." }] },
      contents: [
        {
          role: "user",
          parts: [
            { text: "Compare these:" },
            { inlineData: { mimeType: "image/png", data: "iVBORw0KGgo=" } },
            { fileData: { mimeType: "image/webp", fileUri: "https://example.com/cat.webp?size=large" } },
          ],
        },
        {
          role: "model",
          parts: [
            { text: "Checking the weather." },
            { functionCall: { name: "weather", args: { city: "Paris" } } },
            { functionCall: { name: "time", args: {} } },
          ],
        },
        {
          // both results in one turn, each named after the call its tool_call_id points to
          role: "user",
          parts: [
            { functionResponse: { name: "time", response: { output: "12:00" } } },
            { functionResponse: { name: "weather", response: { temp: 21 } } },
          ],
        },
        { role: "user", parts: [{ text: "And tomorrow?" }] },
      ],
      tools: [
        {
          functionDeclarations: [
            {
              name: "weather",
              description: "Weather in a city",
              // the JSON Schema as the client sent it
              parametersJsonSchema: {
                type: "object",
                properties: { city: { type: "string" }, unit: { type: ["string", "null"], enum: ["C", "F"] } },
                required: ["city"],
                additionalProperties: false,
              },
            },
            { name: "time" },
          ],
        },
      ],
      toolConfig: { functionCallingConfig: { mode: "ANY", allowedFunctionNames: ["weather"] } },
      generationConfig: {
        temperature: 0.2,
        topP: 0.9,
        maxOutputTokens: 300,
        stopSequences: ["END"],
        seed: 7,
        responseMimeType: "application/json",
        responseJsonSchema: { type: "object", properties: { text: { type: "string" } } },
      },
    })
  })

  it("tool_choice auto / none / required map to AUTO / NONE / ANY; json_object to a JSON mime type", async () => {
    server.reply({ kind: "json", body: googleFixture("gemini-text.json") })
    const modes: Array<[unknown, string]> = [
      ["auto", "AUTO"],
      ["none", "NONE"],
      ["required", "ANY"],
    ]
    for (const [choice, mode] of modes) {
      successOf(await run((c) => c.chat({ body: { ...ask, tool_choice: choice }, endpoint })))
      expect(last().json).toMatchObject({ toolConfig: { functionCallingConfig: { mode } } })
    }
    successOf(await run((c) => c.chat({ body: { ...ask, response_format: { type: "json_object" } }, endpoint })))
    expect(last().json).toMatchObject({ generationConfig: { responseMimeType: "application/json" } })
  })

  it("item 7: a Pydantic tool schema with $ref/$defs and a json_schema response_format reach Gemini unchanged; top_k → topK", async () => {
    server.reply({ kind: "json", body: googleFixture("gemini-tool-call.json") })
    // what `pydantic.BaseModel.model_json_schema()` produces for a model with a nested model
    const pydantic = {
      $defs: {
        Address: {
          properties: {
            city: { title: "City", type: "string" },
            zip: { anyOf: [{ type: "string" }, { type: "null" }], default: null, title: "Zip" },
          },
          required: ["city"],
          title: "Address",
          type: "object",
        },
      },
      properties: { name: { title: "Name", type: "string" }, address: { $ref: "#/$defs/Address" } },
      required: ["name", "address"],
      title: "Person",
      type: "object",
    }
    const body = {
      ...ask,
      top_k: 40,
      tools: [{ type: "function", function: { name: "save_person", parameters: pydantic } }],
      response_format: { type: "json_schema", json_schema: { name: "person", schema: pydantic } },
    }
    successOf(await run((c) => c.chat({ body, endpoint })))
    expect(last().json).toMatchObject({
      tools: [{ functionDeclarations: [{ name: "save_person", parametersJsonSchema: pydantic }] }],
      generationConfig: { topK: 40, responseMimeType: "application/json", responseJsonSchema: pydantic },
    })
  })

  it("a tool message whose tool_call_id matches no earlier call is a BadRequest, sent nowhere", async () => {
    const before = server.requests.length
    const body = { model: "g", messages: [{ role: "tool", tool_call_id: "call_x", content: "1" }] }
    const e = failureOf(await run((c) => c.chat({ body, endpoint })))
    expect(e).toMatchObject({ _tag: "BadRequest", param: "messages.0.tool_call_id" })
    expect(server.requests.length).toBe(before)
  })

  it("thought signatures come back on tool calls and are echoed on the next turn (Gemini 3 requires it)", async () => {
    server.reply({ kind: "json", body: googleFixture("gemini-tool-call.json") })
    const first = successOf(await run((c) => c.chat({ body: ask, endpoint })))
    const message = messageOf(first.body)
    const calls = message.tool_calls as ReadonlyArray<JsonObject>
    expect(calls[0]).toMatchObject({
      type: "function",
      function: { name: "weather", arguments: '{"location":"San Francisco"}' },
      extra_content: { google: { thought_signature: expect.stringMatching(/^EskgCsYgAb4/) } },
    })
    const id = String(calls[0]?.id)
    const extra = calls[0]?.extra_content as { google: { thought_signature: string } }
    const signature = extra.google.thought_signature
    server.reply({ kind: "json", body: googleFixture("gemini-text.json") })
    const next = {
      ...ask,
      messages: [...(ask.messages as Array<unknown>), message, { role: "tool", tool_call_id: id, content: "sunny" }],
    }
    successOf(await run((c) => c.chat({ body: next, endpoint })))
    expect((last().json as { contents: unknown }).contents).toEqual([
      { role: "user", parts: [{ text: "Hi" }] },
      {
        role: "model",
        parts: [
          {
            functionCall: { name: "weather", args: { location: "San Francisco" } },
            thoughtSignature: signature,
          },
        ],
      },
      { role: "user", parts: [{ functionResponse: { name: "weather", response: { output: "sunny" } } }] },
    ])
  })

  it("the key can come from the environment; a missing variable is a ConfigInvalid naming it", async () => {
    server.reply({ kind: "json", body: googleFixture("gemini-text.json") })
    const ok = await withClient(
      googlePlugin,
      { baseUrl: server.baseUrl, apiKey: { env: "GEMINI_KEY" } },
      (c) => c.chat({ body: ask, endpoint }),
      { slug: "google", env: { GEMINI_KEY: "AIza-from-env-123" } },
    )
    successOf(ok)
    expect(last().headers["x-goog-api-key"]).toBe("AIza-from-env-123")
    const missing = await withClient(
      googlePlugin,
      { apiKey: { env: "GEMINI_KEY" } },
      (c) => c.chat({ body: ask, endpoint }),
      {
        slug: "google",
      },
    )
    expect(failureOf(missing)).toMatchObject({ _tag: "ConfigInvalid", path: "apiKey" })
  })

  it("MAX_TOKENS (recorded) → finish_reason length", async () => {
    server.reply({ kind: "json", body: cassetteResponse("gemini-finish-max-tokens.cassette.yaml").body })
    const result = successOf(await run((c) => c.chat({ body: ask, endpoint })))
    expect(result.body).toMatchObject({
      choices: [{ finish_reason: "length", message: { content: "The capital of France is" } }],
      usage: { prompt_tokens: 15, completion_tokens: 5, total_tokens: 20 },
    })
  })

  it("429 RESOURCE_EXHAUSTED with RetryInfo 34.4s → RateLimited after 34.4 s, a per-minute quota is not sticky", async () => {
    server.reply({ kind: "json", status: 429, body: googleFixture("gemini-error-429-retry-info.json") })
    const e = failureOf(await run((c) => c.chat({ body: ask, endpoint })))
    expect(e).toMatchObject({ _tag: "RateLimited", status: 429, retryAfterMs: 34_400 })
    expect(e).not.toHaveProperty("quota")
  })

  it("a per-minute quota stays transient when its message mentions billing (the live wording), with or without RetryInfo", async () => {
    const fixture = JSON.parse(googleFixture("gemini-error-429-retry-info.json"))
    fixture.error.message =
      "You exceeded your current quota, please check your plan and billing details. For more information on this error, head to: https://ai.google.dev/gemini-api/docs/rate-limits."
    const withRetry = JSON.stringify(fixture)
    fixture.error.details = fixture.error.details.filter((d: { "@type": string }) => !d["@type"].endsWith("RetryInfo"))
    for (const body of [withRetry, JSON.stringify(fixture)]) {
      server.reply({ kind: "json", status: 429, body })
      const e = failureOf(await run((c) => c.chat({ body: ask, endpoint })))
      expect(e).toMatchObject({ _tag: "RateLimited", status: 429 })
      expect(e).not.toHaveProperty("quota")
    }
  })

  it("400 FAILED_PRECONDITION (the project's location or billing, not the request) → AuthFailed: another endpoint may serve", async () => {
    const body = JSON.stringify({
      error: { code: 400, message: "User location is not supported for the API use.", status: "FAILED_PRECONDITION" },
    })
    server.reply({ kind: "json", status: 400, body })
    const e = failureOf(await run((c) => c.chat({ body: ask, endpoint })))
    expect(e).toMatchObject({ _tag: "AuthFailed", status: 400 })
    expect(failureScope(e as ProviderError)).toBe("endpoint")
  })

  it("429 for an exhausted per-day quota → RateLimited{quota: true} (do not retry it soon)", async () => {
    const perDay = googleFixture("gemini-error-429-retry-info.json").replace(
      "GenerateRequestsPerMinutePerProjectPerModel-FreeTier",
      "GenerateRequestsPerDayPerProjectPerModel-FreeTier",
    )
    server.reply({ kind: "json", status: 429, body: perDay })
    expect(failureOf(await run((c) => c.chat({ body: ask, endpoint })))).toMatchObject({
      _tag: "RateLimited",
      quota: true,
    })
  })

  it("404 for an unknown model (recorded) → NotFound that lets the router try another model", async () => {
    const res = cassetteResponse("gemini-error-404-model-not-found.cassette.yaml")
    server.reply({ kind: "json", status: res.status, body: res.body })
    const e = failureOf(await run((c) => c.chat({ body: ask, endpoint })))
    expect(e).toMatchObject({ _tag: "NotFound", status: 404, modelNotSupported: true })
    expect(e.message).toContain("is not found for API version v1beta")
  })

  it("a bad key (400 API_KEY_INVALID) → AuthFailed; 503 'model is overloaded' → Overloaded", async () => {
    server.reply({
      kind: "json",
      status: 400,
      body: JSON.stringify({
        error: {
          code: 400,
          message: "API key not valid. Please pass a valid API key.",
          status: "INVALID_ARGUMENT",
          details: [
            {
              "@type": "type.googleapis.com/google.rpc.ErrorInfo",
              reason: "API_KEY_INVALID",
              domain: "googleapis.com",
            },
          ],
        },
      }),
    })
    expect(failureOf(await run((c) => c.chat({ body: ask, endpoint })))).toMatchObject({
      _tag: "AuthFailed",
      status: 400,
    })
    server.reply({
      kind: "json",
      status: 503,
      headers: { "retry-after": "4" },
      body: JSON.stringify({
        error: { code: 503, message: "The model is overloaded. Please try again later.", status: "UNAVAILABLE" },
      }),
    })
    expect(failureOf(await run((c) => c.chat({ body: ask, endpoint })))).toMatchObject({
      _tag: "Overloaded",
      status: 503,
      retryAfterMs: 4000,
    })
  })

  it("a prompt blocked by safety filters (no candidates) → ContentFiltered", async () => {
    server.reply({
      kind: "json",
      body: JSON.stringify({
        promptFeedback: { blockReason: "SAFETY" },
        usageMetadata: { promptTokenCount: 8, totalTokenCount: 8 },
      }),
    })
    expect(failureOf(await run((c) => c.chat({ body: ask, endpoint })))).toMatchObject({
      _tag: "ContentFiltered",
      message: expect.stringContaining("SAFETY"),
    })
  })

  it("stream answered without SSE framing, as a JSON array holding an error → stream() fails with it", async () => {
    server.reply({
      kind: "json",
      body: JSON.stringify([
        { error: { code: 429, message: "Resource exhausted, please try again later.", status: "RESOURCE_EXHAUSTED" } },
      ]),
    })
    expect(failureOf(await run((c) => c.stream({ body: { ...ask, stream: true }, endpoint })))).toMatchObject({
      _tag: "RateLimited",
      status: 429,
    })
  })

  it("stream answered as a JSON array of responses → the same chunks as SSE", async () => {
    const events = googleChunks("gemini-text.chunks.txt").map((l) => JSON.parse(l) as unknown)
    server.reply({ kind: "json", body: JSON.stringify(events) })
    const { chunks, error } = successOf(
      await run((c) => collectUntilFailure(c, { body: { ...ask, stream: true }, endpoint })),
    )
    expect(error).toBeUndefined()
    expect(streamedText(chunks)).toBe('There are **3** "r"s in strawberry.\n\nst**r**awbe**rr**y')
  })

  it("an error event in the middle of a stream fails it after the text so far (503 overloaded → Overloaded)", async () => {
    const first = googleChunks("gemini-text.chunks.txt").slice(0, 1)
    const error = JSON.stringify({ error: { code: 503, message: "The model is overloaded.", status: "UNAVAILABLE" } })
    server.reply({ kind: "sse", frames: geminiFrames([...first, error]) })
    const { chunks, error: e } = successOf(
      await run((c) => collectUntilFailure(c, { body: { ...ask, stream: true }, endpoint })),
    )
    expect(streamedText(chunks)).toBe("There are **3**")
    expect(e).toMatchObject({ _tag: "Overloaded", status: 503 })
  })

  it("stream: the first chunk carries the role with the first text, no empty lifecycle chunk", async () => {
    server.reply({ kind: "sse", frames: geminiFrames(googleChunks("gemini-text.chunks.txt")) })
    const { chunks } = successOf(await run((c) => collectUntilFailure(c, { body: { ...ask, stream: true }, endpoint })))
    expect(chunks[0]).toMatchObject({
      choices: [{ index: 0, delta: { role: "assistant", content: "There are **3**" } }],
    })
    // the closing chunk carries the final usage (thoughts counted as reasoning) and no choices
    expect(chunks.at(-1)).toMatchObject({
      choices: [],
      usage: { prompt_tokens: 9, completion_tokens: 208, completion_tokens_details: { reasoning_tokens: 185 } },
    })
  })
})
