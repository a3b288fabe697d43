import {
  addCacheCounts,
  cacheCountsOf,
  clampRecord,
  LATENCY_MAX_MS,
  NO_CACHE,
  percentilesAtLeast,
  type StatsBookkeeping,
  type StatsSample,
  type StatsShape,
  type StatsSummary,
  type StatsTwin,
  statsHistogram,
  THROUGHPUT_MAX,
  THROUGHPUT_SCALE,
  throughputOf,
  twinOf,
  type WindowOptions,
  withBookkeeping,
  withNow,
} from "@switchyard/core"
import * as Effect from "effect/Effect"
import * as hdr from "hdr-histogram-js"
import type { Connection } from "./connection.js"
import type { Keys } from "./keys.js"
import type { Shared } from "./shared.js"

/** This replica's samples of one endpoint in one window slice (what it publishes). */
interface Slice {
  readonly epoch: number
  readonly ttft: hdr.JsHistogram
  readonly latency: hdr.JsHistogram
  readonly throughput: hdr.JsHistogram
  successes: number
  failures: number
  rateLimited: number
  lastFailureAt: number | undefined
  prompt: number
  cacheRead: number
  cacheWrite: number
  cacheWrite1h: number
  dirty: boolean
}

/**
 * A published slice: counters, last failure, prompt-cache counts (prompt, cache-read, cache-write, 1-hour
 * cache-write tokens, when any), histograms as hdr-histogram-js compressed base64.
 */
interface SliceBlob {
  readonly s: number
  readonly f: number
  readonly r: number
  readonly lf?: number
  readonly c?: readonly [prompt: number, read: number, write: number, write1h: number]
  readonly t?: string
  readonly l?: string
  readonly p?: string
}

interface Cached {
  at: number
  summary: StatsSummary | undefined
  refreshing: Promise<void> | undefined
}

const newSlice = (epoch: number): Slice => ({
  epoch,
  ttft: statsHistogram(LATENCY_MAX_MS),
  latency: statsHistogram(LATENCY_MAX_MS),
  throughput: statsHistogram(THROUGHPUT_MAX),
  successes: 0,
  failures: 0,
  rateLimited: 0,
  lastFailureAt: undefined,
  prompt: 0,
  cacheRead: 0,
  cacheWrite: 0,
  cacheWrite1h: 0,
  dirty: false,
})

const encode = (h: hdr.JsHistogram): string | undefined =>
  h.totalCount === 0 ? undefined : hdr.encodeIntoCompressedBase64(h)

const blobOf = (s: Slice): string => {
  const blob: { -readonly [K in keyof SliceBlob]: SliceBlob[K] } = { s: s.successes, f: s.failures, r: s.rateLimited }
  if (s.lastFailureAt !== undefined) blob.lf = s.lastFailureAt
  if (s.prompt > 0) blob.c = [s.prompt, s.cacheRead, s.cacheWrite, s.cacheWrite1h]
  const t = encode(s.ttft)
  const l = encode(s.latency)
  const p = encode(s.throughput)
  if (t !== undefined) blob.t = t
  if (l !== undefined) blob.l = l
  if (p !== undefined) blob.p = p
  return JSON.stringify(blob)
}

const addEncoded = (into: hdr.JsHistogram, b64: string | undefined): void => {
  if (b64 === undefined) return
  // Decoded without WebAssembly, the histogram is a JsHistogram (the type says only `Histogram`).
  const h = hdr.decodeFromCompressedBase64(b64, 32, false) as hdr.JsHistogram
  into.add(h)
  h.destroy()
}

export interface RedisStats extends StatsShape {
  /** The fleet's summaries of `ids` at `now` when every one has been read once, else undefined (see `fleetOnly`). */
  readonly fleetOnly: (ids: ReadonlyArray<string>, now: number) => ReadonlyArray<StatsSummary> | undefined
  readonly flush: () => Promise<void>
  readonly close: () => Promise<void>
}

/**
 * Stats on Redis, fleet-wide. Each replica records into its local window (its fallback) and into a
 * slice of its own per endpoint (the window's slices: `statsWindowMs / slices` long), which it
 * publishes every `statsFlushMs` into the hash `{id}:stats:<slice>` under its replica id (expiring
 * with the window). A read merges every replica's slices of the window (HGETALL per slice, hdr
 * histograms added) into one summary, cached for `statsCacheMs`; a stale cache is refreshed in the
 * background while the cached summary is served, so reads on the request path wait for Redis only
 * the first time an endpoint is read. Staleness: a sample reaches other replicas' summaries within
 * about `statsFlushMs + statsCacheMs` (2 s by default) plus the time to their next read. While Redis
 * is degraded, reads answer the local window.
 */
export const makeRedisStats = (
  conn: Connection,
  shared: Shared,
  keys: Keys,
  local: StatsShape,
  o: WindowOptions,
): RedisStats => {
  const { options } = conn
  const sliceMs = Math.max(1, Math.floor(o.windowMs / o.slices))
  const ttlMs = o.windowMs + 2 * sliceMs
  const outbox = new Map<string, Slice>()
  /**
   * Per endpoint, its slices that ended before they were published, oldest first: only those still in the window
   * (fewer than `o.slices`, the current one being in `outbox`), so a long outage holds and publishes no more.
   */
  const finished = new Map<string, Array<Slice>>()
  /** The newest slice recorded (a sample's `now` may run ahead of the Clock). */
  let newest = Number.NEGATIVE_INFINITY
  /** Whether a slice of `epoch` is still in the window ending at the slice `current`. */
  const inWindow = (epoch: number, current: number): boolean => epoch > current - o.slices
  const cache = new Map<string, Cached>()

  const publish = (id: string, s: Slice): Promise<unknown> => {
    s.dirty = false
    const key = keys.stats(id, s.epoch)
    return Promise.all([conn.redis.hset(key, options.replicaId, blobOf(s)), conn.redis.pexpire(key, ttlMs)])
  }

  const flush = (): Promise<void> => {
    const current = Math.max(Math.floor(conn.now() / sliceMs), newest)
    if (!conn.ok) {
      // nothing is published while degraded: what leaves the window meanwhile is dropped, not kept for the resume
      for (const [id, slices] of finished) {
        const kept = slices.filter((s) => inWindow(s.epoch, current))
        if (kept.length === 0) finished.delete(id)
        else finished.set(id, kept)
      }
      return Promise.resolve()
    }
    const sends: Array<Promise<unknown>> = []
    for (const [id, slices] of finished)
      for (const s of slices) if (inWindow(s.epoch, current)) sends.push(publish(id, s))
    finished.clear()
    for (const [id, s] of outbox) if (s.dirty && inWindow(s.epoch, current)) sends.push(publish(id, s))
    return Promise.all(sends).then(
      () => undefined,
      (error: unknown) => conn.failed(error),
    )
  }
  const timer = setInterval(() => void flush(), options.statsFlushMs)
  timer.unref()

  /**
   * `s` ended (a sample of another slice came): kept to publish, with the endpoint's others still in the window ending at
   * the newest slice recorded — at most `o.slices` of them (samples out of order can end a slice twice), the oldest
   * dropped first.
   */
  const keepFinished = (id: string, s: Slice): void => {
    const slices = (finished.get(id) ?? []).filter((f) => inWindow(f.epoch, newest))
    if (inWindow(s.epoch, newest)) slices.push(s)
    if (slices.length > o.slices) slices.splice(0, slices.length - o.slices)
    if (slices.length === 0) finished.delete(id)
    else finished.set(id, slices)
  }

  const recordShared = (id: string, sample: StatsSample, now: number): void => {
    if (sample.outcome === "neutral") return
    const epoch = Math.floor(now / sliceMs)
    if (epoch > newest) newest = epoch
    let s = outbox.get(id)
    if (s === undefined || s.epoch !== epoch) {
      if (s?.dirty === true) keepFinished(id, s)
      s = newSlice(epoch)
      outbox.set(id, s)
    }
    s.dirty = true
    switch (sample.outcome) {
      case "success": {
        s.successes++
        if (sample.ttftMs !== undefined) clampRecord(s.ttft, sample.ttftMs, LATENCY_MAX_MS)
        if (sample.latencyMs !== undefined) clampRecord(s.latency, sample.latencyMs, LATENCY_MAX_MS)
        const tps = throughputOf(sample)
        if (tps !== undefined) clampRecord(s.throughput, tps * THROUGHPUT_SCALE, THROUGHPUT_MAX)
        if (sample.promptTokens !== undefined && sample.promptTokens > 0) addCacheCounts(s, sample)
        return
      }
      case "failure":
        s.failures++
        s.lastFailureAt = now
        return
      case "rate_limited":
        s.rateLimited++
        return
    }
  }

  /** Every replica's slices of the window ending at `now`, merged. */
  const fetch = (id: string, now: number): Promise<StatsSummary> => {
    const current = Math.floor(now / sliceMs)
    const reads: Array<Promise<Record<string, string>>> = []
    for (let e = current - o.slices + 1; e <= current; e++) reads.push(conn.redis.hgetall(keys.stats(id, e)))
    return Promise.all(reads).then((slices) => {
      const ttft = statsHistogram(LATENCY_MAX_MS)
      const latency = statsHistogram(LATENCY_MAX_MS)
      const throughput = statsHistogram(THROUGHPUT_MAX)
      let successes = 0
      let failures = 0
      let rateLimited = 0
      let lastFailureAt: number | undefined
      const cache = { prompt: 0, cacheRead: 0, cacheWrite: 0, cacheWrite1h: 0 }
      for (const slice of slices)
        for (const text of Object.values(slice)) {
          const b = JSON.parse(text) as SliceBlob
          successes += b.s
          failures += b.f
          rateLimited += b.r
          if (b.lf !== undefined && (lastFailureAt === undefined || b.lf > lastFailureAt)) lastFailureAt = b.lf
          if (b.c !== undefined) {
            cache.prompt += b.c[0]
            cache.cacheRead += b.c[1]
            cache.cacheWrite += b.c[2]
            cache.cacheWrite1h += b.c[3]
          }
          addEncoded(ttft, b.t)
          addEncoded(latency, b.l)
          addEncoded(throughput, b.p)
        }
      const min = o.minSamples
      const judged = successes + failures
      return {
        ttft: percentilesAtLeast(ttft, min, 1 / 1000),
        latency: percentilesAtLeast(latency, min, 1 / 1000),
        throughput: percentilesAtLeast(throughput, min, 1 / THROUGHPUT_SCALE),
        uptime: judged >= min ? successes / judged : undefined,
        successes,
        failures,
        rateLimited,
        lastFailureAt,
        cache: successes >= min ? cacheCountsOf(cache) : NO_CACHE,
      }
    })
  }

  const refresh = (id: string, c: Cached, now: number): Promise<void> => {
    c.refreshing ??= fetch(id, now).then(
      (summary) => {
        c.at = now
        c.summary = summary
        c.refreshing = undefined
      },
      (error: unknown) => {
        c.refreshing = undefined
        conn.failed(error)
      },
    )
    return c.refreshing
  }

  /**
   * Fleet summaries of `ids` at `now`, each endpoint's `locals` summary where the fleet has none (cached; the first
   * read of an endpoint waits for Redis).
   */
  const fleet = (
    ids: ReadonlyArray<string>,
    now: number,
    locals: ReadonlyArray<StatsSummary>,
  ): Effect.Effect<ReadonlyArray<StatsSummary>> => {
    let waits: Array<Promise<void>> | undefined
    for (const id of ids) {
      let c = cache.get(id)
      if (c === undefined) {
        c = { at: Number.NEGATIVE_INFINITY, summary: undefined, refreshing: undefined }
        cache.set(id, c)
      }
      if (now - c.at >= options.statsCacheMs) {
        const p = refresh(id, c, now)
        if (c.summary === undefined) {
          waits ??= []
          waits.push(p)
        }
      }
    }
    const answer = () => {
      const out = new Array<StatsSummary>(ids.length)
      for (let i = 0; i < ids.length; i++) out[i] = cache.get(ids[i]!)?.summary ?? locals[i]!
      return out
    }
    if (waits === undefined) return Effect.succeed(answer())
    const all = waits
    return shared.read(() => Promise.all(all).then(answer), Effect.sync(answer))
  }

  /**
   * The fleet summaries of `ids` when every one has been read once (stale ones refreshed in the background, as
   * `fleet` does), else undefined: what `fleet` answers then, without computing the local summaries it would not use.
   */
  const fleetOnly = (ids: ReadonlyArray<string>, now: number): Array<StatsSummary> | undefined => {
    const out = new Array<StatsSummary>(ids.length)
    for (let i = 0; i < ids.length; i++) {
      const c = cache.get(ids[i]!)
      if (c?.summary === undefined) return undefined
      out[i] = c.summary
    }
    for (let i = 0; i < ids.length; i++) {
      const c = cache.get(ids[i]!)!
      if (now - c.at >= options.statsCacheMs) refresh(ids[i]!, c, now)
    }
    return out
  }

  const readMany = (ids: ReadonlyArray<string>, now: number | undefined) =>
    withNow(now, (t) =>
      Effect.suspend(() => {
        const known = conn.ok ? fleetOnly(ids, t) : undefined
        if (known !== undefined) return Effect.succeed(known)
        return Effect.flatMap(local.readMany(ids, t), (locals) =>
          conn.ok ? fleet(ids, t, locals) : Effect.succeed(locals),
        )
      }),
    )

  const shape = {
    record: (id: string, sample: StatsSample, now: number | undefined) =>
      Effect.clockWith((clock) => {
        const t = now ?? clock.currentTimeMillisUnsafe()
        recordShared(id, sample, t)
        return local.record(id, sample, t)
      }),
    read: (id: string, now: number | undefined) => Effect.map(readMany([id], now), (xs) => xs[0]!),
    readMany,
    fleetOnly,
    flush,
    close: () => {
      clearInterval(timer)
      return flush()
    },
  }
  // Books (core) records at once when an attempt ends, over the local window's twin
  const twin = twinOf<StatsTwin>(local)
  if (twin === undefined) return shape
  return withBookkeeping<typeof shape, StatsBookkeeping>(shape, {
    record: (id, sample, t) => {
      recordShared(id, sample, t)
      twin.record(id, sample, t)
    },
  })
}
