import { decodeCatalog } from "@switchyard/core"
import { Effect, Fiber, Result } from "effect"
import { TestClock } from "effect/testing"
import { describe, expect, it } from "vitest"
import { decodeSimulatedOptions, simulatedPlugin } from "../../src/simulated/index.js"

const catalog = (endpoint: Record<string, unknown>) => {
  const r = decodeCatalog({
    providers: [{ slug: "sim-vertex", kind: "simulated" }],
    models: [
      {
        id: "google/gemini-2.5-pro",
        endpoints: [
          { provider: "sim-vertex", price: { prompt: 1.25, completion: 10 }, contextLength: 1_000_000, ...endpoint },
        ],
      },
    ],
  })
  if (Result.isFailure(r)) throw new Error(r.failure.message)
  return r.success
}

const issuesOf = (input: unknown) => {
  const r = decodeSimulatedOptions(input)
  if (Result.isSuccess(r)) throw new Error("expected invalid options")
  return r.failure
}

describe("simulated plugin options", () => {
  it("accepts every documented option", () => {
    const r = decodeSimulatedOptions({
      latency: { type: "lognormal", median: 400, p90: 1200 },
      throughput: { type: "uniform", min: 40, max: 80 },
      outputTokens: 300,
      capacity: { tokensPerMinute: 120_000, requestsPerMinute: 600, windowMs: 30_000 },
      outputWeight: 8,
      errorRate: 0.01,
      midStreamFailureRate: 0.001,
      outages: [{ startMs: 0, endMs: 60_000, kind: "connect" }],
      overheadMs: 20,
      streamChunkTokens: 8,
      dataPolicy: { collects: false, zdr: true },
      cache: { ttlMs: 300_000, minTokens: 1_024, writes: true, maxEntries: 10_000 },
      endpoints: { "sim-vertex/pt": { capacity: { tokensPerMinute: 30_000 } } },
      seed: "launch",
    })
    expect(Result.isSuccess(r)).toBe(true)
    expect(simulatedPlugin.kind).toBe("simulated")
  })

  it("reports the path of each invalid option", () => {
    expect(issuesOf({ outages: [{ startMs: 10, endMs: 5 }] }).path).toBe("outages.0.endMs")
    expect(issuesOf({ errorRate: 1.5 }).path).toBe("errorRate")
    expect(issuesOf({ cache: { ttlMs: 0 } }).path).toBe("cache.ttlMs")
    expect(issuesOf({ capacity: { tokensPerMinute: 0 } }).path).toBe("capacity.tokensPerMinute")
    expect(issuesOf({ latency: { type: "lognormal", median: 500, p90: 100 } }).issues.join("\n")).toContain(
      "latency.p90",
    )
    expect(issuesOf({ endpoints: { "sim-vertex/pt": { errorRate: -1 } } }).path).toBe(
      "endpoints.sim-vertex/pt.errorRate",
    )
  })
})

describe("simulated plugin client", () => {
  const run = <A, E>(eff: Effect.Effect<A, E, import("effect").Scope.Scope>) =>
    Effect.runPromise(eff.pipe(Effect.scoped, Effect.provide(TestClock.layer())))

  it("serves chat through the plugin's make and answers 429 once the endpoint's capacity is used", () =>
    run(
      Effect.gen(function* () {
        const options = Result.getOrThrow(
          decodeSimulatedOptions({
            latency: 200,
            throughput: 100,
            seed: 1,
            endpoints: { "sim-vertex/pt": { capacity: { tokensPerMinute: 12_000 } } },
          }),
        )
        const client = yield* simulatedPlugin.make(options, { slug: "sim-vertex", env: {} })
        const pt = catalog({ variant: "pt", pool: "provisioned", outputWeight: 8 }).endpoints[0]!
        const call = {
          endpoint: pt,
          body: { model: "google/gemini-2.5-pro", messages: [{ role: "user", content: "Hello" }], max_tokens: 1_000 },
        }
        // charge: 6 prompt tokens (core's estimate: ⌈5 chars ÷ 4⌉ + 4 per message) + 1 000 × 8 = 8 006 of a 12 000 bucket
        const first = yield* Effect.forkChild(client.chat(call), { startImmediately: true })
        const refused = yield* Effect.flip(client.chat(call))
        expect(refused._tag).toBe("RateLimited")
        expect(refused._tag === "RateLimited" && refused.retryAfterMs).toBe(Math.ceil((8_006 * 2 - 12_000) / 0.2))
        yield* TestClock.adjust(60_000)
        const ok = yield* Fiber.join(first)
        expect(ok.signals.limitTokens).toBe(12_000)
        expect(ok.body.object).toBe("chat.completion")
      }),
    ))

  it("with a cache, a conversation's next turn reports its cached prefix (usage and the OpenAI wire)", () =>
    run(
      Effect.gen(function* () {
        const options = Result.getOrThrow(
          decodeSimulatedOptions({ latency: 10, throughput: 1_000, seed: 2, cache: {} }),
        )
        const client = yield* simulatedPlugin.make(options, { slug: "sim-vertex", env: {} })
        const endpoint = catalog({}).endpoints[0]!
        const system = { role: "system", content: "You answer questions about the attached contract. ".repeat(120) }
        const first = [system, { role: "user", content: "Who signs it?" }]
        const second = [...first, { role: "assistant", content: "Both parties." }, { role: "user", content: "When?" }]
        const ask = (messages: ReadonlyArray<unknown>) =>
          Effect.gen(function* () {
            const fiber = yield* Effect.forkChild(client.chat({ endpoint, body: { model: "m", messages } }))
            yield* TestClock.adjust(60_000)
            return yield* Fiber.join(fiber)
          })
        const one = yield* ask(first)
        const two = yield* ask(second)
        expect(one.usage.cachedTokens).toBe(0)
        expect(two.usage.cachedTokens).toBe(one.usage.promptTokens)
        expect(two.body.usage).toMatchObject({ prompt_tokens_details: { cached_tokens: one.usage.promptTokens } })
      }),
    ))
})
