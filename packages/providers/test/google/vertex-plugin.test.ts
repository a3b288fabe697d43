import type { ChatStream, JsonObject, ProviderClient } from "@switchyard/core"
import { Effect, Stream } from "effect"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { googleVertexPlugin, vertexRequestType } from "../../src/google/index.js"
import { vertexBaseUrl } from "../../src/google/vertex-plugin.js"
import { testEndpoint } from "../conformance/endpoint.js"
import { failureOf, successOf, withClient } from "../conformance/run.js"
import { type Loopback, startLoopback } from "../support/loopback.js"
import { cassetteResponse } from "./replay.js"

const TOKEN = "ya29.test-access-token-0123456789"
const standard = testEndpoint({
  provider: "google-vertex",
  providerKind: "google-vertex",
  upstreamModel: "gemini-2.0-flash-001",
})
const provisioned = testEndpoint({
  provider: "google-vertex",
  slug: "google-vertex/pt",
  providerKind: "google-vertex",
  upstreamModel: "gemini-2.0-flash-001",
  pool: "provisioned",
})
const ask: JsonObject = { model: "gemini", messages: [{ role: "user", content: "What is the capital of France?" }] }
const vertexText = () => cassetteResponse("vertex-generate-content-text.cassette.yaml").body

describe("google-vertex plugin against a loopback Vertex server", () => {
  let server: Loopback
  beforeAll(async () => {
    server = await startLoopback()
  })
  afterAll(async () => {
    await server.close()
  })
  const options = (extra?: JsonObject) => ({
    project: "acme-prod",
    location: "europe-west4",
    accessToken: TOKEN,
    baseUrl: server.baseUrl,
    ...extra,
  })
  const run = <A, E>(use: (client: ProviderClient) => Effect.Effect<A, E>, extra?: JsonObject) =>
    withClient(googleVertexPlugin, options(extra), use, { slug: "google-vertex" })
  const last = () => {
    const request = server.requests.at(-1)
    if (request === undefined) throw new Error("the upstream received no request")
    return request
  }

  it("a provisioned endpoint sends X-Vertex-AI-LLM-Request-Type: dedicated, a standard one shared", async () => {
    server.reply({ kind: "json", body: vertexText() })
    successOf(await run((c) => c.chat({ body: ask, endpoint: provisioned })))
    expect(last().headers["x-vertex-ai-llm-request-type"]).toBe("dedicated")
    successOf(await run((c) => c.chat({ body: ask, endpoint: standard })))
    expect(last().headers["x-vertex-ai-llm-request-type"]).toBe("shared")
    server.reply({ kind: "sse", frames: [cassetteResponse("vertex-stream-text-flex.cassette.yaml").body] })
    successOf(await run((c) => c.stream({ body: { ...ask, stream: true }, endpoint: provisioned })))
    expect(last().headers["x-vertex-ai-llm-request-type"]).toBe("dedicated")
    expect(vertexRequestType(provisioned)).toBe("dedicated")
  })

  it("posts to the regional publisher model URL with the bearer token", async () => {
    server.reply({ kind: "json", body: vertexText() })
    successOf(await run((c) => c.chat({ body: ask, endpoint: standard })))
    expect(last().url).toBe(
      "/v1/projects/acme-prod/locations/europe-west4/publishers/google/models/gemini-2.0-flash-001:generateContent",
    )
    expect(last().headers.authorization).toBe(`Bearer ${TOKEN}`)
    successOf(await run((c) => c.chat({ body: ask, endpoint: standard }), { apiVersion: "v1beta1" }))
    expect(last().url).toMatch(/^\/v1beta1\/projects\/acme-prod\//)
    const tuned = { ...standard, upstreamModel: "projects/acme-prod/locations/europe-west4/endpoints/4242" }
    successOf(await run((c) => c.chat({ body: ask, endpoint: tuned })))
    expect(last().url).toBe("/v1/projects/acme-prod/locations/europe-west4/endpoints/4242:generateContent")
  })

  it("default hosts: regional, and aiplatform.googleapis.com for the global location", () => {
    expect(vertexBaseUrl("us-central1")).toBe("https://us-central1-aiplatform.googleapis.com")
    expect(vertexBaseUrl("global")).toBe("https://aiplatform.googleapis.com")
  })

  it("reports the pool that served: ON_DEMAND (recorded) → on_demand, PROVISIONED_THROUGHPUT → provisioned", async () => {
    server.reply({ kind: "json", body: vertexText() })
    const onDemand = successOf(await run((c) => c.chat({ body: ask, endpoint: provisioned })))
    expect(onDemand.signals.trafficType).toBe("on_demand")
    const pt = JSON.parse(vertexText()) as { usageMetadata: Record<string, unknown> }
    pt.usageMetadata.trafficType = "PROVISIONED_THROUGHPUT"
    server.reply({ kind: "json", body: JSON.stringify(pt) })
    const served = successOf(await run((c) => c.chat({ body: ask, endpoint: provisioned })))
    expect(served.signals.trafficType).toBe("provisioned")
    expect(served.requestId).toBe("1VpeaKq4CfH_2PgPh_z--AY")
  })

  it("stream: the pool and the response id are on the stream's signals once the events arrived", async () => {
    server.reply({ kind: "sse", frames: [cassetteResponse("vertex-stream-text-flex.cassette.yaml").body] })
    const seen = successOf(
      await run((c) =>
        Effect.gen(function* () {
          const stream: ChatStream = yield* c.stream({ body: { ...ask, stream: true }, endpoint: standard })
          const before = stream.signals.trafficType
          yield* Stream.runDrain(stream.chunks)
          return { before, after: stream.signals.trafficType, requestId: stream.requestId }
        }),
      ),
    )
    expect(seen).toEqual({ before: undefined, after: "on_demand_flex", requestId: "a9--aa6MOKL4vdIPz7X2iQ4" })
  })

  it("a full PT pool (429 'Exceeded the Provisioned Throughput') → RateLimited, not a sticky quota", async () => {
    server.reply({
      kind: "json",
      status: 429,
      body: JSON.stringify({
        error: {
          code: 429,
          message: "Too many requests. Exceeded the Provisioned Throughput.",
          status: "RESOURCE_EXHAUSTED",
        },
      }),
    })
    const e = failureOf(await run((c) => c.chat({ body: ask, endpoint: provisioned })))
    expect(e).toMatchObject({ _tag: "RateLimited", status: 429, provider: "google-vertex" })
    expect(e).not.toHaveProperty("quota")
  })

  it("400 INVALID_ARGUMENT (recorded: URL not fetchable) → BadRequest with the Google status as code", async () => {
    const res = cassetteResponse("vertex-tool-call-then-error-400.cassette.yaml", 2)
    server.reply({ kind: "json", status: res.status, body: res.body })
    const e = failureOf(await run((c) => c.chat({ body: ask, endpoint: standard })))
    expect(e).toMatchObject({ _tag: "BadRequest", status: 400, code: "INVALID_ARGUMENT" })
    expect(e.message).toContain("URL_ROBOTED")
  })

  it("a token function is called for every request; its failure is AuthFailed and nothing is sent", async () => {
    server.reply({ kind: "json", body: vertexText() })
    let calls = 0
    const token = () => Promise.resolve(`ya29.rotating-${++calls}`)
    successOf(
      await run(
        (c) =>
          Effect.gen(function* () {
            yield* c.chat({ body: ask, endpoint: standard })
            yield* c.chat({ body: ask, endpoint: standard })
          }),
        { accessToken: token } as unknown as JsonObject,
      ),
    )
    expect(server.requests.slice(-2).map((r) => r.headers.authorization)).toEqual([
      "Bearer ya29.rotating-1",
      "Bearer ya29.rotating-2",
    ])
    const before = server.requests.length
    const failing = () => Promise.reject(new Error("metadata server unreachable"))
    const e = failureOf(
      await run((c) => c.chat({ body: ask, endpoint: standard }), { accessToken: failing } as unknown as JsonObject),
    )
    expect(e).toMatchObject({ _tag: "AuthFailed", status: 0, message: expect.stringContaining("metadata server") })
    expect(server.requests.length).toBe(before)
  })

  it("the access token can come from the environment", async () => {
    server.reply({ kind: "json", body: vertexText() })
    const exit = await withClient(
      googleVertexPlugin,
      options({ accessToken: { env: "VERTEX_TOKEN" } }),
      (c) => c.chat({ body: ask, endpoint: standard }),
      { slug: "google-vertex", env: { VERTEX_TOKEN: "ya29.from-env" } },
    )
    successOf(exit)
    expect(last().headers.authorization).toBe("Bearer ya29.from-env")
  })
})
