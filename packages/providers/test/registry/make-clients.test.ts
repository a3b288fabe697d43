import type { ConfigInvalid, ProviderConfig } from "@switchyard/core"
import { definePlugin } from "@switchyard/core"
import { Effect, Schema } from "effect"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { makeClients } from "../../src/registry/make-clients.js"
import { makePluginRegistry } from "../../src/registry/registry.js"
import { testEndpoint } from "../conformance/endpoint.js"
import { failureOf, successOf } from "../conformance/run.js"
import { readFixture } from "../support/fixtures.js"
import { type Loopback, startLoopback } from "../support/loopback.js"

let server: Loopback
beforeAll(async () => {
  server = await startLoopback()
})
afterAll(async () => {
  await server.close()
})

const registry = makePluginRegistry()
const build = (providers: ReadonlyArray<ProviderConfig>, env: Record<string, string> = {}) =>
  Effect.runPromiseExit(Effect.scoped(makeClients(providers, registry, env)))
const issuesOf = (e: ConfigInvalid) => e.issues

describe("makeClients", () => {
  it("builds one client per slug and the clients answer", async () => {
    server.reply({ kind: "json", body: readFixture("openai/openai-chat-text.json") })
    const exit = await Effect.runPromiseExit(
      Effect.scoped(
        Effect.gen(function* () {
          const clients = yield* makeClients(
            [
              { slug: "openai", kind: "openai-compatible", options: { baseUrl: server.baseUrl, apiKey: { env: "K" } } },
              { slug: "azure", kind: "azure-openai", options: { resourceUrl: server.baseUrl, apiKey: "a-1234" } },
            ],
            registry,
            { K: "key-from-env" },
          )
          const openai = clients.get("openai")!
          const endpoint = testEndpoint({ provider: "openai", providerKind: "openai-compatible", upstreamModel: "m" })
          const r = yield* openai.chat({ body: { messages: [] }, endpoint })
          return { slugs: [...clients.keys()], usage: r.usage }
        }),
      ),
    )
    expect(successOf(exit)).toEqual({
      slugs: ["openai", "azure"],
      usage: { promptTokens: 16, completionTokens: 363, cachedTokens: 0, reasoningTokens: 0 },
    })
    expect(server.requests.at(-1)?.headers.authorization).toBe("Bearer key-from-env")
  })

  it("reports option errors with their path in the catalog", async () => {
    const e = failureOf(
      await build([
        { slug: "a", kind: "openai-compatible", options: { baseUrl: "https://ok.example/v1" } },
        { slug: "b", kind: "openai-compatible", options: { baseUrl: "https://ok.example/v1" } },
        { slug: "c", kind: "openai-compatible", options: { baseUrl: "not a url", timeouts: { connectMs: -1 } } },
      ]),
    )
    expect(e._tag).toBe("ConfigInvalid")
    expect(e.path).toBe("providers.2.options.baseUrl")
    expect(issuesOf(e as ConfigInvalid)).toEqual([
      "providers.2.options.baseUrl: Expected an absolute http(s) URL",
      expect.stringMatching(/^providers\.2\.options\.timeouts\.connectMs: /),
    ])
  })

  it("a misspelt option of any builtin plugin fails with its path and the option it resembles (not ignored)", async () => {
    const cases: ReadonlyArray<readonly [ProviderConfig, string, string]> = [
      [
        { slug: "o", kind: "openai-compatible", options: { baseUrl: "https://ok.example/v1", apikey: "sk-x" } },
        "providers.0.options.apikey",
        '"apiKey"',
      ],
      [
        {
          slug: "o",
          kind: "openai-compatible",
          options: { baseUrl: "https://ok.example/v1", timeouts: { headerMs: 5 } },
        },
        "providers.0.options.timeouts.headerMs",
        '"headersMs"',
      ],
      [
        { slug: "a", kind: "anthropic", options: { apiKey: "k", verison: "2023-06-01" } },
        "providers.0.options.verison",
        '"version"',
      ],
      [{ slug: "s", kind: "simulated", options: { latncy: 5 } }, "providers.0.options.latncy", '"latency"'],
      [
        { slug: "s", kind: "simulated", options: { capacity: { tokensPerMinut: 5 } } },
        "providers.0.options.capacity.tokensPerMinut",
        '"tokensPerMinute"',
      ],
    ]
    for (const [provider, path, suggestion] of cases) {
      const e = failureOf(await build([provider]))
      expect(e._tag).toBe("ConfigInvalid")
      expect(e.path).toBe(path)
      expect(e.message).toContain(`did you mean ${suggestion}?`)
    }
  })

  it("reports a missing required option, an unknown kind and a duplicate slug together", async () => {
    const e = failureOf(
      await build([
        { slug: "a", kind: "openai-compatible", options: {} },
        { slug: "a", kind: "no-such-kind" },
      ]),
    ) as ConfigInvalid
    expect(e.issues).toEqual([
      expect.stringMatching(/^providers\.0\.options\.baseUrl: /),
      'providers.1.slug: duplicate provider slug "a"',
      expect.stringMatching(
        /^providers\.1\.kind: unknown provider kind "no-such-kind" \(known: openai-compatible, azure-openai/,
      ),
    ])
  })

  it("relocates a plugin's own ConfigInvalid (unset env key) under its provider's path", async () => {
    const e = failureOf(
      await build([
        {
          slug: "x",
          kind: "openai-compatible",
          options: { baseUrl: "https://x.example", apiKey: { env: "MISSING_KEY" } },
        },
      ]),
    ) as ConfigInvalid
    expect(e.path).toBe("providers.0.options.apiKey")
    expect(e.issues).toEqual(["providers.0.options.apiKey: environment variable MISSING_KEY is not set"])
  })

  it("user plugins join the registry, and may replace a builtin kind", async () => {
    const custom = definePlugin({
      kind: "openai-compatible",
      options: Schema.Struct({ answer: Schema.String }),
      make: (o) =>
        Effect.succeed({
          chat: () => Effect.die(o.answer),
          stream: () => Effect.die(o.answer),
        }),
    })
    const reg = makePluginRegistry([custom])
    expect(reg.get("openai-compatible")).toBe(custom)
    expect(reg.get("azure-openai")?.kind).toBe("azure-openai")
    const exit = await Effect.runPromiseExit(
      Effect.scoped(makeClients([{ slug: "c", kind: "openai-compatible", options: { answer: "42" } }], reg, {})),
    )
    expect([...successOf(exit).keys()]).toEqual(["c"])
  })
})
