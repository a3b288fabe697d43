import { decodeCatalog, type ProviderClient } from "@switchyard/core"
import { makeClients, makePluginRegistry } from "@switchyard/providers"
import { Effect, Exit, Result, Scope, Stream } from "effect"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { acmePlugin } from "../src/index.js"
import { type AcmeServer, startAcmeServer } from "./acme-server.js"

let server: AcmeServer
let scope: Scope.Closeable
let client: ProviderClient
const catalogJson = (baseUrl: string) => ({
  providers: [{ slug: "acme", kind: "acme", options: { baseUrl, apiKey: { env: "ACME_KEY" } } }],
  models: [
    {
      id: "acme/text-1",
      endpoints: [
        { provider: "acme", upstreamModel: "text-1", price: { prompt: 0.5, completion: 1 }, contextLength: 8192 },
      ],
    },
  ],
})

beforeAll(async () => {
  server = await startAcmeServer()
  const catalog = Result.getOrThrow(decodeCatalog(catalogJson(server.url)))
  scope = Effect.runSync(Scope.make())
  const clients = await Effect.runPromise(
    makeClients(catalog.config.providers, makePluginRegistry([acmePlugin]), { ACME_KEY: "acme-secret" }).pipe(
      Scope.provide(scope),
    ),
  )
  client = clients.get("acme")!
})
afterAll(async () => {
  await Effect.runPromise(Scope.close(scope, Exit.void))
  await server.close()
})

const endpoint = () => Result.getOrThrow(decodeCatalog(catalogJson(server.url))).endpoints[0]!
const body = { model: "acme/text-1", messages: [{ role: "user", content: "hi" }], max_tokens: 10 }

describe("custom provider plugin (acme)", () => {
  it("registers through the plugin registry and answers in OpenAI shape", async () => {
    const result = await Effect.runPromise(client.chat({ body, endpoint: endpoint() }))
    expect(result.body).toMatchObject({
      object: "chat.completion",
      choices: [{ message: { role: "assistant", content: "Acme says: hi" }, finish_reason: "stop" }],
    })
    expect(result.usage).toEqual({ promptTokens: 5, completionTokens: 3, cachedTokens: 0, reasoningTokens: 0 })
    expect(result.requestId).toBe("req-1")
    const sent = server.requests.at(-1)!
    expect(sent.body).toEqual({ model: "text-1", turns: [{ speaker: "human", text: "hi" }], max_new_tokens: 10 })
    expect(sent.headers["x-acme-key"]).toBe("acme-secret")
  })

  it("streams a completion as OpenAI chunks ending with usage", async () => {
    const stream = await Effect.runPromise(client.stream({ body, endpoint: endpoint() }))
    const chunks = await Effect.runPromise(Stream.runCollect(stream.chunks))
    const kinds = chunks.map((c) => {
      const choices = c.choices as Array<{ finish_reason: unknown }>
      return choices.length === 0 ? "usage" : choices[0]?.finish_reason
    })
    expect(kinds).toEqual([null, null, "stop", "usage"])
    expect(chunks.at(-1)?.usage).toMatchObject({ prompt_tokens: 5, completion_tokens: 3 })
  })

  it("maps a 429 to RateLimited with the retry-after the upstream sent", async () => {
    server.rateLimitNext(1)
    const exit = await Effect.runPromiseExit(client.chat({ body, endpoint: endpoint() }))
    expect(Exit.isFailure(exit)).toBe(true)
    const error = Exit.isFailure(exit) ? exit.cause.reasons.find((r) => r._tag === "Fail") : undefined
    expect(error?._tag === "Fail" && error.error).toMatchObject({
      _tag: "RateLimited",
      status: 429,
      retryAfterMs: 7000,
    })
  })

  it("rejects options without a key with a path-precise error", async () => {
    const bad = { ...catalogJson(server.url) }
    bad.providers = [{ slug: "acme", kind: "acme", options: { baseUrl: server.url } as never }]
    const catalog = Result.getOrThrow(decodeCatalog(bad))
    const exit = await Effect.runPromiseExit(
      Effect.scoped(makeClients(catalog.config.providers, makePluginRegistry([acmePlugin]), {})),
    )
    expect(Exit.isFailure(exit)).toBe(true)
    const error = Exit.isFailure(exit) ? exit.cause.reasons.find((r) => r._tag === "Fail") : undefined
    expect(error?._tag === "Fail" && error.error.message).toContain("providers.0.options.apiKey")
  })
})
