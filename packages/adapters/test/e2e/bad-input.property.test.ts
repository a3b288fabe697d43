/**
 * Whatever a client sends — any method, path, headers, bytes or JSON — the gateway answers: never a
 * 5xx, never a crash or a hang, and every error is the OpenAI envelope. Runs on the real router and
 * simulated providers (healthy upstreams: an upstream's own 5xx is not the client's doing), through the
 * handler and through the Node adapter on a real port.
 */
import { request as httpRequest } from "node:http"
import fc from "fast-check"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { isStreamBody } from "../../src/index.js"
import { isErrorEnvelope, readBody } from "../support/call.js"
import { type Stack, startStack } from "../support/stack.js"

let stack: Stack
beforeAll(async () => {
  stack = await startStack(
    {
      providers: [
        {
          slug: "a",
          kind: "simulated",
          options: { latency: 0, throughput: 100000, outputTokens: 2, capacity: { requestsPerMinute: 100000 } },
        },
        {
          slug: "b",
          kind: "simulated",
          options: { latency: 0, throughput: 100000, outputTokens: 2 },
        },
      ],
      models: [
        {
          id: "vendor/model",
          aliases: ["m"],
          endpoints: [
            {
              provider: "a",
              price: { prompt: 1, completion: 2 },
              contextLength: 4000,
              dataPolicy: { collects: true, zdr: false },
            },
            {
              provider: "b",
              price: { prompt: 3, completion: 4 },
              contextLength: 100000,
              pool: "provisioned",
              capacity: { tokensPerMinute: 50000 },
            },
          ],
        },
        { id: "other", endpoints: [{ provider: "b", price: { prompt: 1, completion: 1 }, contextLength: 1000 }] },
      ],
      routing: { maxRetrySleepMs: 0, requestTimeoutMs: 5000 },
      gateway: { keys: [{ name: "k", key: "sk-prop" }], maxBodyBytes: 64 * 1024 },
    },
    { runtime: { seed: 11 } },
  )
})
afterAll(() => stack.close())

const KNOWN_PATHS = [
  "/v1/chat/completions",
  "/v1/models",
  "/v1/models/vendor/model",
  "/v1/models/vendor/model/endpoints",
  "/v1/models/%E0%A4%A/endpoints",
  "/healthz",
  "/metrics",
]

const method = fc.oneof(
  { weight: 6, arbitrary: fc.constant("POST") },
  { weight: 3, arbitrary: fc.constantFrom("GET", "HEAD", "OPTIONS", "PUT", "DELETE", "PATCH") },
  { weight: 1, arbitrary: fc.string({ minLength: 1, maxLength: 8 }) },
)
const path = fc.oneof(
  { weight: 6, arbitrary: fc.constantFrom(...KNOWN_PATHS) },
  { weight: 2, arbitrary: fc.webPath() },
  { weight: 1, arbitrary: fc.string().map((s) => `/v1/${s}`) },
  {
    weight: 1,
    arbitrary: fc.tuple(fc.constantFrom(...KNOWN_PATHS), fc.webQueryParameters()).map(([p, q]) => `${p}?${q}`),
  },
)
const headers = fc.record(
  {
    authorization: fc.oneof(
      fc.constant("Bearer sk-prop"),
      fc.string(),
      fc.string().map((s) => `Bearer ${s}`),
    ),
    "x-switchyard-trace": fc.constantFrom("true", "false", "1", ""),
    "x-request-id": fc.string({ maxLength: 200 }),
    "content-type": fc.constantFrom("application/json", "text/plain", ""),
    "access-control-request-headers": fc.string(),
  },
  { requiredKeys: [] },
)

const anyJson = fc.jsonValue({ maxDepth: 3 })
const message = fc.oneof(
  {
    weight: 8,
    arbitrary: fc.record({
      role: fc.constantFrom("system", "user", "assistant", "tool", "developer"),
      content: fc.oneof(fc.string(), anyJson),
    }),
  },
  { weight: 1, arbitrary: anyJson },
)
/** Mostly well-formed, so most reach the router; then any field may be off. */
const usually = <T, U>(good: fc.Arbitrary<T>, bad: fc.Arbitrary<U>) =>
  fc.oneof({ weight: 12, arbitrary: good }, { weight: 1, arbitrary: bad })
const provider = usually(
  fc.record(
    {
      order: fc.array(fc.constantFrom("a", "b", "zzz", "a/x")),
      allow_fallbacks: usually(fc.boolean(), anyJson),
      only: fc.array(fc.constantFrom("a", "b", "zzz")),
      ignore: fc.array(fc.constantFrom("a", "b")),
      sort: usually(fc.constantFrom("price", "latency", "throughput"), anyJson),
      data_collection: usually(fc.constantFrom("allow", "deny"), fc.constant("maybe")),
      max_price: usually(
        fc.record({ prompt: fc.oneof(fc.double({ min: 0, max: 10, noNaN: true }), fc.constant("2")) }),
        anyJson,
      ),
      preferred_max_latency: usually(
        fc.oneof(
          fc.double({ min: 0, max: 10, noNaN: true }),
          fc.record({ p90: fc.double({ min: 0, max: 10, noNaN: true }) }),
        ),
        anyJson,
      ),
      high_availability: fc.boolean(),
      escalation: fc.constantFrom("allow", "deny"),
      priority: usually(fc.constantFrom("critical", "default", "batch"), fc.constant("urgent")),
      hedge: fc.boolean(),
    },
    { requiredKeys: [] },
  ),
  anyJson,
)
const chatLike = fc.record(
  {
    model: usually(fc.constantFrom("vendor/model", "m", "other", "nope"), anyJson),
    models: usually(fc.array(fc.constantFrom("vendor/model", "other", "nope"), { maxLength: 3 }), anyJson),
    messages: usually(fc.array(message, { minLength: 1, maxLength: 3 }), anyJson),
    stream: usually(fc.boolean(), anyJson),
    max_tokens: usually(fc.integer({ min: 1, max: 10_000_000 }), anyJson),
    tools: usually(fc.array(anyJson, { maxLength: 2 }), anyJson),
    temperature: fc.oneof(fc.double(), anyJson),
    provider,
    switchyard_trace: fc.oneof(fc.boolean(), anyJson),
  },
  { requiredKeys: ["model", "messages"] },
)
const encoder = new TextEncoder()
const body = fc.oneof(
  { weight: 5, arbitrary: chatLike.map((v) => encoder.encode(JSON.stringify(v))) },
  { weight: 2, arbitrary: anyJson.map((v) => encoder.encode(JSON.stringify(v) ?? "")) },
  { weight: 1, arbitrary: fc.string().map((s) => encoder.encode(s)) },
  { weight: 1, arbitrary: fc.uint8Array({ maxLength: 256 }) },
)

/** The invariant: a status below 500, and the envelope on every error. SSE bodies end properly. */
const checkAnswer = (status: number, contentType: string | undefined, text: string): void => {
  expect(status).toBeLessThan(500)
  if (status >= 400) {
    expect(isErrorEnvelope(JSON.parse(text))).toBe(true)
  } else if (status === 200 && contentType?.startsWith("text/event-stream")) {
    expect(text.endsWith("data: [DONE]\n\n")).toBe(true)
  } else if (status === 200 && contentType?.startsWith("application/json")) {
    JSON.parse(text)
  }
}

describe("bad input never produces a 5xx, a crash or a hang", () => {
  it("through the handler", async () => {
    await fc.assert(
      fc.asyncProperty(method, path, headers, body, async (m, p, h, b) => {
        const response = await stack.gateway.handle({ method: m, path: p, headers: h, body: b })
        const text = await readBody(response)
        checkAnswer(response.status, response.headers["content-type"], text)
        if (isStreamBody(response.body)) expect(response.status).toBe(200)
      }),
      { numRuns: 400 },
    )
  })

  it("chat requests with a valid key and any body, through the handler (most reach the router)", async () => {
    await fc.assert(
      fc.asyncProperty(headers, chatLike, async (h, json) => {
        const response = await stack.gateway.handle({
          method: "POST",
          path: "/v1/chat/completions",
          headers: { ...h, authorization: "Bearer sk-prop" },
          body: encoder.encode(JSON.stringify(json)),
        })
        checkAnswer(response.status, response.headers["content-type"], await readBody(response))
      }),
      { numRuns: 400 },
    )
  })

  it("through the Node adapter on a real port (raw bytes, any header values)", async () => {
    const send = (m: string, p: string, h: Record<string, string>, b: Uint8Array) =>
      new Promise<{ status: number; contentType: string | undefined; text: string }>((resolve, reject) => {
        const req = httpRequest(`${stack.url}${p}`, { method: m, headers: h })
        req.on("response", (res) => {
          const chunks: Array<Buffer> = []
          res.on("data", (c: Buffer) => chunks.push(c))
          res.on("end", () =>
            resolve({
              status: res.statusCode ?? 0,
              contentType: res.headers["content-type"],
              text: Buffer.concat(chunks).toString("utf8"),
            }),
          )
        })
        req.on("error", reject)
        req.end(b)
      })
    const safeHeader = fc.string({ unit: fc.constantFrom(..."abcdefABC0123-_ /.;=\"'"), maxLength: 40 })
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom("POST", "GET", "PUT", "OPTIONS"),
        fc.constantFrom(...KNOWN_PATHS, "/nope", "/v1/chat/completions/extra"),
        fc.record(
          { authorization: fc.oneof(fc.constant("Bearer sk-prop"), safeHeader), "x-request-id": safeHeader },
          { requiredKeys: [] },
        ),
        body,
        async (m, p, h, b) => {
          const r = await send(m, p, h, b)
          checkAnswer(r.status, r.contentType, r.text)
        },
      ),
      { numRuns: 150 },
    )
  })
})
