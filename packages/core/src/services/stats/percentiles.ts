import type * as hdr from "hdr-histogram-js"
import type { Percentiles } from "../../policy/types.js"

/** Unit in the last place of `x`, as hdr-histogram-js computes it when rounding a percentile's count. */
const ulp = (x: number): number => 2 ** (Math.floor(Math.log2(x)) - 52)

/** How many samples must lie at or below the value at `percentile` (JsHistogram.getValueAtPercentile's rounding). */
const countAtPercentile = (percentile: number, totalCount: number): number => {
  const fp = (percentile / 100) * totalCount
  return Math.max(Math.ceil(fp - ulp(fp)), 1)
}

const PERCENTILES = [50, 75, 90, 99] as const

/** The four values found, in `PERCENTILES`' order, each × `scale`. */
const scaled = (values: ReadonlyArray<number>, scale: number): Percentiles => ({
  p50: values[0]! * scale,
  p75: values[1]! * scale,
  p90: values[2]! * scale,
  p99: values[3]! * scale,
})

/**
 * p50/p75/p90/p99 of `h`, each multiplied by `scale`, in a single walk over the counts from the lowest
 * recorded value up to p99. Same values as four `h.getValueAtPercentile` calls (each of which walks
 * from index 0), at a fraction of the cost. `h` must hold at least one sample.
 */
export const percentilesOf = (h: hdr.JsHistogram, scale: number): Percentiles => {
  const total = h.totalCount
  const needed = PERCENTILES.map((p) => countAtPercentile(p, total))
  const values = [0, 0, 0, 0]
  /** How many of the four percentiles are found so far. */
  let found = 0
  // Nothing is recorded below the lowest non-zero value, except possibly zeros at index 0.
  let i = h.getCountAtIndex(0) > 0 || h.minNonZeroValue > h.maxValue ? 0 : h.countsArrayIndex(h.minNonZeroValue)
  let cumulative = 0
  for (const n = h.countsArrayLength; i < n; i++) {
    cumulative += h.getCountAtIndex(i)
    if (cumulative < needed[found]!) continue
    const value = h.highestEquivalentValue(h.valueFromIndex(i))
    while (found < PERCENTILES.length && cumulative >= needed[found]!) values[found++] = value
    if (found === PERCENTILES.length) break
  }
  return scaled(values, scale)
}

/** `log2` of the counts indices per block of `CountBlocks` (16). */
export const BLOCK_SHIFT = 4

/**
 * Sums of a histogram's counts per block of 16 consecutive indices, kept next to it by whoever records
 * into it (`countBlocks`, `addToBlocks`): `percentilesInBlocks` then skips whole blocks below each
 * percentile instead of reading every count.
 */
export type CountBlocks = Int32Array

/** Zeroed block sums for `h`'s counts array. */
export const countBlocks = (h: hdr.JsHistogram): CountBlocks =>
  new Int32Array(Math.ceil(h.countsArrayLength / (1 << BLOCK_SHIFT)))

/**
 * The same values as `percentilesOf(h, scale)`, reading whole blocks of `blocks` (the sums of `h`'s
 * counts per block, which must be exact) until the block holding the next percentile, then its counts
 * one by one: about 60 reads instead of several hundred for a window of latencies.
 */
export const percentilesInBlocks = (h: hdr.JsHistogram, blocks: CountBlocks, scale: number): Percentiles => {
  const total = h.totalCount
  const needed = PERCENTILES.map((p) => countAtPercentile(p, total))
  const values = [0, 0, 0, 0]
  let found = 0
  let cumulative = 0
  const n = h.countsArrayLength
  for (let b = 0; b < blocks.length && found < PERCENTILES.length; b++) {
    const inBlock = blocks[b]!
    if (cumulative + inBlock < needed[found]!) {
      cumulative += inBlock
      continue
    }
    const end = Math.min(n, (b + 1) << BLOCK_SHIFT)
    for (let i = b << BLOCK_SHIFT; i < end; i++) {
      const c = h.getCountAtIndex(i)
      if (c === 0) continue
      cumulative += c
      if (cumulative < needed[found]!) continue
      const value = h.highestEquivalentValue(h.valueFromIndex(i))
      while (found < PERCENTILES.length && cumulative >= needed[found]!) values[found++] = value
      if (found === PERCENTILES.length) break
    }
  }
  return scaled(values, scale)
}
