import { Effect } from "effect"
import { TestClock } from "effect/testing"
import { describe, expect, it } from "vitest"
import type { JsonObject } from "../../src/index.js"
import {
  consume,
  FakeUpstream,
  modelCatalog,
  ok,
  requestOf,
  route,
  runRouter,
  settle,
  standard,
  stream,
  successOf,
} from "./support.js"

// `warm` and `cold` bill cache reads at a tenth of their prompt price; `cold` is 10% cheaper.
const catalog = (routing: Record<string, unknown> = {}) =>
  modelCatalog(
    "m",
    [
      standard("warm", { price: { prompt: 1.1, completion: 1.1, cacheRead: 0.11 } }),
      standard("cold", { price: { prompt: 1, completion: 1, cacheRead: 0.1 } }),
    ],
    routing,
  )
const turn = (provider: JsonObject = {}, extra: JsonObject = {}): JsonObject => ({
  model: "m",
  messages: [{ role: "user", content: "hi" }],
  provider: { sort: "price", ...provider },
  ...extra,
})
const served = (exit: Parameters<typeof successOf>[0]) =>
  (successOf(exit) as { trace: { servedBy?: string } }).trace.servedBy

describe("conversation affinity through the router", () => {
  it("turn 2 goes back to turn 1's endpoint while a cheaper cold one is within tolerance; other conversations do not", async () => {
    const upstream = new FakeUpstream().always("warm", ok()).always("cold", ok())
    const out = await runRouter(
      catalog(),
      upstream,
      Effect.gen(function* () {
        // turn 1 lands on `warm` (named first); the affinity is remembered
        const first = served(yield* route(turn({ order: ["warm"] }, { session_id: "conv-1" }), {}, 200))
        const second = yield* route(turn({}, { session_id: "conv-1" }), {}, 200)
        const stranger = served(yield* route(turn({}, { session_id: "conv-2" }), {}, 200))
        const anonymous = served(yield* route(turn(), {}, 200))
        return { first, second: successOf(second), stranger, anonymous }
      }),
    )
    expect(out.first).toBe("warm")
    expect(out.second.trace.servedBy).toBe("warm")
    expect(out.second.trace.plan.steps).toContain("affinity: m@warm first (10% above the cheapest, within 25%)")
    expect([out.stranger, out.anonymous]).toEqual(["cold", "cold"])
  })

  it("the header (x-session-id) names the conversation when the body has no session_id; `user` does too", async () => {
    const upstream = new FakeUpstream().always("warm", ok()).always("cold", ok())
    const out = await runRouter(
      catalog(),
      upstream,
      Effect.gen(function* () {
        yield* route(turn({ order: ["warm"] }), { sessionId: "hdr-1" }, 200)
        const byHeader = served(yield* route(turn(), { sessionId: "hdr-1" }, 200))
        yield* route(turn({ order: ["warm"] }, { user: "alice" }), {}, 200)
        const byUser = served(yield* route(turn({}, { user: "alice" }), {}, 200))
        return { byHeader, byUser }
      }),
    )
    expect(out).toEqual({ byHeader: "warm", byUser: "warm" })
  })

  it("a stream remembers its endpoint when it commits; the entry expires ttlMs after the conversation's last turn", async () => {
    const upstream = new FakeUpstream().always("warm", stream()).always("cold", stream())
    const out = await runRouter(
      catalog({ affinity: { ttlMs: 60_000 } }),
      upstream,
      Effect.gen(function* () {
        const streamed = (body: JsonObject) => Effect.map(settle(consume(requestOf(body)), 1_000), successOf)
        const opening = yield* streamed(turn({ order: ["warm"] }, { session_id: "s", stream: true }))
        const again = yield* streamed(turn({}, { session_id: "s", stream: true }))
        yield* TestClock.adjust(61_000)
        const later = yield* streamed(turn({}, { session_id: "s", stream: true }))
        return [opening.trace.servedBy, again.trace.servedBy, later.trace.servedBy]
      }),
    )
    expect(out).toEqual(["warm", "warm", "cold"])
  })

  it("routing.affinity.enabled: false turns it off", async () => {
    const upstream = new FakeUpstream().always("warm", ok()).always("cold", ok())
    const second = await runRouter(
      catalog({ affinity: { enabled: false } }),
      upstream,
      Effect.gen(function* () {
        yield* route(turn({ order: ["warm"] }, { session_id: "c" }), {}, 200)
        return served(yield* route(turn({}, { session_id: "c" }), {}, 200))
      }),
    )
    expect(second).toBe("cold")
  })

  it("opt-in prefixMessages: a conversation without an id is keyed by its leading messages", async () => {
    const upstream = new FakeUpstream().always("warm", ok()).always("cold", ok())
    const system = { role: "system", content: "You are the catalogue of a large library." }
    const out = await runRouter(
      catalog({ affinity: { prefixMessages: 2 } }),
      upstream,
      Effect.gen(function* () {
        const opening = [system, { role: "user", content: "Find Emma." }]
        yield* route(turn({ order: ["warm"] }, { messages: opening }), {}, 200)
        const grown = [
          ...opening,
          { role: "assistant", content: "Shelf 12." },
          { role: "user", content: "And Persuasion?" },
        ]
        const sameConversation = served(yield* route(turn({}, { messages: grown }), {}, 200))
        const other = [system, { role: "user", content: "Find Ulysses." }]
        const otherConversation = served(yield* route(turn({}, { messages: other }), {}, 200))
        return { sameConversation, otherConversation }
      }),
    )
    expect(out).toEqual({ sameConversation: "warm", otherConversation: "cold" })
  })
})

describe("effective price through the router", () => {
  it("Stats measure each endpoint's cache-hit share from reported usage; sort: price then ranks by the effective price", async () => {
    // `cached` lists at 3 + 1, but 90% of its prompt tokens are cache reads at 0.3: effective 0.57 + 1
    const cat = modelCatalog("m", [
      standard("cached", { price: { prompt: 3, completion: 1, cacheRead: 0.3 } }),
      standard("plain", { price: { prompt: 2, completion: 1, cacheRead: 2 } }),
    ])
    const upstream = new FakeUpstream()
      .always("cached", ok({ promptTokens: 1_000, cachedTokens: 900 }))
      .always("plain", ok({ promptTokens: 1_000 }))
    const out = await runRouter(
      cat,
      upstream,
      Effect.gen(function* () {
        const before = successOf(yield* route(turn(), {}, 200)).trace
        for (let i = 0; i < 3; i++) yield* route(turn({ order: ["cached"] }), {}, 200)
        return { before, after: successOf(yield* route(turn(), {}, 200)).trace }
      }),
    )
    expect(out.before.servedBy).toBe("plain")
    expect(out.after.servedBy).toBe("cached")
    expect(out.after.plan.attempts[0]!.reasons).toContain(
      "price: effective $1.57/M (list $4/M; cache reads 90%, writes 0%)",
    )
  })
})
