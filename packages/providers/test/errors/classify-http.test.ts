import { failureScope, isRetryable } from "@switchyard/core"
import { describe, expect, it } from "vitest"
import { classifyHttpError } from "../../src/errors/classify-http.js"
import { makeRedactor } from "../../src/errors/redact.js"
import { readCassette, readFixture } from "../support/fixtures.js"

const NOW = Date.UTC(2026, 0, 1)
const redact = makeRedactor(["my-secret-key-123"])
const classify = (status: number, body: string, headers: Record<string, string> = {}) =>
  classifyHttpError({ provider: "p", status, body, headers, nowMs: NOW, redact })
const openAi = (e: Record<string, unknown>) => JSON.stringify({ error: { message: "m", ...e } })

describe("classifyHttpError: recorded upstream errors", () => {
  it("OpenAI 401 invalid_api_key (pretty-printed body) → AuthFailed, not retryable", () => {
    const r = readCassette("openai/openai-chat-error-401-invalid-api-key.cassette.yaml")[0]!.response
    const e = classify(r.status, r.body, r.headers)
    expect(e).toMatchObject({ _tag: "AuthFailed", status: 401, provider: "p" })
    expect(e.message).toContain("Incorrect API key provided")
    expect(isRetryable(e)).toBe(false)
    // the gateway's key for this endpoint, not the request: another endpoint may serve it
    expect(failureScope(e)).toBe("endpoint")
  })

  it("OpenAI 404 model_not_found → NotFound: the endpoint's fault, another endpoint may serve", () => {
    const r = readCassette("openai/openai-chat-error-404-model-not-found.cassette.yaml")[0]!.response
    const e = classify(r.status, r.body)
    expect(e).toMatchObject({ _tag: "NotFound", modelNotSupported: true })
    expect(failureScope(e)).toBe("endpoint")
  })

  it("Groq 404 model_not_found → NotFound modelNotSupported", () => {
    const r = readCassette("groq/groq-chat-error-404-model-not-found.cassette.yaml")[0]!.response
    expect(classify(r.status, r.body)).toMatchObject({ _tag: "NotFound", modelNotSupported: true })
  })

  it("OpenAI 400 unsupported_parameter → BadRequest with param and code", () => {
    const e = classify(400, readFixture("openai/openai-chat-error-400-unsupported-parameter.json"))
    expect(e).toMatchObject({ _tag: "BadRequest", param: "max_tokens", code: "unsupported_parameter" })
  })

  it("Groq 400 tool_use_failed → BadRequest code tool_use_failed", () => {
    const r = readCassette("groq/groq-chat-error-400-tool-use-failed.cassette.yaml")[0]!.response
    expect(classify(r.status, r.body)).toMatchObject({ _tag: "BadRequest", code: "tool_use_failed" })
  })

  it("OpenRouter 429 (upstream rate limited) → RateLimited with the raw upstream message", () => {
    const r = readCassette("openrouter/openrouter-chat-error-429-upstream-rate-limited.cassette.yaml")[0]!.response
    const e = classify(r.status, r.body)
    expect(e).toMatchObject({ _tag: "RateLimited", status: 429 })
    expect(e.message).toContain("rate-limited upstream")
    expect("quota" in e && e.quota).toBeFalsy()
  })
})

describe("classifyHttpError: rules (hand-written bodies in each documented envelope)", () => {
  it.each<[string, number, string, Record<string, string>, Record<string, unknown>]>([
    [
      "429 with retry-after-ms",
      429,
      openAi({ code: "rate_limit_exceeded" }),
      { "retry-after-ms": "900" },
      { _tag: "RateLimited", retryAfterMs: 900 },
    ],
    [
      "429 insufficient_quota → sticky quota",
      429,
      openAi({ type: "insufficient_quota", code: "insufficient_quota" }),
      {},
      { _tag: "RateLimited", quota: true },
    ],
    [
      "Azure standard 429: retry delay only in the message",
      429,
      JSON.stringify({
        error: {
          code: "429",
          message:
            "Requests to the ChatCompletions_Create Operation have exceeded token rate limit. Please retry after 7 seconds.",
        },
      }),
      {},
      { _tag: "RateLimited", retryAfterMs: 7000 },
    ],
    [
      "Gemini per-minute RESOURCE_EXHAUSTED: RetryInfo delay, not sticky",
      429,
      readFixture("google/gemini-error-429-retry-info.json"),
      {},
      { _tag: "RateLimited", retryAfterMs: 34_400 },
    ],
    [
      "Gemini per-day quota → sticky quota",
      429,
      JSON.stringify({
        error: {
          code: 429,
          status: "RESOURCE_EXHAUSTED",
          message: "Quota exceeded",
          details: [
            {
              "@type": "type.googleapis.com/google.rpc.QuotaFailure",
              violations: [{ quotaId: "GenerateRequestsPerDayPerProjectPerModel-FreeTier" }],
            },
          ],
        },
      }),
      {},
      { _tag: "RateLimited", quota: true },
    ],
    [
      "529 → Overloaded",
      529,
      JSON.stringify({ type: "error", error: { type: "overloaded_error", message: "Overloaded" } }),
      {},
      { _tag: "Overloaded", status: 529 },
    ],
    [
      "overloaded_error on another status → Overloaded",
      503,
      JSON.stringify({ type: "error", error: { type: "overloaded_error", message: "Overloaded" } }),
      {},
      { _tag: "Overloaded" },
    ],
    ["408 → UpstreamTimeout", 408, "Request Timeout", {}, { _tag: "UpstreamTimeout", status: 408 }],
    ["504 → UpstreamTimeout", 504, "<html>Gateway Timeout</html>", {}, { _tag: "UpstreamTimeout", status: 504 }],
    [
      "503 with retry-after → UpstreamServerError keeping it",
      503,
      openAi({ type: "server_error" }),
      { "retry-after": "20" },
      { _tag: "UpstreamServerError", retryAfterMs: 20_000 },
    ],
    [
      "502 plain text → UpstreamServerError",
      502,
      "Bad Gateway",
      {},
      { _tag: "UpstreamServerError", message: "Bad Gateway" },
    ],
    [
      "400 context_length_exceeded code",
      400,
      openAi({ code: "context_length_exceeded" }),
      {},
      { _tag: "ContextLengthExceeded" },
    ],
    [
      "400 'maximum context length' wording",
      400,
      openAi({
        message: "This model's maximum context length is 8192 tokens. However, your messages resulted in 9000 tokens.",
      }),
      {},
      { _tag: "ContextLengthExceeded" },
    ],
    [
      "Anthropic 'prompt is too long'",
      400,
      JSON.stringify({
        type: "error",
        error: { type: "invalid_request_error", message: "prompt is too long: 210000 tokens > 200000 maximum" },
      }),
      {},
      { _tag: "ContextLengthExceeded" },
    ],
    [
      "413 too large → ContextLengthExceeded when it says so",
      413,
      openAi({ message: "Request too large: too many tokens" }),
      {},
      { _tag: "ContextLengthExceeded" },
    ],
    [
      "Azure content_filter → ContentFiltered",
      400,
      JSON.stringify({
        error: {
          code: "content_filter",
          message: "The response was filtered",
          innererror: { code: "ResponsibleAIPolicyViolation" },
        },
      }),
      {},
      { _tag: "ContentFiltered" },
    ],
    [
      "422 → BadRequest",
      422,
      openAi({ message: "Unprocessable", param: "messages" }),
      {},
      { _tag: "BadRequest", param: "messages", status: 422 },
    ],
    [
      "403 → AuthFailed",
      403,
      JSON.stringify({ error: { code: 403, status: "PERMISSION_DENIED", message: "denied" } }),
      {},
      { _tag: "AuthFailed" },
    ],
    [
      "404 on an unknown path → NotFound without modelNotSupported",
      404,
      "Not Found: /v1/chat/completionz",
      {},
      { _tag: "NotFound" },
    ],
    [
      "Azure DeploymentNotFound → modelNotSupported",
      404,
      JSON.stringify({
        error: { code: "DeploymentNotFound", message: "The API deployment for this resource does not exist." },
      }),
      {},
      { _tag: "NotFound", modelNotSupported: true },
    ],
  ])("%s", (_name, status, body, headers, expected) => {
    expect(classify(status, body, headers)).toMatchObject(expected)
  })

  it("a per-minute Gemini quota (hand-written fixture) is transient, not sticky", () => {
    expect(classify(429, readFixture("google/gemini-error-429-retry-info.json"))).not.toHaveProperty("quota")
  })

  it("a 404 without a model mention does not claim the model is unsupported", () => {
    expect(classify(404, "Not Found: /v1/chat/completionz")).not.toHaveProperty("modelNotSupported")
  })

  it("redacts the configured key and bearer tokens from upstream messages", () => {
    const e = classify(401, openAi({ message: "key my-secret-key-123 rejected; header was Bearer abcdefghijklmnop" }))
    expect(e.message).not.toContain("my-secret-key-123")
    expect(e.message).not.toContain("abcdefghijklmnop")
    expect(e.message).toContain("[REDACTED]")
  })

  it("a configured key at the cut of a long text body is masked whole, not kept up to its last characters", () => {
    for (const at of [480, 490, 495, 499]) {
      const e = classify(500, `${"E".repeat(at)}my-secret-key-123 and more`)
      expect(e.message).not.toMatch(/my-secr|secret-key/)
    }
  })

  it("a configured key at the cut of a long detail string is masked whole", () => {
    const long = `${"d".repeat(4090)}my-secret-key-123`
    const e = classify(400, openAi({ message: "bad", detail: long }))
    expect(JSON.stringify(e)).not.toMatch(/my-secr|secret-key/)
  })

  it("a status about the endpoint, not the client's request, is retried elsewhere: 402, redirects, other 4xx", () => {
    const credit = classify(402, openAi({ message: "Insufficient credits", code: 402 }))
    expect(credit._tag).toBe("UpstreamServerError")
    expect(isRetryable(credit)).toBe(true)
    for (const status of [301, 302, 307, 405, 406, 410, 415, 421, 426, 451]) {
      const e = classify(status, "<html>nope</html>")
      expect(e._tag).toBe("UpstreamServerError")
      expect(isRetryable(e)).toBe(true)
    }
  })

  it("statuses about the client's request stay the client's error, relayed and not retried", () => {
    for (const status of [400, 413, 422]) {
      const e = classify(status, openAi({ message: "bad field", param: "temperature" }))
      expect(e._tag).toBe("BadRequest")
      expect(isRetryable(e)).toBe(false)
    }
  })
})
