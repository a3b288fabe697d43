import { Cause, Clock, Effect, Exit, Layer } from "effect"
import { TestClock } from "effect/testing"
import fc from "fast-check"
import { describe, expect, it } from "vitest"
import {
  type Cooldown,
  Health,
  type HealthOptions,
  type HealthReport,
  NO_COOLDOWN,
  nextCooldown,
  resolveHealthOptions,
} from "../../src/index.js"

const run = <A>(o: HealthOptions, eff: Effect.Effect<A, never, Health | TestClock.TestClock>) =>
  Effect.runPromiseExit(eff.pipe(Effect.provide(Layer.mergeAll(Health.layerWith(o), TestClock.layer())))).then(
    (exit) => {
      if (Exit.isSuccess(exit)) return exit.value
      throw new Error(Cause.pretty(exit.cause))
    },
  )

describe("Health service", () => {
  it("cools an endpoint down until retry-after (or a default) after a 429", async () => {
    const out = await run(
      { defaultCooldownMs: 700, quotaCooldownMs: 9_000 },
      Effect.gen(function* () {
        const h = yield* Health
        yield* h.record("a", { _tag: "RateLimited", retryAfterMs: 3_000 }, false)
        yield* h.record("b", { _tag: "RateLimited" }, false)
        yield* h.record("c", { _tag: "RateLimited", quota: true }, false)
        const views = [yield* h.read("a"), yield* h.read("b"), yield* h.read("c")]
        const blocked = yield* h.acquire("a")
        yield* TestClock.adjust(3_000)
        return { views, blocked, after: yield* h.acquire("a"), view: yield* h.read("a") }
      }),
    )
    expect(out.views.map((v) => v.cooldownUntil)).toEqual([3_000, 700, 9_000])
    expect(out.blocked).toEqual({ _tag: "Blocked", reason: "cooldown", untilMs: 3_000 })
    expect(out.after).toEqual({ _tag: "Allowed", probe: false })
    expect(out.view).toEqual({ breaker: "closed", cooldownUntil: undefined })
  })

  it("does not count rate limits as breaker failures; a 503 retry-after also cools down", async () => {
    const out = await run(
      { breaker: { failureThreshold: 2 } },
      Effect.gen(function* () {
        const h = yield* Health
        for (let i = 0; i < 5; i++) yield* h.record("a", { _tag: "RateLimited", retryAfterMs: 1 }, false)
        yield* h.record("b", { _tag: "Failure", retryAfterMs: 2_000 }, false)
        return { a: yield* h.read("a"), b: yield* h.read("b") }
      }),
    )
    expect(out.a.breaker).toBe("closed")
    expect(out.b.cooldownUntil).toBe(2_000)
  })

  it("hands out the half-open probe once; an abandoned probe frees it", async () => {
    const out = await run(
      { breaker: { failureThreshold: 1, openMs: 1_000 } },
      Effect.gen(function* () {
        const h = yield* Health
        yield* h.record("a", { _tag: "Failure" }, false)
        const open = yield* h.acquire("a")
        yield* TestClock.adjust(1_000)
        const probe = yield* h.acquire("a")
        const second = yield* h.acquire("a")
        yield* h.record("a", { _tag: "Abandoned" }, true)
        const again = yield* h.acquire("a")
        yield* h.record("a", { _tag: "Success" }, true)
        return { open, probe, second, again, final: yield* h.read("a") }
      }),
    )
    expect(out.open).toEqual({ _tag: "Blocked", reason: "breaker_open", untilMs: 1_000 })
    expect(out.probe).toEqual({ _tag: "Allowed", probe: true })
    expect(out.second._tag).toBe("Blocked")
    expect(out.again).toEqual({ _tag: "Allowed", probe: true })
    expect(out.final.breaker).toBe("closed")
  })

  it("reads many endpoints at one instant, and runs at a `now` the caller read from the Clock", async () => {
    const out = await run(
      { defaultCooldownMs: 700 },
      Effect.gen(function* () {
        const h = yield* Health
        yield* h.record("a", { _tag: "RateLimited", retryAfterMs: 3_000 }, false, 1_000)
        const many = yield* h.readMany(["a", "b"])
        const each = [yield* h.read("a"), yield* h.read("b")]
        return { many, each, blocked: yield* h.acquire("a", 3_999), after: yield* h.readMany(["a"], 4_000) }
      }),
    )
    expect(out.many).toEqual(out.each)
    expect(out.many).toEqual([
      { breaker: "closed", cooldownUntil: 4_000 },
      { breaker: "closed", cooldownUntil: undefined },
    ])
    expect(out.blocked).toEqual({ _tag: "Blocked", reason: "cooldown", untilMs: 4_000 })
    expect(out.after).toEqual([{ breaker: "closed", cooldownUntil: undefined }])
  })
})

describe("429s in a row", () => {
  it("an endpoint that answers 429 (retry-after-ms: 0) as soon as each cooldown is over cools down longer each time, up to the cap; a request served ends the row", async () => {
    const out = await run(
      { rateLimitBackoffMs: 100, maxRateLimitBackoffMs: 1_000 },
      Effect.gen(function* () {
        const h = yield* Health
        const cooldowns: Array<number> = []
        for (let i = 0; i < 7; i++) {
          const now = yield* Clock.currentTimeMillis
          yield* h.record("a", { _tag: "RateLimited", retryAfterMs: 0 }, false)
          const until = (yield* h.read("a")).cooldownUntil ?? now
          cooldowns.push(until - now)
          yield* TestClock.adjust(until - now)
        }
        yield* h.record("a", { _tag: "Success" }, false)
        const now = yield* Clock.currentTimeMillis
        yield* h.record("a", { _tag: "RateLimited", retryAfterMs: 0 }, false)
        return { cooldowns, afterSuccess: ((yield* h.read("a")).cooldownUntil ?? now) - now }
      }),
    )
    expect(out.cooldowns).toEqual([0, 100, 200, 400, 800, 1_000, 1_000])
    expect(out.afterSuccess).toBe(0)
  })

  it("429s of requests sent before the cooldown began do not escalate it; a longer retry-after still wins", async () => {
    const out = await run(
      { rateLimitBackoffMs: 100 },
      Effect.gen(function* () {
        const h = yield* Health
        yield* h.record("a", { _tag: "RateLimited", retryAfterMs: 0 }, false)
        yield* h.record("a", { _tag: "RateLimited", retryAfterMs: 0 }, false, 0)
        yield* h.record("a", { _tag: "RateLimited", retryAfterMs: 50 }, false, 0)
        for (let i = 0; i < 5; i++) yield* h.record("a", { _tag: "RateLimited", retryAfterMs: 0 }, false, 10)
        const during = (yield* h.read("a", 10)).cooldownUntil
        yield* h.record("a", { _tag: "RateLimited", retryAfterMs: 5_000 }, false, 20)
        return { during, long: (yield* h.read("a", 20)).cooldownUntil }
      }),
    )
    // the second 429 (at 0, after the first's zero cooldown) starts the second cooldown of the row: 100 ms
    expect(out.during).toBe(100)
    expect(out.long).toBe(5_020)
  })

  const report: fc.Arbitrary<HealthReport> = fc.oneof(
    fc.constant({ _tag: "Success" as const }),
    fc.record({ _tag: fc.constant("Failure" as const), retryAfterMs: fc.option(fc.nat(5_000), { nil: undefined }) }),
    fc.record({
      _tag: fc.constant("RateLimited" as const),
      retryAfterMs: fc.option(fc.nat(5_000), { nil: undefined }),
    }),
    fc.constant({ _tag: "Abandoned" as const }),
  )

  it("never ends a cooldown before a 429's retry-after, never shortens one, and stays within the cap unless a retry-after says more", () => {
    const o = resolveHealthOptions({ rateLimitBackoffMs: 100, maxRateLimitBackoffMs: 2_000 })
    fc.assert(
      fc.property(fc.array(fc.tuple(report, fc.nat(3_000)), { maxLength: 40 }), (steps) => {
        let c: Cooldown = NO_COOLDOWN
        let now = 0
        for (const [r, wait] of steps) {
          now += wait
          const next = nextCooldown(o, c, r, now)
          expect(next.until).toBeGreaterThanOrEqual(c.until)
          if (r._tag === "RateLimited") {
            const told = r.retryAfterMs ?? o.defaultCooldownMs
            expect(next.until).toBeGreaterThanOrEqual(now + told)
            expect(next.until - now).toBeLessThanOrEqual(Math.max(told, o.maxRateLimitBackoffMs, c.until - now))
          }
          if (r._tag === "Success") expect(next.rateLimited).toBe(0)
          c = next
        }
      }),
    )
  })
})
