import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Random from "effect/Random"

/**
 * A `Random` seeded once for the whole runtime (ISAAC via `Random.withSeed`). The instance is
 * stateful: the sequence continues across requests, so a run is reproducible from its seed.
 */
export const RandomSeeded = (seed: string | number): Layer.Layer<never> =>
  Layer.effect(Random.Random, Random.Random.pipe(Random.withSeed(seed)))

/** The current `Random` as a synchronous `() => number` in [0, 1), for pure code such as `plan`. */
export const randomFunction: Effect.Effect<() => number> = Effect.map(Random.Random, (r) => () => r.nextDoubleUnsafe())
