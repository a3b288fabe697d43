import { Cause, Effect, Exit, Layer } from "effect"
import { TestClock } from "effect/testing"
import fc from "fast-check"
import { describe, expect, it } from "vitest"
import { type Admission, CapacityMeter, type Endpoint, estimateCharge, makePromptScales } from "../../src/index.js"
import { modelCatalog } from "../router/support.js"

const catalog = modelCatalog("m", [
  {
    provider: "std",
    price: { prompt: 1, completion: 1 },
    contextLength: 100_000,
    capacity: { tokensPerMinute: 6_000, counts: "prompt+max_tokens" },
  },
])
const std = catalog.endpointsById.get("m@std") as Endpoint

const run = <A>(eff: Effect.Effect<A, never, CapacityMeter | TestClock.TestClock>): Promise<A> =>
  Effect.runPromiseExit(eff.pipe(Effect.provide(Layer.mergeAll(CapacityMeter.layer, TestClock.layer())))).then(
    (exit) => {
      if (Exit.isSuccess(exit)) return exit.value
      throw new Error(Cause.pretty(exit.cause))
    },
  )

const usage = (promptTokens: number, estimated?: true) => ({
  promptTokens,
  completionTokens: 3,
  cachedTokens: 0,
  reasoningTokens: 0,
  ...(estimated && { estimated }),
})

describe("prompt scale: what the provider counts per estimated prompt token", () => {
  it("is 1 until taught; then the counted ÷ estimated ratio of the endpoint's requests", () => {
    const s = makePromptScales()
    expect(s.of("e")).toBe(1)
    s.learn("e", 5, 10)
    expect(s.of("e")).toBeCloseTo(2, 12)
    s.learn("e", 5, 10)
    expect(s.of("e")).toBeCloseTo(2, 12)
    expect(s.of("other")).toBe(1)
  })

  it("stays within [1, 4] and follows a changed prompt mix within a hundred requests", () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.integer({ min: 0, max: 10_000 }), fc.integer({ min: 0, max: 100_000 })), {
          maxLength: 50,
        }),
        (samples) => {
          const s = makePromptScales()
          for (const [estimated, counted] of samples) {
            s.learn("e", estimated, counted)
            expect(s.of("e")).toBeGreaterThanOrEqual(1)
            expect(s.of("e")).toBeLessThanOrEqual(4)
          }
          for (let i = 0; i < 80; i++) s.learn("e", 100, 300)
          expect(s.of("e")).toBeCloseTo(3, 1)
        },
      ),
    )
  })

  it("the meter learns it from settled reservations with a reported usage, not from estimates", async () => {
    const out = await run(
      Effect.gen(function* () {
        const c = yield* CapacityMeter
        const options = { admission: true, headroom: 0, output: 200, prompt: 5 }
        const reserve = () =>
          Effect.map(c.reserve(std, 205, options), (a: Admission) => {
            if (a._tag !== "Admitted") throw new Error("expected admission")
            return a.reservation
          })
        const before = c.promptScale(std)
        yield* c.settle(yield* reserve(), usage(50, true)) // a stream cut without usage: Switchyard's estimate
        const afterEstimate = c.promptScale(std)
        const taught = yield* reserve()
        yield* c.settle(taught, usage(10))
        yield* c.settle(taught, usage(1_000)) // settled already: no effect
        return { before, afterEstimate, after: c.promptScale(std) }
      }),
    )
    expect(out).toEqual({ before: 1, afterEstimate: 1, after: 2 })
    // the next request's charge: the prompt the provider counts + its max_tokens
    expect(estimateCharge(std, 5, 200, out.after)).toBe(210)
  })
})
