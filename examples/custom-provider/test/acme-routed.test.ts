import { createRouter, decodeCatalog, type PromiseRouter } from "@switchyard/core"
import { makeClients, makePluginRegistry } from "@switchyard/providers"
import { Effect, Exit, Result, Scope } from "effect"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { acmePlugin } from "../src/index.js"
import { type AcmeServer, startAcmeServer } from "./acme-server.js"

// The plugin registered in a catalog next to a built-in kind, routed by the real router.
let primary: AcmeServer
let backup: AcmeServer
let scope: Scope.Closeable
let router: PromiseRouter

beforeAll(async () => {
  primary = await startAcmeServer()
  backup = await startAcmeServer()
  const catalog = Result.getOrThrow(
    decodeCatalog({
      providers: [
        { slug: "acme-cheap", kind: "acme", options: { baseUrl: primary.url, apiKey: { env: "ACME_KEY" } } },
        { slug: "acme-backup", kind: "acme", options: { baseUrl: backup.url, apiKey: { env: "ACME_KEY" } } },
      ],
      models: [
        {
          id: "acme/text-1",
          endpoints: [
            {
              provider: "acme-cheap",
              upstreamModel: "text-1",
              price: { prompt: 0.5, completion: 1 },
              contextLength: 8192,
            },
            {
              provider: "acme-backup",
              upstreamModel: "text-1",
              price: { prompt: 2, completion: 4 },
              contextLength: 8192,
            },
          ],
        },
      ],
    }),
  )
  scope = Effect.runSync(Scope.make())
  const clients = await Effect.runPromise(
    makeClients(catalog.config.providers, makePluginRegistry([acmePlugin]), { ACME_KEY: "acme-secret" }).pipe(
      Scope.provide(scope),
    ),
  )
  router = createRouter({ catalog, clients, seed: 1 })
})
afterAll(async () => {
  await router.dispose()
  await Effect.runPromise(Scope.close(scope, Exit.void))
  await primary.close()
  await backup.close()
})

const body = { model: "acme/text-1", messages: [{ role: "user", content: "hello" }], provider: { sort: "price" } }

describe("custom provider routed by Switchyard", () => {
  it("serves from the cheapest acme endpoint and prices the answer", async () => {
    const result = await router.route(body)
    expect(result.body.provider).toBe("acme-cheap")
    expect(result.body.model).toBe("acme/text-1")
    // 5 prompt tokens at $0.5/M + 3 completion tokens at $1/M
    expect(result.cost).toBeCloseTo((5 * 0.5 + 3 * 1) / 1e6, 12)
  })

  it("falls back to the other acme endpoint when the cheap one answers 429", async () => {
    primary.rateLimitNext(1)
    const result = await router.route(body)
    expect(result.body.provider).toBe("acme-backup")
    expect(result.trace.attempts.map((a) => a.outcome)).toEqual(["rate_limited", "success"])
  })
})
