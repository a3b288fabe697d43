import { Effect, type Layer, ManagedRuntime, Random } from "effect"
import { describe, expect, it } from "vitest"
import { RandomSeeded, randomFunction } from "../../src/index.js"

const draw = (layer: Layer.Layer<never>, n: number) => {
  const rt = ManagedRuntime.make(layer)
  return rt
    .runPromise(
      Effect.gen(function* () {
        const f = yield* randomFunction
        const a = Array.from({ length: n }, () => f())
        const b = yield* Random.next
        return [...a, b]
      }),
    )
    .finally(() => rt.dispose())
}

describe("RandomSeeded", () => {
  it("makes the whole runtime's randomness reproducible from the seed", async () => {
    const x = await draw(RandomSeeded("s1"), 5)
    const y = await draw(RandomSeeded("s1"), 5)
    const z = await draw(RandomSeeded("s2"), 5)
    expect(x).toEqual(y)
    expect(x).not.toEqual(z)
    expect(new Set(x).size).toBe(6)
    for (const v of x) expect(v >= 0 && v < 1).toBe(true)
  })
})
