import type * as hdr from "hdr-histogram-js"
import type { Percentiles } from "../../policy/types.js"

/** Unit in the last place of `x`, as hdr-histogram-js computes it when rounding a percentile's count. */
const ulp = (x: number): number => 2 ** (Math.floor(Math.log2(x)) - 52)

/** How many samples must lie at or below the value at `percentile` (JsHistogram.getValueAtPercentile's rounding). */
const countAtPercentile = (percentile: number, totalCount: number): number => {
  const fp = (percentile / 100) * totalCount
  return Math.max(Math.ceil(fp - ulp(fp)), 1)
}

/**
 * p50/p75/p90/p99 of `h`, each multiplied by `scale`, in a single walk over the counts from the lowest
 * recorded value up to p99. Same values as four `h.getValueAtPercentile` calls (each of which walks
 * from index 0), at a fraction of the cost. `h` must hold at least one sample.
 */
export const percentilesOf = (h: hdr.JsHistogram, scale: number): Percentiles => {
  const total = h.totalCount
  const c50 = countAtPercentile(50, total)
  const c75 = countAtPercentile(75, total)
  const c90 = countAtPercentile(90, total)
  const c99 = countAtPercentile(99, total)
  let p50 = 0
  let p75 = 0
  let p90 = 0
  let p99 = 0
  /** How many of the four percentiles are found so far, and the count the next one needs. */
  let found = 0
  let next = c50
  // Nothing is recorded below the lowest non-zero value, except possibly zeros at index 0.
  let i = h.getCountAtIndex(0) > 0 || h.minNonZeroValue > h.maxValue ? 0 : h.countsArrayIndex(h.minNonZeroValue)
  let cumulative = 0
  for (const n = h.countsArrayLength; i < n; i++) {
    cumulative += h.getCountAtIndex(i)
    if (cumulative < next) continue
    const value = h.highestEquivalentValue(h.valueFromIndex(i))
    if (found === 0) {
      p50 = value
      found = 1
      next = c75
    }
    if (found === 1 && cumulative >= c75) {
      p75 = value
      found = 2
      next = c90
    }
    if (found === 2 && cumulative >= c90) {
      p90 = value
      found = 3
      next = c99
    }
    if (found === 3 && cumulative >= c99) {
      p99 = value
      break
    }
  }
  return { p50: p50 * scale, p75: p75 * scale, p90: p90 * scale, p99: p99 * scale }
}
