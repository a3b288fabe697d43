import type { JsonObject } from "@switchyard/core"
import { Effect } from "effect"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { azureOpenAiPlugin } from "../../src/azure-openai/plugin.js"
import { testEndpoint } from "../conformance/endpoint.js"
import { failureOf, successOf, withClient } from "../conformance/run.js"
import { readCassette } from "../support/fixtures.js"
import { type Loopback, startLoopback } from "../support/loopback.js"

let server: Loopback
beforeAll(async () => {
  server = await startLoopback()
})
afterAll(async () => {
  await server.close()
})

const ptu = testEndpoint({
  provider: "azure",
  providerKind: "azure-openai",
  upstreamModel: "gpt-4o-ptu",
  pool: "provisioned",
})
const run = <A>(use: Parameters<typeof withClient<unknown, A, unknown>>[2], options: Record<string, unknown> = {}) =>
  withClient(azureOpenAiPlugin, { resourceUrl: `${server.baseUrl}/`, apiKey: "azure-key-1234", ...options }, use, {
    slug: "azure",
  })
const body: JsonObject = { model: "gpt-4o", messages: [{ role: "user", content: "hi" }] }

/** Response headers as recorded, minus the framing ones the loopback sets itself. */
const replayHeaders = (h: Readonly<Record<string, string>>) =>
  Object.fromEntries(
    Object.entries(h).filter(([k]) => !["content-length", "transfer-encoding", "connection"].includes(k)),
  )

describe("azure-openai", () => {
  it("replays the 2023 recording: deployment URL with api-version, api-key header, apim-request-id, usage", async () => {
    const rec = readCassette("azure/azure-chat-text-2023.cassette.yaml")[0]!
    server.reply({
      kind: "json",
      status: rec.response.status,
      headers: replayHeaders(rec.response.headers),
      body: rec.response.body,
    })
    const endpoint = testEndpoint({ provider: "azure", providerKind: "azure-openai", upstreamModel: "test-openai" })
    const r = successOf(await run((c) => c.chat({ body, endpoint }), { apiVersion: "2023-07-01-preview" }))
    const req = server.requests.at(-1)!
    expect(req.url).toBe("/openai/deployments/test-openai/chat/completions?api-version=2023-07-01-preview")
    expect(req.headers["api-key"]).toBe("azure-key-1234")
    expect((req.json as JsonObject).model).toBeUndefined()
    expect(r.requestId).toBe("f9816a7b-cd98-4f2c-9ccf-1160963a3c15")
    expect(r.usage).toEqual({ promptTokens: 18, completionTokens: 20, cachedTokens: 0, reasoningTokens: 0 })
    expect((r.body.choices as Array<JsonObject>)[0]?.finish_reason).toBe("length")
  })

  it("reports PTU utilization from azure-openai-deployment-utilization", async () => {
    const rec = readCassette("azure/azure-chat-text.cassette.yaml")[0]!
    server.reply({ kind: "json", headers: { "azure-openai-deployment-utilization": "89.3%" }, body: rec.response.body })
    const r = successOf(await run((c) => c.chat({ body, endpoint: ptu })))
    expect(r.signals.utilization).toBeCloseTo(0.893, 9)
  })

  it("a PTU 429 fails stream() before any token, with retry-after-ms and the utilization it reported", async () => {
    server.reply({
      kind: "json",
      status: 429,
      headers: { "retry-after-ms": "1830", "retry-after": "2", "azure-openai-deployment-utilization": "102.4%" },
      body: JSON.stringify({
        error: {
          code: "429",
          message: "Requests to the ChatCompletions_Create Operation have exceeded the provisioned throughput.",
        },
      }),
    })
    const e = failureOf(await run((c) => c.stream({ body: { ...body, stream: true }, endpoint: ptu })))
    expect(e).toMatchObject({ _tag: "RateLimited", status: 429, retryAfterMs: 1830, provider: "azure" })
  })

  it("a deployment name is URL-encoded", async () => {
    server.reply({ kind: "json", body: readCassette("azure/azure-chat-text.cassette.yaml")[0]!.response.body })
    const endpoint = testEndpoint({ provider: "azure", providerKind: "azure-openai", upstreamModel: "my deployment" })
    successOf(await run((c) => c.chat({ body, endpoint })))
    expect(server.requests.at(-1)?.url).toMatch(
      /^\/openai\/deployments\/my%20deployment\/chat\/completions\?api-version=/,
    )
  })

  it("sends x-ms-spillover-deployment only when configured", async () => {
    server.reply({ kind: "json", body: readCassette("azure/azure-chat-text.cassette.yaml")[0]!.response.body })
    successOf(await run((c) => c.chat({ body, endpoint: ptu })))
    expect(server.requests.at(-1)?.headers["x-ms-spillover-deployment"]).toBeUndefined()
    successOf(await run((c) => c.chat({ body, endpoint: ptu }), { spilloverDeployment: "gpt-4o-standard" }))
    expect(server.requests.at(-1)?.headers["x-ms-spillover-deployment"]).toBe("gpt-4o-standard")
  })

  it("accepts `endpoint` as the resource URL and fails with ConfigInvalid when neither is given", async () => {
    server.reply({ kind: "json", body: readCassette("azure/azure-chat-text.cassette.yaml")[0]!.response.body })
    successOf(
      await withClient(
        azureOpenAiPlugin,
        { endpoint: server.baseUrl, apiKey: "k-1234" },
        (c) => c.chat({ body, endpoint: ptu }),
        {
          slug: "azure",
        },
      ),
    )
    const e = failureOf(await withClient(azureOpenAiPlugin, { apiKey: "k-1234" }, () => Effect.void, { slug: "azure" }))
    expect(e).toMatchObject({ _tag: "ConfigInvalid", path: "resourceUrl" })
  })
})
