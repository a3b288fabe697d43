import type * as hdr from "hdr-histogram-js"
// the class alone: hdr-histogram-js's index also loads its WebAssembly build and pako (for encoding), which
// the in-memory stats never use (≈ 200 KB of code per process)
import Int32HistogramModule from "hdr-histogram-js/dist/Int32Histogram.js"
import type { Percentiles } from "../../policy/types.js"
import { BLOCK_SHIFT, type CountBlocks, countBlocks, percentilesInBlocks, percentilesOf } from "./percentiles.js"

/** CommonJS: Node's default import is `module.exports` (the class is its `default`); some loaders give the class. */
const Int32Histogram = ((m: unknown) => (typeof m === "function" ? m : (m as typeof Int32HistogramModule).default))(
  Int32HistogramModule,
) as typeof Int32HistogramModule.default

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
  /**
   * Prompt tokens of a success whose usage the upstream reported, and the parts of them read from and
   * written to the provider's prompt cache (1-hour writes apart): the endpoint's measured cache-hit share.
   */
  readonly promptTokens?: number
  readonly cacheReadTokens?: number
  readonly cacheWriteTokens?: number
  readonly cacheWrite1hTokens?: number
}

/** Prompt tokens of the window's reported successes and their prompt-cache parts (sums). */
export interface CacheCounts {
  readonly promptTokens: number
  readonly cacheReadTokens: number
  readonly cacheWriteTokens: number
  readonly cacheWrite1hTokens: number
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
  /**
   * Prompt-cache counts of the window's successes (their shares of `promptTokens` are the cache-hit shares);
   * `NO_CACHE` below the minimum sample count of successes.
   */
  readonly cache: CacheCounts
}

export const NO_CACHE: CacheCounts = { promptTokens: 0, cacheReadTokens: 0, cacheWriteTokens: 0, cacheWrite1hTokens: 0 }

/** A sample's cache counts added to running sums (the memory window's slices and the Redis store's). */
export const addCacheCounts = (
  into: { prompt: number; cacheRead: number; cacheWrite: number; cacheWrite1h: number },
  s: StatsSample,
): void => {
  into.prompt += s.promptTokens ?? 0
  into.cacheRead += s.cacheReadTokens ?? 0
  into.cacheWrite += s.cacheWriteTokens ?? 0
  into.cacheWrite1h += s.cacheWrite1hTokens ?? 0
}

/** Running sums as a summary's `cache` (the shared `NO_CACHE` when nothing was counted). */
export const cacheCountsOf = (t: { prompt: number; cacheRead: number; cacheWrite: number; cacheWrite1h: number }) =>
  t.prompt === 0
    ? NO_CACHE
    : {
        promptTokens: t.prompt,
        cacheReadTokens: t.cacheRead,
        cacheWriteTokens: t.cacheWrite,
        cacheWrite1hTokens: t.cacheWrite1h,
      }

export const LATENCY_MAX_MS = 3_600_000
/** Throughput is recorded in hundredths of a token per second. */
export const THROUGHPUT_SCALE = 100
export const THROUGHPUT_MAX = 100_000_000
/** Default `staleShare`: cached percentiles may miss up to 2% of the window's samples. */
const DEFAULT_STALE_SHARE = 0.02

/**
 * Plain 32-bit counts (not packed): reading a packed array costs a tree walk per index, which made
 * percentile reads and slice expiry dominate the router's CPU. 2 significant digits (1% value
 * resolution) is plenty for latency routing. About 9 KB (latency) and 12 KB (throughput) each.
 */
export const statsHistogram = (max: number): hdr.JsHistogram => new Int32Histogram(1, max, 2)

export const clampRecord = (h: hdr.JsHistogram, value: number, max: number): void => {
  h.recordValue(Math.min(max, Math.max(1, Math.round(value))))
}

/** A histogram and the sums of its counts per block (`CountBlocks`), recorded into together. */
interface Track {
  readonly h: hdr.JsHistogram
  readonly blocks: CountBlocks
}

const newTrack = (max: number): Track => {
  const h = statsHistogram(max)
  return { h, blocks: countBlocks(h) }
}

/** Count `index` (of `value`) in `t`: what `recordValue(value)` does, and its block's sum. */
const countIn = (t: Track, value: number, index: number): void => {
  t.h.incrementCountAtIndex(index)
  t.h.updateMinAndMax(value)
  t.h.incrementTotalCount()
  t.blocks[index >> BLOCK_SHIFT]!++
}

/** `clampRecord` into a slice's track and the window's total track, the counts index computed once. */
const recordBoth = (slice: Track, total: Track, value: number, max: number): void => {
  const v = Math.min(max, Math.max(1, Math.round(value)))
  const index = total.h.countsArrayIndex(v)
  if (index >= total.h.countsArrayLength) {
    // out of the histograms' range: recordValue's own error
    clampRecord(total.h, v, max)
    return
  }
  countIn(slice, v, index)
  countIn(total, v, index)
}

/** Take an expiring slice's track out of the total and empty it. */
const expireTrack = (slice: Track, total: Track): void => {
  const sh = slice.h
  if (sh.totalCount === 0) return
  const th = total.h
  const from = slice.blocks
  const into = total.blocks
  const n = sh.countsArrayLength
  // `th.subtract(sh)` then `sh.reset()` (both hold the same counts layout), reading only the slice's
  // non-empty blocks instead of every count twice
  let removed = 0
  for (let b = 0; b < from.length; b++) {
    const inBlock = from[b]!
    if (inBlock === 0) continue
    into[b]! -= inBlock
    from[b] = 0
    const end = Math.min(n, (b + 1) << BLOCK_SHIFT)
    for (let i = b << BLOCK_SHIFT; i < end; i++) {
      const c = sh.getCountAtIndex(i)
      if (c === 0) continue
      th.addToCountAtIndex(i, -c)
      sh.setCountAtIndex(i, 0)
      removed += c
    }
  }
  th.setTotalCount(th.totalCount - removed)
  // with the subtraction, the max and lowest non-zero values may have changed (as `subtract` checks them)
  if (countAtValue(th, th.maxValue) <= 0 || countAtValue(th, th.minNonZeroValue) <= 0)
    th.establishInternalTackingValues()
  sh.setTotalCount(0)
  sh.maxValue = 0
  sh.minNonZeroValue = Number.MAX_SAFE_INTEGER
}

/** `h`'s count at `value` (JsHistogram's private `getCountAtValue`). */
const countAtValue = (h: hdr.JsHistogram, value: number): number =>
  h.getCountAtIndex(Math.min(Math.max(0, h.countsArrayIndex(value)), h.countsArrayLength - 1))

interface Slice {
  epoch: number
  readonly ttft: Track
  readonly latency: Track
  readonly throughput: Track
  successes: number
  failures: number
  rateLimited: number
  prompt: number
  cacheRead: number
  cacheWrite: number
  cacheWrite1h: number
}

const newSlice = (): Slice => ({
  epoch: Number.NEGATIVE_INFINITY,
  ttft: newTrack(LATENCY_MAX_MS),
  latency: newTrack(LATENCY_MAX_MS),
  throughput: newTrack(THROUGHPUT_MAX),
  successes: 0,
  failures: 0,
  rateLimited: 0,
  prompt: 0,
  cacheRead: 0,
  cacheWrite: 0,
  cacheWrite1h: 0,
})

export interface WindowOptions {
  /** Window length, ms (routing.statsWindowMs). */
  readonly windowMs: number
  /** Number of time slices the window is cut into (default 5). */
  readonly slices: number
  /** Percentiles and uptime need at least this many samples (default 5). */
  readonly minSamples: number
  /** Recompute percentiles at most this often, ms (default 1 000; 0 = whenever they are stale). */
  readonly refreshMs: number
  /**
   * Percentiles are stale once the samples recorded since they were computed exceed this share of
   * the samples they were computed from (default 0.02; 0 = any new sample). See `EndpointWindow`.
   */
  readonly staleShare?: number
}

/** Percentiles as last computed, and the sample counts past which they are stale. */
interface PercentileCache {
  ttft: Percentiles | undefined
  latency: Percentiles | undefined
  throughput: Percentiles | undefined
  at: number
  ttftLimit: number
  latencyLimit: number
  throughputLimit: number
}

/**
 * The sliding window of one endpoint: a ring of `slices` time slices (each `windowMs / slices` long),
 * each with HDR histograms (2 significant digits, 32-bit counts) for TTFT, latency and throughput and
 * outcome counters. Running totals are kept by adding on record and subtracting a slice as it
 * expires, so a read never merges slices. Memory is bounded by the ring (about 30 KB per slice and
 * `slices + 1` slices per endpoint), whatever the traffic; recording allocates nothing.
 *
 * Coverage: a read sees the samples of the current slice and the `slices - 1` before it, i.e.
 * everything younger than `windowMs - sliceMs` and nothing older than `windowMs`.
 *
 * Freshness: counters, uptime and `lastFailureAt` are exact on every read. Percentiles are cached
 * and recomputed on a read when at least `refreshMs` has passed since they were computed AND they
 * are stale: a slice has left the window since, or one histogram gained more than `staleShare` × the
 * samples it held then (any sample while it held fewer than `minSamples`, so percentiles appear as
 * soon as there are enough samples). Staleness bound: a read returns either percentiles at most
 * `refreshMs` old, or the exact percentiles (to HDR's 1% value resolution) of a window that lacks at
 * most a `staleShare` share of the newest samples — so a reported p-th percentile lies between the
 * current window's (p − 100·staleShare)-th and (p + 100·staleShare)-th percentiles (p90 is a true
 * p88..p92 at the default 2%). A window that gains samples slowly is still refreshed when each slice
 * expires. With steady traffic, percentiles are recomputed about once per `staleShare` × window
 * samples instead of on every read.
 */
export class EndpointWindow {
  private readonly sliceMs: number
  private readonly ring: Array<Slice>
  private readonly total = newSlice()
  private readonly staleShare: number
  private lastEpoch = Number.NEGATIVE_INFINITY
  private lastFailureAt: number | undefined = undefined
  /** Percentiles as last computed; undefined until the first read. */
  private pct: PercentileCache | undefined = undefined
  /** A slice left the window since percentiles were computed. */
  private expiredSince = false
  /** The summary as last built; dropped when a counter or the percentiles change. */
  private summary: StatsSummary | undefined = undefined

  constructor(private readonly options: WindowOptions) {
    this.sliceMs = Math.max(1, Math.floor(options.windowMs / options.slices))
    this.ring = Array.from({ length: options.slices }, newSlice)
    this.staleShare = Math.max(0, options.staleShare ?? DEFAULT_STALE_SHARE)
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
    // Histograms only hold successes' samples, so a slice without outcomes holds nothing.
    const empty = slice.successes === 0 && slice.failures === 0 && slice.rateLimited === 0
    expireTrack(slice.ttft, this.total.ttft)
    expireTrack(slice.latency, this.total.latency)
    expireTrack(slice.throughput, this.total.throughput)
    this.total.successes -= slice.successes
    this.total.failures -= slice.failures
    this.total.rateLimited -= slice.rateLimited
    this.total.prompt -= slice.prompt
    this.total.cacheRead -= slice.cacheRead
    this.total.cacheWrite -= slice.cacheWrite
    this.total.cacheWrite1h -= slice.cacheWrite1h
    slice.successes = 0
    slice.failures = 0
    slice.rateLimited = 0
    slice.prompt = 0
    slice.cacheRead = 0
    slice.cacheWrite = 0
    slice.cacheWrite1h = 0
    slice.epoch = Number.NEGATIVE_INFINITY
    if (!empty) {
      this.expiredSince = true
      this.summary = undefined
    }
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
        return
    }
    if (sample.outcome === "success") {
      if (sample.ttftMs !== undefined) recordBoth(slice.ttft, this.total.ttft, sample.ttftMs, LATENCY_MAX_MS)
      if (sample.latencyMs !== undefined)
        recordBoth(slice.latency, this.total.latency, sample.latencyMs, LATENCY_MAX_MS)
      const tps = throughputOf(sample)
      if (tps !== undefined) recordBoth(slice.throughput, this.total.throughput, tps * THROUGHPUT_SCALE, THROUGHPUT_MAX)
      if (sample.promptTokens !== undefined && sample.promptTokens > 0) {
        addCacheCounts(slice, sample)
        addCacheCounts(this.total, sample)
      }
    }
    this.summary = undefined
  }

  /** Whether the cached percentiles must be recomputed at `now` (see the class comment). */
  private stale(now: number): boolean {
    const c = this.pct
    if (c === undefined) return true
    if (now - c.at < this.options.refreshMs) return false
    const t = this.total
    return (
      this.expiredSince ||
      t.ttft.h.totalCount > c.ttftLimit ||
      t.latency.h.totalCount > c.latencyLimit ||
      t.throughput.h.totalCount > c.throughputLimit
    )
  }

  /** The sample count past which percentiles computed from `n` samples are stale. */
  private limit(n: number): number {
    return n < this.options.minSamples ? n : n + n * this.staleShare
  }

  read(now: number): StatsSummary {
    this.advance(now)
    const t = this.total
    const min = this.options.minSamples
    if (this.stale(now)) {
      this.pct = {
        ttft: percentilesAtLeast(t.ttft.h, min, 1 / 1000, t.ttft.blocks),
        latency: percentilesAtLeast(t.latency.h, min, 1 / 1000, t.latency.blocks),
        throughput: percentilesAtLeast(t.throughput.h, min, 1 / THROUGHPUT_SCALE, t.throughput.blocks),
        at: now,
        ttftLimit: this.limit(t.ttft.h.totalCount),
        latencyLimit: this.limit(t.latency.h.totalCount),
        throughputLimit: this.limit(t.throughput.h.totalCount),
      }
      this.expiredSince = false
      this.summary = undefined
    }
    if (this.summary !== undefined) return this.summary
    const pct = this.pct!
    const judged = t.successes + t.failures
    this.summary = {
      ttft: pct.ttft,
      latency: pct.latency,
      throughput: pct.throughput,
      uptime: judged >= min ? t.successes / judged : undefined,
      successes: t.successes,
      failures: t.failures,
      rateLimited: t.rateLimited,
      lastFailureAt: this.lastFailureAt,
      cache: t.successes >= min ? cacheCountsOf(t) : NO_CACHE,
    }
    return this.summary
  }
}

/** Output tokens per second of generation (latency minus TTFT when both are known and differ). */
export const throughputOf = (s: StatsSample): number | undefined => {
  if (s.outputTokens === undefined || s.outputTokens <= 0 || s.latencyMs === undefined) return undefined
  const generation = s.ttftMs !== undefined && s.latencyMs > s.ttftMs ? s.latencyMs - s.ttftMs : s.latencyMs
  return generation > 0 ? (s.outputTokens * 1000) / generation : undefined
}

/** Percentiles of `h` (× `scale`; through `blocks`, its count sums, when kept), or undefined below `min` samples. */
export const percentilesAtLeast = (
  h: hdr.JsHistogram,
  min: number,
  scale: number,
  blocks?: CountBlocks,
): Percentiles | undefined =>
  h.totalCount < min || h.totalCount === 0
    ? undefined
    : blocks === undefined
      ? percentilesOf(h, scale)
      : percentilesInBlocks(h, blocks, scale)
