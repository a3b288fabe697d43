import { Effect } from "effect"
import { describe, expect, it } from "vitest"
import { CapacityMeter, type JsonObject, Stats, TransportError } from "../../src/index.js"
import {
  byPrice,
  consume,
  FakeUpstream,
  fail,
  hang,
  ok,
  requestOf,
  route,
  runRouter,
  settle,
  stream,
  successOf,
  twoCatalog,
} from "./support.js"

/** Give endpoint `a` a known TTFT distribution: p90 = 200 ms. */
const seedTtft = Effect.gen(function* () {
  const stats = yield* Stats
  for (const ttftMs of [100, 120, 150, 180, 200])
    yield* stats.record("m@a", { outcome: "success", ttftMs, latencyMs: ttftMs })
})

/** Route a request for `m` in price order after seeding `a`'s TTFT; its exit. */
const routeSeeded = (provider: JsonObject) => Effect.andThen(seedTtft, route(byPrice(provider)))

describe("hedging", () => {
  it("starts the next endpoint after the first passes its p90 TTFT; the first success wins, the loser is cancelled and refunded", async () => {
    const upstream = new FakeUpstream().always("a", hang).always("b", ok({ latencyMs: 50 }))
    const out = await runRouter(
      twoCatalog(),
      upstream,
      Effect.gen(function* () {
        const result = successOf(yield* routeSeeded({ hedge: true }))
        const capacity = yield* CapacityMeter
        return { result, open: yield* capacity.openReservations() }
      }),
    )
    expect(out.result.body.provider).toBe("b")
    expect(upstream.calls.map((c) => [c.slug, c.at])).toEqual([
      ["a", 0],
      ["b", 200],
    ])
    expect(upstream.interrupted).toEqual(["a"])
    expect(out.result.trace.attempts.map((a) => [a.endpoint, a.outcome, a.hedge, a.endedAt])).toEqual([
      ["m@a", "hedge_lost", false, 250],
      ["m@b", "success", true, 250],
    ])
    expect(out.open).toBe(0)
  })

  it.each([
    ["the first attempt answers before its p90 TTFT", { hedge: true }, 150],
    ["hedging is off", {}, 1_000],
  ])("does not hedge when %s", async (_, provider, latencyMs) => {
    const upstream = new FakeUpstream().always("a", ok({ latencyMs })).always("b", ok())
    const result = await runRouter(twoCatalog(), upstream, Effect.map(routeSeeded(provider), successOf))
    expect(result.body.provider).toBe("a")
    expect(upstream.callsTo("b")).toBe(0)
  })

  it("keeps waiting for the first attempt when the hedge fails", async () => {
    const upstream = new FakeUpstream().always("a", ok({ latencyMs: 400 })).always(
      "b",
      fail((p) => new TransportError({ provider: p, status: 0, message: "reset", kind: "reset" }), 10),
    )
    const result = await runRouter(twoCatalog(), upstream, Effect.map(routeSeeded({ hedge: true }), successOf))
    expect(result.body.provider).toBe("a")
    expect(result.trace.attempts.map((a) => [a.endpoint, a.outcome])).toEqual([
      ["m@a", "success"],
      ["m@b", "transport"],
    ])
  })

  it("hedges a stream on its first token: the slower upstream is closed and refunded", async () => {
    const upstream = new FakeUpstream().always("a", stream({ headersMs: 5_000 })).always("b", stream({ tokens: 2 }))
    const out = await runRouter(
      twoCatalog(),
      upstream,
      Effect.andThen(
        seedTtft,
        Effect.map(settle(consume(requestOf(byPrice({ hedge: true }, { stream: true })))), successOf),
      ),
    )
    expect(out.chunks[0]?.provider).toBe("b")
    expect(out.trace.attempts.map((a) => [a.endpoint, a.outcome])).toEqual([
      ["m@a", "hedge_lost"],
      ["m@b", "success"],
    ])
    expect(upstream.interrupted).toEqual(["a"])
    expect(out.open).toBe(0)
  })
})
