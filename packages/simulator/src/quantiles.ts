export interface Quantiles {
  readonly p50: number
  readonly p90: number
  readonly p99: number
}

const NO_QUANTILES: Quantiles = { p50: Number.NaN, p90: Number.NaN, p99: Number.NaN }

/** Index of the nearest-rank quantile `q` among `n` ascending values. */
const rankOf = (n: number, q: number): number => Math.min(n - 1, Math.max(0, Math.ceil(q * n) - 1))

/**
 * Reorder `a[lo..hi]` so that `a[k]` holds the value an ascending sort would put there, with nothing
 * larger before it and nothing smaller after it (Hoare's selection, median-of-three pivot): O(n) on
 * average where a sort is O(n log n). No NaN in `a`.
 */
const select = (a: Float64Array, lo: number, hi: number, k: number): void => {
  while (hi > lo) {
    const x = a[lo]!
    const y = a[(lo + hi) >>> 1]!
    const z = a[hi]!
    const pivot = Math.max(Math.min(x, y), Math.min(Math.max(x, y), z)) // median of the three
    let i = lo
    let j = hi
    while (i <= j) {
      while (a[i]! < pivot) i++
      while (a[j]! > pivot) j--
      if (i <= j) {
        const t = a[i]!
        a[i++] = a[j]!
        a[j--] = t
      }
    }
    if (k <= j) hi = j
    else if (k >= i) lo = i
    else return
  }
}

/**
 * Nearest-rank p50, p90 and p99 of `values` (no NaN; NaN each when empty) — the values a sort would
 * put at those ranks, found by selection. Reorders `values` in place.
 */
export const quantilesInPlace = (values: Float64Array): Quantiles => {
  const n = values.length
  if (n === 0) return NO_QUANTILES
  const r50 = rankOf(n, 0.5)
  const r90 = rankOf(n, 0.9)
  const r99 = rankOf(n, 0.99)
  select(values, 0, n - 1, r50)
  select(values, r50, n - 1, r90)
  select(values, r90, n - 1, r99)
  return { p50: values[r50]!, p90: values[r90]!, p99: values[r99]! }
}
