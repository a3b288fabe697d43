import fc from "fast-check"
import * as hdr from "hdr-histogram-js"
import { describe, expect, it } from "vitest"
import { BLOCK_SHIFT, countBlocks, percentilesInBlocks, percentilesOf } from "../../src/services/stats/percentiles.js"

const histogram = (values: ReadonlyArray<number>): hdr.JsHistogram => {
  const h = new hdr.Int32Histogram(1, 3_600_000, 2)
  for (const v of values) h.recordValue(v)
  return h
}

const reference = (h: hdr.JsHistogram, scale: number) => ({
  p50: h.getValueAtPercentile(50) * scale,
  p75: h.getValueAtPercentile(75) * scale,
  p90: h.getValueAtPercentile(90) * scale,
  p99: h.getValueAtPercentile(99) * scale,
})

const values = fc.array(fc.oneof(fc.integer({ min: 1, max: 3_600_000 }), fc.integer({ min: 1, max: 5_000 })), {
  minLength: 1,
  maxLength: 400,
})

describe("percentilesOf (one walk for p50/p75/p90/p99)", () => {
  it("gives the values hdr-histogram-js's getValueAtPercentile gives", () => {
    fc.assert(
      fc.property(values, fc.constantFrom(1, 1 / 1000, 1 / 100), (vs, scale) => {
        const h = histogram(vs)
        expect(percentilesOf(h, scale)).toEqual(reference(h, scale))
      }),
    )
  })

  it("stays exact after samples are subtracted (the window's slice expiry)", () => {
    fc.assert(
      fc.property(values, values, (kept, dropped) => {
        const total = histogram([...kept, ...dropped])
        total.subtract(histogram(dropped))
        expect(total.totalCount).toBe(kept.length)
        expect(percentilesOf(total, 1)).toEqual(reference(histogram(kept), 1))
      }),
    )
  })

  it("reads the same values through block sums (percentilesInBlocks)", () => {
    fc.assert(
      fc.property(values, values, fc.constantFrom(1, 1 / 1000), (kept, dropped, scale) => {
        const total = histogram([...kept, ...dropped])
        total.subtract(histogram(dropped))
        const blocks = countBlocks(total)
        for (let i = 0; i < total.countsArrayLength; i++) blocks[i >> BLOCK_SHIFT]! += total.getCountAtIndex(i)
        expect(percentilesInBlocks(total, blocks, scale)).toEqual(percentilesOf(total, scale))
      }),
    )
  })

  it("reads a known distribution", () => {
    const h = histogram(Array.from({ length: 1_000 }, (_, i) => i + 1))
    const p = percentilesOf(h, 1)
    // 2 significant digits: each value is the top of its 1%-wide bucket.
    expect(p.p50).toBeGreaterThanOrEqual(500)
    expect(p.p50).toBeLessThanOrEqual(505)
    expect(p.p99).toBeGreaterThanOrEqual(990)
    expect(p.p99).toBeLessThanOrEqual(995)
  })
})
