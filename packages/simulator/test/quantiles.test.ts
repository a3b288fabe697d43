import * as fc from "fast-check"
import { describe, expect, it } from "vitest"
import { quantilesInPlace } from "../src/quantiles.js"

/** Nearest-rank quantile of a sorted copy: what the report's percentiles mean. */
const bySort = (values: ReadonlyArray<number>, q: number): number => {
  const s = Float64Array.from(values).sort()
  return s[Math.min(s.length - 1, Math.max(0, Math.ceil(q * s.length) - 1))]!
}

describe("quantilesInPlace", () => {
  it("gives the nearest-rank p50/p90/p99 a sort gives, duplicates and any order included", () => {
    fc.assert(
      fc.property(
        fc.array(fc.oneof(fc.double({ noNaN: true, min: 0, max: 1e6 }), fc.integer({ min: 0, max: 5 })), {
          minLength: 1,
          maxLength: 400,
        }),
        (values) => {
          const q = quantilesInPlace(Float64Array.from(values))
          expect(q).toEqual({ p50: bySort(values, 0.5), p90: bySort(values, 0.9), p99: bySort(values, 0.99) })
        },
      ),
      { numRuns: 300 },
    )
  })

  it("ranks 1 to 100: p50 50, p90 90, p99 99; nothing: NaN", () => {
    const values = Float64Array.from({ length: 100 }, (_, i) => 100 - i)
    expect(quantilesInPlace(values)).toEqual({ p50: 50, p90: 90, p99: 99 })
    expect(quantilesInPlace(new Float64Array(0))).toEqual({ p50: Number.NaN, p90: Number.NaN, p99: Number.NaN })
  })
})
