import * as hdr from "hdr-histogram-js"
import type { Percentiles } from "../../policy/types.js"

/** Outcome of one request as Stats counts it. `neutral` (client errors) counts nowhere. */
export type StatsOutcome = "success" | "failure" | "rate_limited" | "neutral"

export interface StatsSample {
  readonly outcome: StatsOutcome
  /** Time to first token (streams) or to the full response (non-streamed), ms. */
  readonly ttftMs?: number
  /** Total request latency, ms. */
  readonly latencyMs?: number
  /** Output tokens, for throughput. */
  readonly outputTokens?: number
}

export interface StatsSummary {
  /** Time to first token, seconds; undefined below the minimum sample count. */
  readonly ttft: Percentiles | undefined
  /** Total latency, seconds. */
  readonly latency: Percentiles | undefined
  /** Output tokens per second of generation time. */
  readonly throughput: Percentiles | undefined
  /** successes ÷ (successes + failures), rate-limited excluded; undefined below the minimum sample count. */
  readonly uptime: number | undefined
  readonly successes: number
  readonly failures: number
  readonly rateLimited: number
  /** Epoch ms of the last failure (not windowed); undefined if none yet. */
  readonly lastFailureAt: number | undefined
}

const LATENCY_MAX_MS = 3_600_000
/** Throughput is recorded in hundredths of a token per second. */
const THROUGHPUT_SCALE = 100
const THROUGHPUT_MAX = 100_000_000

const histogram = (max: number): hdr.Histogram =>
  hdr.build({
    useWebAssembly: false,
    bitBucketSize: "packed",
    numberOfSignificantValueDigits: 2,
    lowestDiscernibleValue: 1,
    highestTrackableValue: max,
    autoResize: false,
  })

const clampRecord = (h: hdr.Histogram, value: number, max: number): void => {
  h.recordValue(Math.min(max, Math.max(1, Math.round(value))))
}

interface Slice {
  epoch: number
  readonly ttft: hdr.Histogram
  readonly latency: hdr.Histogram
  readonly throughput: hdr.Histogram
  successes: number
  failures: number
  rateLimited: number
}

const newSlice = (): Slice => ({
  epoch: Number.NEGATIVE_INFINITY,
  ttft: histogram(LATENCY_MAX_MS),
  latency: histogram(LATENCY_MAX_MS),
  throughput: histogram(THROUGHPUT_MAX),
  successes: 0,
  failures: 0,
  rateLimited: 0,
})

export interface WindowOptions {
  /** Window length, ms (routing.statsWindowMs). */
  readonly windowMs: number
  /** Number of time slices the window is cut into (default 5). */
  readonly slices: number
  /** Percentiles and uptime need at least this many samples (default 5). */
  readonly minSamples: number
  /** Recompute percentiles at most this often, ms (default 1 000; 0 = on every read after a change). */
  readonly refreshMs: number
}

/**
 * The sliding window of one endpoint: a ring of `slices` time slices (each `windowMs / slices` long),
 * each with HDR histograms (2 significant digits, packed) for TTFT, latency and throughput and
 * outcome counters. Running totals are kept by adding on record and subtracting a slice as it
 * expires, so a read never merges slices. Memory is bounded by the ring, whatever the traffic.
 *
 * Coverage: a read sees the samples of the current slice and the `slices - 1` before it, i.e.
 * everything younger than `windowMs - sliceMs` and nothing older than `windowMs`.
 */
export class EndpointWindow {
  private readonly sliceMs: number
  private readonly ring: Array<Slice>
  private readonly total = newSlice()
  private lastEpoch = Number.NEGATIVE_INFINITY
  private lastFailureAt: number | undefined = undefined
  private cache: StatsSummary | undefined = undefined
  private cachedAt = Number.NEGATIVE_INFINITY
  private dirty = true

  constructor(private readonly options: WindowOptions) {
    this.sliceMs = Math.max(1, Math.floor(options.windowMs / options.slices))
    this.ring = Array.from({ length: options.slices }, newSlice)
  }

  /** Drop slices that left the window; returns the slice for `now`. */
  private advance(now: number): Slice {
    const epoch = Math.floor(now / this.sliceMs)
    if (epoch !== this.lastEpoch) {
      this.lastEpoch = Math.max(this.lastEpoch, epoch)
      for (const slice of this.ring) {
        if (slice.epoch !== Number.NEGATIVE_INFINITY && slice.epoch <= this.lastEpoch - this.options.slices) {
          this.expire(slice)
        }
      }
    }
    const slot = this.ring[((epoch % this.options.slices) + this.options.slices) % this.options.slices]!
    if (slot.epoch !== epoch) {
      if (slot.epoch !== Number.NEGATIVE_INFINITY) this.expire(slot)
      slot.epoch = epoch
    }
    return slot
  }

  private expire(slice: Slice): void {
    if (slice.ttft.totalCount > 0) this.total.ttft.subtract(slice.ttft)
    if (slice.latency.totalCount > 0) this.total.latency.subtract(slice.latency)
    if (slice.throughput.totalCount > 0) this.total.throughput.subtract(slice.throughput)
    this.total.successes -= slice.successes
    this.total.failures -= slice.failures
    this.total.rateLimited -= slice.rateLimited
    slice.ttft.reset()
    slice.latency.reset()
    slice.throughput.reset()
    slice.successes = 0
    slice.failures = 0
    slice.rateLimited = 0
    slice.epoch = Number.NEGATIVE_INFINITY
    this.dirty = true
  }

  record(sample: StatsSample, now: number): void {
    const slice = this.advance(now)
    switch (sample.outcome) {
      case "success":
        slice.successes++
        this.total.successes++
        break
      case "failure":
        slice.failures++
        this.total.failures++
        this.lastFailureAt = now
        break
      case "rate_limited":
        slice.rateLimited++
        this.total.rateLimited++
        break
      case "neutral":
        break
    }
    if (sample.outcome === "success") {
      if (sample.ttftMs !== undefined) this.both(slice.ttft, this.total.ttft, sample.ttftMs, LATENCY_MAX_MS)
      if (sample.latencyMs !== undefined) this.both(slice.latency, this.total.latency, sample.latencyMs, LATENCY_MAX_MS)
      const tps = throughputOf(sample)
      if (tps !== undefined) this.both(slice.throughput, this.total.throughput, tps * THROUGHPUT_SCALE, THROUGHPUT_MAX)
    }
    this.dirty = true
  }

  private both(slice: hdr.Histogram, total: hdr.Histogram, value: number, max: number): void {
    clampRecord(slice, value, max)
    clampRecord(total, value, max)
  }

  read(now: number): StatsSummary {
    this.advance(now)
    if (this.cache !== undefined && (!this.dirty || now - this.cachedAt < this.options.refreshMs)) return this.cache
    const t = this.total
    const min = this.options.minSamples
    const judged = t.successes + t.failures
    this.cache = {
      ttft: percentiles(t.ttft, min, 1 / 1000),
      latency: percentiles(t.latency, min, 1 / 1000),
      throughput: percentiles(t.throughput, min, 1 / THROUGHPUT_SCALE),
      uptime: judged >= min ? t.successes / judged : undefined,
      successes: t.successes,
      failures: t.failures,
      rateLimited: t.rateLimited,
      lastFailureAt: this.lastFailureAt,
    }
    this.cachedAt = now
    this.dirty = false
    return this.cache
  }
}

/** Output tokens per second of generation (latency minus TTFT when both are known and differ). */
const throughputOf = (s: StatsSample): number | undefined => {
  if (s.outputTokens === undefined || s.outputTokens <= 0 || s.latencyMs === undefined) return undefined
  const generation = s.ttftMs !== undefined && s.latencyMs > s.ttftMs ? s.latencyMs - s.ttftMs : s.latencyMs
  return generation > 0 ? (s.outputTokens * 1000) / generation : undefined
}

const percentiles = (h: hdr.Histogram, min: number, scale: number): Percentiles | undefined =>
  h.totalCount < min || h.totalCount === 0
    ? undefined
    : {
        p50: h.getValueAtPercentile(50) * scale,
        p75: h.getValueAtPercentile(75) * scale,
        p90: h.getValueAtPercentile(90) * scale,
        p99: h.getValueAtPercentile(99) * scale,
      }
