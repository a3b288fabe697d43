import * as Context from "effect/Context"
import type * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import { routingDefaults } from "../../catalog/defaults.js"
import { atNow, eachAt, eachAtNow } from "../now.js"
import { withTwin } from "../twin.js"
import { EndpointWindow, NO_CACHE, type StatsSample, type StatsSummary, type WindowOptions } from "./window.js"

/**
 * Stats: per endpoint, over a sliding window (`routing.statsWindowMs`, 5 minutes by default), TTFT,
 * total latency and output-throughput percentiles (p50/p75/p90/p99), uptime (successes ÷ judged
 * requests, rate-limited excluded) and the last failure time. Keyed by endpoint id; `now` comes from
 * `Clock`, or is the optional trailing `now` the caller already read from `Clock` (see `services/now.ts`).
 * A shared store can implement the same operations (e.g. per-slice HDR histograms serialised with
 * `encodeIntoCompressedBase64`, merged on read).
 */
export interface StatsShape {
  readonly record: (endpointId: string, sample: StatsSample, now?: number) => Effect.Effect<void>
  readonly read: (endpointId: string, now?: number) => Effect.Effect<StatsSummary>
  /** `read` of each endpoint at one instant (one `Clock` read; a shared store can answer in one round trip). */
  readonly readMany: (endpointIds: ReadonlyArray<string>, now?: number) => Effect.Effect<ReadonlyArray<StatsSummary>>
}

export type StatsOptions = Partial<WindowOptions>

/** Stats options with their defaults (the window defaults to `routing.statsWindowMs`'s default). */
export const resolveStatsOptions = (options: StatsOptions = {}): WindowOptions => ({
  windowMs: options.windowMs ?? routingDefaults.statsWindowMs,
  slices: options.slices ?? 5,
  minSamples: options.minSamples ?? 5,
  refreshMs: options.refreshMs ?? 1_000,
  ...(options.staleShare !== undefined && { staleShare: options.staleShare }),
})

/** The summary of an endpoint without samples (shared: summaries are read-only). */
export const EMPTY_STATS: StatsSummary = {
  ttft: undefined,
  latency: undefined,
  throughput: undefined,
  uptime: undefined,
  successes: 0,
  failures: 0,
  rateLimited: 0,
  lastFailureAt: undefined,
  cache: NO_CACHE,
}

/** In-memory Stats: one `EndpointWindow` per endpoint id. */
export const makeMemoryStats = (options: StatsOptions = {}): StatsShape => {
  const resolved = resolveStatsOptions(options)
  const windows = new Map<string, EndpointWindow>()
  const summary = (endpointId: string, now: number): StatsSummary => windows.get(endpointId)?.read(now) ?? EMPTY_STATS
  const record = (endpointId: string, sample: StatsSample, now: number): void => {
    let w = windows.get(endpointId)
    if (w === undefined) {
      w = new EndpointWindow(resolved)
      windows.set(endpointId, w)
    }
    w.record(sample, now)
  }
  return withTwin<StatsShape, StatsTwin>(
    {
      record: (endpointId, sample, at) => atNow(at, (now) => record(endpointId, sample, now)),
      read: (endpointId, at) => atNow(at, (now) => summary(endpointId, now)),
      readMany: (endpointIds, at) => eachAtNow(endpointIds, at, summary),
    },
    { readMany: (endpointIds, now) => eachAt(endpointIds, now, summary), record },
  )
}

/** The in-memory Stats' read and record, run synchronously by the request gates and the bookkeeping (`withTwin`; `composeLiveState`, `Books`). */
export interface StatsTwin {
  readonly readMany: (endpointIds: ReadonlyArray<string>, now: number) => ReadonlyArray<StatsSummary>
  readonly record: (endpointId: string, sample: StatsSample, now: number) => void
}

export class Stats extends Context.Service<Stats, StatsShape>()("@switchyard/core/Stats") {
  static readonly layer: Layer.Layer<Stats> = Layer.sync(Stats, () => makeMemoryStats())
  static readonly layerWith = (options: StatsOptions): Layer.Layer<Stats> =>
    Layer.sync(Stats, () => makeMemoryStats(options))
}
