import { Cause, Effect, Exit, Layer } from "effect"
import { TestClock } from "effect/testing"
import { describe, expect, it } from "vitest"
import { Health, type HealthOptions } from "../../src/index.js"

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
