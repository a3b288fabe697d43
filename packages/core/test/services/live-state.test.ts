import { Context, Effect, Layer, Random } from "effect"
import { describe, expect, it } from "vitest"
import {
  decodeCatalog,
  LiveState,
  type LiveStateBackend,
  LocalLiveState,
  liveStateContext,
  liveStateLayer,
  RetryBudget,
  Stats,
} from "../../src/index.js"

const catalogWith = (routing: Record<string, unknown>) =>
  decodeCatalog({
    providers: [{ slug: "p", kind: "simulated" }],
    models: [
      {
        id: "m",
        endpoints: [
          {
            provider: "p",
            price: { prompt: 1, completion: 1 },
            contextLength: 1000,
            capacity: { tokensPerMinute: 600 },
          },
        ],
      },
    ],
    routing,
  }).pipe((r) => {
    if (r._tag === "Failure") throw new Error(r.failure.message)
    return r.success
  })

const build = <A>(layer: Layer.Layer<A>) => Effect.runSync(Effect.scoped(Layer.build(layer)))

describe("liveStateLayer (the one layer builder)", () => {
  it("sizes the Stats window from routing.statsWindowMs (an option overrides it)", () => {
    const catalog = catalogWith({ statsWindowMs: 10_000 })
    const stats = Context.get(build(liveStateLayer(catalog.routing, { stats: { minSamples: 1, refreshMs: 0 } })), Stats)
    Effect.runSync(stats.record("e", { outcome: "success", latencyMs: 100 }, 0))
    expect(Effect.runSync(stats.read("e", 5_000)).successes).toBe(1)
    // Past the 10 s window (not the 5 minute default) the sample is gone.
    expect(Effect.runSync(stats.read("e", 10_001)).successes).toBe(0)
    const longer = Context.get(
      build(liveStateLayer(catalog.routing, { stats: { windowMs: 60_000, minSamples: 1 } })),
      Stats,
    )
    Effect.runSync(longer.record("e", { outcome: "success", latencyMs: 100 }, 0))
    expect(Effect.runSync(longer.read("e", 30_000)).successes).toBe(1)
  })

  it("gives the in-memory store by default, with a LiveState whose status says so", () => {
    const ctx = build(liveStateLayer(catalogWith({}).routing))
    expect(Context.get(ctx, LiveState).status()).toEqual({ backend: "memory", state: "ok", errors: 0 })
  })

  it("admits through Health and the CapacityMeter as one gate, giving the probe back on a capacity refusal", () => {
    const catalog = catalogWith({})
    const endpoint = catalog.endpoints[0]!
    const live = Context.get(build(liveStateLayer(catalog.routing)), LiveState)
    const opts = { admission: true, headroom: 0 }
    const first = Effect.runSync(live.admit(endpoint, 500, opts, 0))
    expect(first._tag).toBe("Admitted")
    expect(Effect.runSync(live.admit(endpoint, 500, opts, 0))).toMatchObject({ _tag: "Refused", reason: "full" })
    const reads = Effect.runSync(live.read([endpoint], [0], 0))
    expect(reads.predicted[0]).toBeCloseTo(500 / 600)
    expect(reads.health[0]).toEqual({ breaker: "closed", cooldownUntil: undefined })
  })

  it("substitutes another store, given the local services and the resolved options", () => {
    const seen: Array<number> = []
    const backend: LiveStateBackend = Layer.effectContext(
      Effect.map(LocalLiveState, (local) => {
        seen.push(local.options.retryBudget.floors.retry, local.options.stats.windowMs)
        return liveStateContext(local, () => ({ backend: "test", state: "degraded", errors: 3 }))
      }),
    )
    const ctx = build(
      liveStateLayer(catalogWith({ statsWindowMs: 42_000 }).routing, {
        backend,
        retryBudget: { floors: { retry: 4 } },
      }),
    )
    expect(seen).toEqual([4, 42_000])
    expect(Context.get(ctx, LiveState).status()).toEqual({ backend: "test", state: "degraded", errors: 3 })
    expect(Effect.runSync(Context.get(ctx, RetryBudget).tryAcquire("retry", 0, 0))).toBe(true)
  })

  it("provides a seeded Random when a seed is given: same seed, same sequence", () => {
    const draw = (seed: number) =>
      Effect.runSync(
        Effect.scoped(
          Effect.flatMap(Layer.build(liveStateLayer(catalogWith({}).routing, { seed })), (ctx) =>
            Effect.provideContext(Effect.replicateEffect(Random.next, 3), ctx),
          ),
        ),
      )
    expect(draw(1)).toEqual(draw(1))
    expect(draw(1)).not.toEqual(draw(2))
  })
})
