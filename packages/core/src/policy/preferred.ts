import type { PercentileCutoffs, PreferredCutoff } from "../schema/provider-preferences.js"
import type { Percentiles } from "./types.js"

export type PercentileKey = keyof Percentiles

const KEYS: ReadonlyArray<PercentileKey> = ["p50", "p75", "p90", "p99"]

/** A bare number applies to p50 (wire-facts §1); an object without any cutoff means no preference. */
export const normalizeCutoffs = (cutoff: PreferredCutoff | undefined): PercentileCutoffs | undefined => {
  if (cutoff === undefined) return undefined
  if (typeof cutoff === "number") return { p50: cutoff }
  for (const key of KEYS) if (cutoff[key] !== undefined) return cutoff
  return undefined
}

/** The percentile a latency/throughput sort ranks by: the lowest one the request's preference names, else p50. */
export const sortPercentile = (cutoffs: PercentileCutoffs | undefined): PercentileKey => {
  if (cutoffs !== undefined) for (const key of KEYS) if (cutoffs[key] !== undefined) return key
  return "p50"
}

/**
 * The first cutoff of `preferred_max_latency` (seconds) this endpoint misses, or undefined.
 * An endpoint without latency numbers is not penalised: no data is not evidence of slowness,
 * and demoting new or idle endpoints would keep them from ever collecting numbers.
 */
export const missedMaxLatency = (
  latency: Percentiles | undefined,
  cutoffs: PercentileCutoffs | undefined,
): PercentileKey | undefined => {
  if (latency === undefined || cutoffs === undefined) return undefined
  for (const key of KEYS) {
    const cut = cutoffs[key]
    if (cut !== undefined && latency[key] > cut) return key
  }
  return undefined
}

/** The first cutoff of `preferred_min_throughput` (tokens/s) this endpoint misses, or undefined (no data: not penalised). */
export const missedMinThroughput = (
  throughput: Percentiles | undefined,
  cutoffs: PercentileCutoffs | undefined,
): PercentileKey | undefined => {
  if (throughput === undefined || cutoffs === undefined) return undefined
  for (const key of KEYS) {
    const cut = cutoffs[key]
    if (cut !== undefined && throughput[key] < cut) return key
  }
  return undefined
}
