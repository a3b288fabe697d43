export interface Quantiles {
  readonly p50: number
  readonly p90: number
  readonly p99: number
}

/** Nearest-rank quantile of an ascending array (NaN when empty). */
export const quantileSorted = (sorted: ArrayLike<number>, q: number): number =>
  sorted.length === 0 ? Number.NaN : sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))]!

export const quantilesOf = (values: Float64Array): Quantiles => {
  const s = values.slice().sort()
  return { p50: quantileSorted(s, 0.5), p90: quantileSorted(s, 0.9), p99: quantileSorted(s, 0.99) }
}
