import { Context, Effect, Layer } from "effect"
import { routingDefaults } from "../../catalog/defaults.js"
import { EndpointWindow, type StatsSample, type StatsSummary, type WindowOptions } from "./window.js"

/**
 * Stats: per endpoint, over a sliding window (`routing.statsWindowMs`, 5 minutes by default), TTFT,
 * total latency and output-throughput percentiles (p50/p75/p90/p99), uptime (successes ÷ judged
 * requests, rate-limited excluded) and the last failure time. Keyed by endpoint id; `now` comes from
 * `Clock`. A shared store can implement the same two operations (e.g. per-slice HDR histograms
 * serialised with `encodeIntoCompressedBase64`, merged on read).
 */
export interface StatsShape {
  readonly record: (endpointId: string, sample: StatsSample) => Effect.Effect<void>
  readonly read: (endpointId: string) => Effect.Effect<StatsSummary>
}

export type StatsOptions = Partial<WindowOptions>

const EMPTY: StatsSummary = {
  ttft: undefined,
  latency: undefined,
  throughput: undefined,
  uptime: undefined,
  successes: 0,
  failures: 0,
  rateLimited: 0,
  lastFailureAt: undefined,
}

/** In-memory Stats: one `EndpointWindow` per endpoint id. */
export const makeMemoryStats = (options: StatsOptions = {}): StatsShape => {
  const resolved: WindowOptions = {
    windowMs: options.windowMs ?? routingDefaults.statsWindowMs,
    slices: options.slices ?? 5,
    minSamples: options.minSamples ?? 5,
    refreshMs: options.refreshMs ?? 1_000,
    ...(options.staleShare !== undefined && { staleShare: options.staleShare }),
  }
  const windows = new Map<string, EndpointWindow>()
  // `clockWith` + a completed effect: the cheapest way for the router's hot path to read `now`.
  return {
    record: (endpointId, sample) =>
      Effect.clockWith((clock) => {
        let w = windows.get(endpointId)
        if (w === undefined) {
          w = new EndpointWindow(resolved)
          windows.set(endpointId, w)
        }
        w.record(sample, clock.currentTimeMillisUnsafe())
        return Effect.void
      }),
    read: (endpointId) =>
      Effect.clockWith((clock) =>
        Effect.succeed(windows.get(endpointId)?.read(clock.currentTimeMillisUnsafe()) ?? EMPTY),
      ),
  }
}

export class Stats extends Context.Service<Stats, StatsShape>()("@switchyard/core/Stats") {
  static readonly layer: Layer.Layer<Stats> = Layer.sync(Stats, () => makeMemoryStats())
  static readonly layerWith = (options: StatsOptions): Layer.Layer<Stats> =>
    Layer.sync(Stats, () => makeMemoryStats(options))
}
