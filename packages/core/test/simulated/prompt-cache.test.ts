import { Effect, Fiber, Stream } from "effect"
import { TestClock } from "effect/testing"
import { describe, expect, it } from "vitest"
import { usageFromOpenAi } from "../../src/index.js"
import { makeSimulatedUpstream } from "../../src/simulated/upstream.js"
import { body, endpointsOf, runTest } from "./support.js"

const [warm, other] = endpointsOf([
  { provider: "sim", price: { prompt: 1, completion: 2 } },
  { provider: "sim", variant: "b", price: { prompt: 1, completion: 2 } },
])
const turn = (prompt: number, session = "conv-1") =>
  body(prompt, 10, { simulation: { prompt_tokens: prompt, output_tokens: 10, session } })
const options = { latency: 100, throughput: 1_000, seed: "c", cache: { ttlMs: 60_000 } } as const

describe("simulated upstream: prompt cache", () => {
  it("a turn hits the cache when the same endpoint served its conversation's previous turn within the TTL", () =>
    runTest(
      Effect.gen(function* () {
        const up = yield* makeSimulatedUpstream("sim", options)
        const chat = (endpoint = warm!, prompt = 4_000, session = "conv-1") =>
          Effect.map(
            Effect.andThen(Effect.forkChild(up.client.chat({ body: turn(prompt, session), endpoint })), (f) =>
              Effect.andThen(TestClock.adjust(1_000), Fiber.await(f)),
            ),
            (exit) => (exit._tag === "Success" ? exit.value.usage : undefined),
          )
        const first = yield* chat(warm, 4_000)
        const second = yield* chat(warm, 4_500)
        const elsewhere = yield* chat(other, 5_000)
        const otherConversation = yield* chat(warm, 4_000, "conv-2")
        yield* TestClock.adjust(61_000)
        const expired = yield* chat(warm, 5_500)
        const small = yield* chat(warm, 900, "conv-3")
        const smallAgain = yield* chat(warm, 1_000, "conv-3")
        return { first, second, elsewhere, otherConversation, expired, small, smallAgain }
      }),
    ).then((r) => {
      expect(r.first?.cachedTokens).toBe(0)
      // the previous turn's whole prompt is the cached prefix
      expect(r.second?.cachedTokens).toBe(4_000)
      expect(r.elsewhere?.cachedTokens).toBe(0)
      expect(r.otherConversation?.cachedTokens).toBe(0)
      // idle past the TTL: gone
      expect(r.expired?.cachedTokens).toBe(0)
      // prompts under minTokens (1,024 by default) are not cached
      expect([r.small?.cachedTokens, r.smallAgain?.cachedTokens]).toEqual([0, 0])
      // implicit caching (no `writes`): nothing reported written
      expect(r.second?.cacheWriteTokens ?? 0).toBe(0)
    }))

  it("with writes (explicit caching) the rest of a cacheable prompt is written; streams report the same usage", () =>
    runTest(
      Effect.gen(function* () {
        const up = yield* makeSimulatedUpstream("sim", { ...options, cache: { writes: true } })
        const streamed = (prompt: number) =>
          Effect.gen(function* () {
            const fiber = yield* Effect.forkChild(
              Effect.flatMap(up.client.stream({ body: { ...turn(prompt), stream: true }, endpoint: warm! }), (s) =>
                Stream.runCollect(s.chunks),
              ),
            )
            yield* TestClock.adjust(1_000)
            const chunks = yield* Fiber.await(fiber)
            if (chunks._tag !== "Success") throw new Error("stream failed")
            return usageFromOpenAi(chunks.value.find((c) => c.usage !== null && c.usage !== undefined)?.usage)
          })
        return { first: yield* streamed(3_000), second: yield* streamed(3_200) }
      }),
    ).then(({ first, second }) => {
      expect(first).toMatchObject({ promptTokens: 3_000, cachedTokens: 0, cacheWriteTokens: 3_000 })
      expect(second).toMatchObject({ promptTokens: 3_200, cachedTokens: 3_000, cacheWriteTokens: 200 })
    }))

  it("without a session hint, a prompt's leading messages are its prefix (what the gateway's simulated provider serves)", () =>
    runTest(
      Effect.gen(function* () {
        const up = yield* makeSimulatedUpstream("sim", { ...options, cache: { minTokens: 0 } })
        const system = { role: "system", content: "You are the catalogue of a large library. ".repeat(200) }
        const opening = [system, { role: "user", content: "Find Emma." }]
        const grown = [
          ...opening,
          { role: "assistant", content: "Shelf 12." },
          { role: "user", content: "And Persuasion?" },
        ]
        const ask = (messages: ReadonlyArray<unknown>) =>
          Effect.map(
            Effect.andThen(
              Effect.forkChild(up.client.chat({ body: { model: "sim/model", messages }, endpoint: warm! })),
              (f) => Effect.andThen(TestClock.adjust(5_000), Fiber.await(f)),
            ),
            (exit) => (exit._tag === "Success" ? exit.value : undefined),
          )
        const first = yield* ask(opening)
        const second = yield* ask(grown)
        return { first, second }
      }),
    ).then(({ first, second }) => {
      expect(first?.usage.cachedTokens).toBe(0)
      // the whole opening was cached: the grown prompt reads it, and says so on the wire too
      expect(second?.usage.cachedTokens).toBe(first?.usage.promptTokens)
      expect(second?.usage.cachedTokens).toBeGreaterThan(0)
      expect(second?.body.usage).toMatchObject({ prompt_tokens_details: { cached_tokens: first?.usage.promptTokens } })
    }))
})
