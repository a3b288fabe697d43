import { Effect, Fiber } from "effect"
import { TestClock } from "effect/testing"
import { describe, expect, it } from "vitest"
import { AllRateLimited, Router } from "../../src/index.js"
import {
  byPrice,
  FakeUpstream,
  fail,
  failureOf,
  modelCatalog,
  ok,
  rateLimited,
  requestOf,
  route,
  runRouter,
  serverError,
  successOf,
  twoCatalog,
} from "./support.js"

const single = (routing: Record<string, unknown> = {}) =>
  modelCatalog("m", [{ provider: "a", price: { prompt: 1, completion: 1 }, contextLength: 100_000 }], routing)

describe("retry-after and cooldown", () => {
  it("sends nothing to an endpoint during its retry-after, and answers 429 with the time left", async () => {
    const upstream = new FakeUpstream().script("a", fail(rateLimited(5_000))).always("a", ok())
    const out = await runRouter(
      single(),
      upstream,
      Effect.gen(function* () {
        const first = failureOf(yield* route(byPrice(), {}, 0))
        yield* TestClock.adjust(4_000)
        const during = failureOf(yield* route(byPrice(), {}, 0))
        yield* TestClock.adjust(1_000)
        const after = successOf(yield* route(byPrice(), {}, 1_000))
        return { first, during, after }
      }),
    )
    expect(out.first).toBeInstanceOf(AllRateLimited)
    expect((out.first as AllRateLimited).retryAfterMs).toBe(5_000)
    expect((out.first as AllRateLimited).origin).toBe("upstream")
    expect(out.during).toBeInstanceOf(AllRateLimited)
    expect((out.during as AllRateLimited).retryAfterMs).toBe(1_000)
    expect((out.during as AllRateLimited).origin).toBe("gateway")
    expect(out.after.body.provider).toBe("a")
    expect(upstream.calls.map((c) => c.at)).toEqual([0, 5_000])
  })

  it("by default (max_wait_ms 0) answers 429 with retry-after at once when the only endpoint is rate-limited", async () => {
    const upstream = new FakeUpstream().script("a", fail(rateLimited(500))).always("a", ok())
    const error = await runRouter(single(), upstream, Effect.map(route(byPrice()), failureOf))
    expect(error).toBeInstanceOf(AllRateLimited)
    expect((error as AllRateLimited).retryAfterMs).toBe(500)
    expect(upstream.calls.map((c) => c.at)).toEqual([0])
  })

  it("with provider.max_wait_ms, waits out a short retry-after when the endpoint is the only option, with capped jitter", async () => {
    const upstream = new FakeUpstream().script("a", fail(rateLimited(500))).always("a", ok())
    const result = await runRouter(single(), upstream, Effect.map(route(byPrice({ max_wait_ms: 1_000 })), successOf))
    expect(result.body.provider).toBe("a")
    const [first, second] = upstream.calls
    expect(first?.at).toBe(0)
    expect(second!.at).toBeGreaterThanOrEqual(500)
    expect(second!.at).toBeLessThanOrEqual(600)
    expect(result.trace.attempts.map((a) => a.outcome)).toEqual(["rate_limited", "success"])
  })

  it("falls back to another endpoint immediately rather than sleeping through a retry-after", async () => {
    const upstream = new FakeUpstream().always("a", fail(rateLimited(500))).always("b", ok())
    const result = await runRouter(twoCatalog(), upstream, Effect.map(route(byPrice()), successOf))
    expect(result.body.provider).toBe("b")
    expect(upstream.calls.map((c) => [c.slug, c.at])).toEqual([
      ["a", 0],
      ["b", 0],
    ])
  })
})

describe("circuit breaker", () => {
  const health = { breaker: { failureThreshold: 3, openMs: 10_000 } }

  it("opens after consecutive failures, half-opens after the cooldown with one probe, and closes on success", async () => {
    const upstream = new FakeUpstream().always("a", fail(serverError)).always("b", ok())
    const out = await runRouter(
      twoCatalog(),
      upstream,
      Effect.gen(function* () {
        const router = yield* Router
        const send = () => route(byPrice(), {}, 1_000)
        for (let i = 0; i < 3; i++) expect(successOf(yield* send()).body.provider).toBe("b")
        const callsWhenOpened = upstream.callsTo("a")
        const whileOpen = successOf(yield* send())
        const status = yield* router.endpointStatus("m")
        yield* TestClock.adjust(10_000)
        // Half-open: the probe fails → open again, no call during the next open period.
        const probe1 = successOf(yield* send())
        const reopened = successOf(yield* send())
        const callsAfterReopen = upstream.callsTo("a")
        yield* TestClock.adjust(10_000)
        upstream.always("a", ok())
        const probe2 = successOf(yield* send())
        const closedAgain = (yield* router.endpointStatus("m"))[0]?.breaker
        const next = successOf(yield* send())
        return { callsWhenOpened, whileOpen, status, probe1, reopened, callsAfterReopen, probe2, closedAgain, next }
      }),
      { health },
    )
    expect(out.callsWhenOpened).toBe(3)
    expect(out.whileOpen.trace.plan.excluded).toEqual([{ endpoint: "m@a", model: "m", reasons: ["breaker_open"] }])
    expect(out.status.map((s) => s.breaker)).toEqual(["open", "closed"])
    expect(out.probe1.trace.attempts.map((a) => [a.endpoint, a.outcome])).toEqual([
      ["m@a", "upstream_error"],
      ["m@b", "success"],
    ])
    expect(out.reopened.trace.attempts.map((a) => a.endpoint)).toEqual(["m@b"])
    expect(out.callsAfterReopen).toBe(4)
    expect(out.probe2.body.provider).toBe("a")
    expect(out.closedAgain).toBe("closed")
    expect(out.next.body.provider).toBe("a")
  })

  it("lets a single probe through while half-open", async () => {
    const upstream = new FakeUpstream().always("a", fail(serverError)).always("b", ok())
    const out = await runRouter(
      twoCatalog(),
      upstream,
      Effect.gen(function* () {
        const router = yield* Router
        for (let i = 0; i < 3; i++) yield* route(byPrice(), {}, 1_000)
        yield* TestClock.adjust(10_000)
        upstream.always("a", ok({ latencyMs: 200 }))
        const before = upstream.callsTo("a")
        const f1 = yield* Effect.forkChild(router.route(requestOf(byPrice())))
        const f2 = yield* Effect.forkChild(router.route(requestOf(byPrice())))
        yield* TestClock.adjust(1_000)
        const r1 = yield* Fiber.join(f1)
        const r2 = yield* Fiber.join(f2)
        return { probes: upstream.callsTo("a") - before, served: [r1.body.provider, r2.body.provider] }
      }),
      { health },
    )
    expect(out.probes).toBe(1)
    expect(out.served.sort()).toEqual(["a", "b"])
  })
})
