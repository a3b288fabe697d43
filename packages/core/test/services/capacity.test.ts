import { Cause, Effect, Exit, Layer } from "effect"
import { TestClock } from "effect/testing"
import { describe, expect, it } from "vitest"
import {
  type Admission,
  CapacityMeter,
  type Endpoint,
  estimateCharge,
  type Reservation,
  usageCharge,
} from "../../src/index.js"
import { modelCatalog } from "../router/support.js"

const catalog = modelCatalog("m", [
  {
    provider: "pt",
    pool: "provisioned",
    price: { prompt: 1, completion: 1 },
    contextLength: 100_000,
    defaultMaxTokens: 200,
    capacity: { tokensPerMinute: 6_000 },
    outputWeight: 4,
  },
  { provider: "std", price: { prompt: 1, completion: 1 }, contextLength: 100_000 },
])
const pt = catalog.endpointsById.get("m@pt") as Endpoint
const std = catalog.endpointsById.get("m@std") as Endpoint
const enforce = { admission: true, headroom: 0 }

const run = <A>(eff: Effect.Effect<A, never, CapacityMeter | TestClock.TestClock>): Promise<A> =>
  Effect.runPromiseExit(eff.pipe(Effect.provide(Layer.mergeAll(CapacityMeter.layer, TestClock.layer())))).then(
    (exit) => {
      if (Exit.isSuccess(exit)) return exit.value
      throw new Error(Cause.pretty(exit.cause))
    },
  )

const reserved = (a: Admission): Reservation => {
  if (a._tag !== "Admitted") throw new Error("expected admission")
  return a.reservation
}

describe("CapacityMeter (in-memory)", () => {
  it("charges prompt + expected output × weight, and corrects to the actual usage on settle", async () => {
    expect(estimateCharge(pt, 100, undefined)).toBe(100 + 200 * 4)
    expect(estimateCharge(pt, 100, 50)).toBe(100 + 50 * 4)
    const usage = { promptTokens: 100, completionTokens: 30, cachedTokens: 40, reasoningTokens: 0 }
    expect(usageCharge(4, usage)).toBe(60 + 120)
    const out = await run(
      Effect.gen(function* () {
        const c = yield* CapacityMeter
        const r = reserved(yield* c.reserve(pt, 900, enforce))
        const charged = yield* c.utilization(pt)
        yield* c.settle(r, usage)
        const settled = yield* c.utilization(pt)
        yield* c.settle(r, { ...usage, completionTokens: 10_000 }) // second settle: no effect
        return { charged, settled, again: yield* c.utilization(pt), open: yield* c.openReservations() }
      }),
    )
    expect(out.charged).toBeCloseTo(900 / 6_000, 9)
    expect(out.settled).toBeCloseTo(180 / 6_000, 9)
    expect(out.again).toBeCloseTo(180 / 6_000, 9)
    expect(out.open).toBe(0)
  })

  it("surcharges when the actual usage exceeds the estimate", async () => {
    const u = await run(
      Effect.gen(function* () {
        const c = yield* CapacityMeter
        const r = reserved(yield* c.reserve(pt, 300, enforce))
        yield* c.settle(r, { promptTokens: 100, completionTokens: 500, cachedTokens: 0, reasoningTokens: 0 })
        return yield* c.utilization(pt)
      }),
    )
    expect(u).toBeCloseTo(2_100 / 6_000, 9)
  })

  it("refunds a released reservation exactly once", async () => {
    const out = await run(
      Effect.gen(function* () {
        const c = yield* CapacityMeter
        yield* c.reserve(pt, 1_000, enforce)
        const r = reserved(yield* c.reserve(pt, 2_000, enforce))
        yield* c.release(r)
        yield* c.release(r)
        return { u: yield* c.utilization(pt), open: yield* c.openReservations(pt.id) }
      }),
    )
    expect(out.u).toBeCloseTo(1_000 / 6_000, 9)
    expect(out.open).toBe(1)
  })

  it("refuses over capacity with the wait, predicts utilization, and drains with the clock", async () => {
    const out = await run(
      Effect.gen(function* () {
        const c = yield* CapacityMeter
        yield* c.reserve(pt, 5_400, enforce)
        const predicted = yield* c.predict(pt, 1_200)
        const refused = yield* c.reserve(pt, 1_200, enforce)
        const wait = yield* c.availableIn(pt, 1_200, enforce)
        yield* TestClock.adjust(6_000)
        const later = yield* c.reserve(pt, 1_200, enforce)
        yield* TestClock.adjust(60_000)
        return { predicted, refused, wait, later: later._tag, drained: yield* c.utilization(pt) }
      }),
    )
    expect(out.predicted).toBeCloseTo(1.1, 9)
    expect(out.refused).toEqual({ _tag: "Refused", waitMs: 6_000, reason: "full" })
    expect(out.wait).toBe(6_000)
    expect(out.later).toBe("Admitted")
    expect(out.drained).toBe(0)
  })

  it("tracks an endpoint without configured capacity only through observed 429s", async () => {
    const out = await run(
      Effect.gen(function* () {
        const c = yield* CapacityMeter
        const before = yield* c.utilization(std)
        const first = yield* c.reserve(std, 1_000_000, enforce)
        yield* c.observe(std, { retryAfterMs: 2_000 }, { rateLimited: true })
        const blocked = yield* c.reserve(std, 10, enforce)
        yield* TestClock.adjust(2_000)
        const after = yield* c.reserve(std, 10, enforce)
        return { before, first: first._tag, blocked, after: after._tag }
      }),
    )
    expect(out.before).toBeUndefined()
    expect(out.first).toBe("Admitted")
    expect(out.blocked).toEqual({ _tag: "Refused", waitMs: 2_000, reason: "blocked" })
    expect(out.after).toBe("Admitted")
  })

  it("predicts many endpoints at one instant, and drains to a `now` the caller read from the Clock", async () => {
    const out = await run(
      Effect.gen(function* () {
        const c = yield* CapacityMeter
        yield* c.reserve(pt, 3_000, enforce)
        const many = yield* c.predictMany([pt, std], [600, 600])
        const each = [yield* c.predict(pt, 600), yield* c.predict(std, 600)]
        // 6 000 tokens per minute drain 100 per second: 3 000 → 2 700 after 3 s.
        return { many, each, at3s: yield* c.predictMany([pt], [600], 3_000), at3sOne: yield* c.utilization(pt, 3_000) }
      }),
    )
    expect(out.many).toEqual(out.each)
    expect(out.many[0]).toBeCloseTo(3_600 / 6_000, 9)
    expect(out.many[1]).toBeUndefined()
    expect(out.at3s[0]).toBeCloseTo(3_300 / 6_000, 9)
    expect(out.at3sOne).toBeCloseTo(2_700 / 6_000, 9)
  })
})
