import type { ProviderConfig } from "@switchyard/core"
import { Effect } from "effect"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { anthropicPlugin } from "../../src/anthropic/index.js"
import { googlePlugin, googleVertexPlugin } from "../../src/google/index.js"
import { makeClients } from "../../src/registry/make-clients.js"
import { makePluginRegistry } from "../../src/registry/registry.js"
import { testEndpoint } from "../conformance/endpoint.js"
import { failureOf, successOf } from "../conformance/run.js"
import { type Loopback, startLoopback } from "../support/loopback.js"
import { cassetteResponse } from "./replay.js"

const registry = makePluginRegistry([googlePlugin, googleVertexPlugin, anthropicPlugin])
const build = (providers: ReadonlyArray<ProviderConfig>, env: Record<string, string>) =>
  Effect.runPromiseExit(Effect.scoped(makeClients(providers, registry, env)))

describe("google / google-vertex / anthropic configured from catalog JSON", () => {
  let server: Loopback
  beforeAll(async () => {
    server = await startLoopback()
  })
  afterAll(async () => {
    await server.close()
  })

  it("builds one client per provider slug from JSON options with env secrets, and the client works", async () => {
    server.reply({ kind: "json", body: cassetteResponse("vertex-generate-content-text.cassette.yaml").body })
    const providers: ReadonlyArray<ProviderConfig> = [
      { slug: "google", kind: "google", options: { apiKey: { env: "GEMINI_API_KEY" }, baseUrl: server.baseUrl } },
      {
        slug: "google-vertex",
        kind: "google-vertex",
        options: { project: "p", location: "us-east5", accessToken: { env: "VERTEX_TOKEN" }, baseUrl: server.baseUrl },
      },
      { slug: "anthropic", kind: "anthropic", options: { apiKey: { env: "ANTHROPIC_API_KEY" } } },
    ]
    const env = { GEMINI_API_KEY: "AIza-env", VERTEX_TOKEN: "ya29.env", ANTHROPIC_API_KEY: "sk-ant-env" }
    const exit = await Effect.runPromiseExit(
      Effect.scoped(
        Effect.gen(function* () {
          const clients = yield* makeClients(providers, registry, env)
          const vertex = clients.get("google-vertex")
          if (vertex === undefined) throw new Error("no google-vertex client")
          const endpoint = testEndpoint({
            provider: "google-vertex",
            providerKind: "google-vertex",
            upstreamModel: "gemini-2.0-flash",
          })
          const result = yield* vertex.chat({ body: { messages: [{ role: "user", content: "Hi" }] }, endpoint })
          return { slugs: [...clients.keys()], trafficType: result.signals.trafficType }
        }),
      ),
    )
    expect(successOf(exit)).toEqual({ slugs: ["google", "google-vertex", "anthropic"], trafficType: "on_demand" })
    expect(server.requests.at(-1)?.headers.authorization).toBe("Bearer ya29.env")
  })

  it("reports bad options with a path into the catalog", async () => {
    const e = failureOf(
      await build(
        [
          { slug: "google", kind: "google", options: { apiKey: "k", baseUrl: "generativelanguage.googleapis.com" } },
          { slug: "vertex", kind: "google-vertex", options: { location: "us-central1", accessToken: "t" } },
        ],
        {},
      ),
    )
    expect(e.issues).toEqual(
      expect.arrayContaining([
        "providers.0.options.baseUrl: Expected an absolute http(s) URL",
        expect.stringMatching(/^providers\.1\.options\.project: /),
      ]),
    )
    const missing = failureOf(await build([{ slug: "a", kind: "anthropic", options: { apiKey: { env: "NOPE" } } }], {}))
    expect(missing.path).toBe("providers.0.options.apiKey")
    expect(missing.message).toContain("NOPE")
  })
})
