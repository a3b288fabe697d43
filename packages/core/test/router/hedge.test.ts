import { Effect, Stream } from "effect"
import { describe, expect, it } from "vitest"
import { CapacityMeter, Router, Stats, TransportError } from "../../src/index.js"
import {
  byPrice,
  FakeUpstream,
  fail,
  hang,
  ok,
  requestOf,
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

describe("hedging", () => {
  it("starts the next endpoint after the first passes its p90 TTFT; the first success wins, the loser is cancelled and refunded", async () => {
    const upstream = new FakeUpstream().always("a", hang).always("b", ok({ latencyMs: 50 }))
    const out = await runRouter(
      twoCatalog(),
      upstream,
      Effect.gen(function* () {
        yield* seedTtft
        const router = yield* Router
        const result = successOf(yield* settle(router.route(requestOf(byPrice({ hedge: true })))))
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

  it("does not hedge when the first attempt answers before its p90 TTFT, nor when hedging is off", async () => {
    for (const provider of [{ hedge: true }, {}]) {
      const upstream = new FakeUpstream()
        .always("a", ok({ latencyMs: provider.hedge === true ? 150 : 1_000 }))
        .always("b", ok())
      const result = await runRouter(
        twoCatalog(),
        upstream,
        Effect.gen(function* () {
          yield* seedTtft
          const router = yield* Router
          return successOf(yield* settle(router.route(requestOf(byPrice(provider)))))
        }),
      )
      expect(result.body.provider).toBe("a")
      expect(upstream.callsTo("b")).toBe(0)
    }
  })

  it("keeps waiting for the first attempt when the hedge fails", async () => {
    const upstream = new FakeUpstream().always("a", ok({ latencyMs: 400 })).always(
      "b",
      fail((p) => new TransportError({ provider: p, status: 0, message: "reset", kind: "reset" }), 10),
    )
    const result = await runRouter(
      twoCatalog(),
      upstream,
      Effect.gen(function* () {
        yield* seedTtft
        const router = yield* Router
        return successOf(yield* settle(router.route(requestOf(byPrice({ hedge: true })))))
      }),
    )
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
      Effect.gen(function* () {
        yield* seedTtft
        const router = yield* Router
        const consumed = yield* settle(
          Effect.gen(function* () {
            const routed = yield* router.stream(requestOf(byPrice({ hedge: true }, { stream: true })))
            const chunks = yield* Stream.runCollect(routed.chunks)
            return { chunks, trace: yield* routed.trace }
          }),
        )
        const capacity = yield* CapacityMeter
        return { ...successOf(consumed), open: yield* capacity.openReservations() }
      }),
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
