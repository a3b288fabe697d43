// Small numeric helpers for the benchmark report.

/** Nearest-rank percentile (p in 0..100) of unsorted samples; undefined when there are none. */
export const percentile = (samples: ReadonlyArray<number>, p: number): number | undefined => {
  if (samples.length === 0) return undefined
  const sorted = Float64Array.from(samples).sort()
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))
  return sorted[rank]
}

/** Median of the defined values (mean of the middle two for an even count). */
export const median = (values: ReadonlyArray<number | undefined>): number | undefined => {
  const defined = values.filter((v): v is number => v !== undefined).sort((a, b) => a - b)
  if (defined.length === 0) return undefined
  const mid = Math.floor(defined.length / 2)
  return defined.length % 2 === 1 ? defined[mid] : (defined[mid - 1]! + defined[mid]!) / 2
}

export const maxOf = (values: ReadonlyArray<number | undefined>): number | undefined => {
  const defined = values.filter((v): v is number => v !== undefined)
  return defined.length === 0 ? undefined : Math.max(...defined)
}

export const ratio = (a: number | undefined, b: number | undefined): number | undefined =>
  a === undefined || b === undefined || b === 0 ? undefined : a / b

export const diff = (a: number | undefined, b: number | undefined): number | undefined =>
  a === undefined || b === undefined ? undefined : a - b
