import { Cause, Effect, Exit, Layer } from "effect"
import { TestClock } from "effect/testing"
import fc from "fast-check"
import * as hdr from "hdr-histogram-js"
import { describe, expect, it } from "vitest"
import { EndpointWindow, Stats, type StatsOptions } from "../../src/index.js"

const window = (o: Partial<ConstructorParameters<typeof EndpointWindow>[0]> = {}) =>
  new EndpointWindow({ windowMs: 300_000, slices: 5, minSamples: 5, refreshMs: 0, ...o })

describe("stats window", () => {
  it("reports TTFT, latency and throughput percentiles in seconds and tokens/s", () => {
    const w = window()
    for (let i = 1; i <= 100; i++)
      w.record({ outcome: "success", ttftMs: i * 10, latencyMs: i * 10 + 1_000, outputTokens: 100 }, 0)
    const s = w.read(0)
    expect(s.ttft?.p50).toBeCloseTo(0.5, 2)
    expect(s.ttft?.p90).toBeCloseTo(0.9, 2)
    expect(s.ttft?.p99).toBeCloseTo(0.99, 2)
    expect(s.latency?.p50).toBeCloseTo(1.5, 2)
    // 100 tokens over the 1 s after the first token.
    expect(s.throughput?.p50).toBeCloseTo(100, 0)
  })

  it("sums the prompt-cache counts of reported successes over the window (from the minimum sample count on)", () => {
    const w = window()
    const hit = { promptTokens: 1_000, cacheReadTokens: 900, cacheWriteTokens: 50, cacheWrite1hTokens: 20 }
    for (let i = 0; i < 4; i++) w.record({ outcome: "success", ...hit }, 0)
    expect(w.read(0).cache).toEqual({ promptTokens: 0, cacheReadTokens: 0, cacheWriteTokens: 0, cacheWrite1hTokens: 0 })
    // a success without reported usage and a failure count no prompt tokens
    w.record({ outcome: "success" }, 0)
    w.record({ outcome: "failure", promptTokens: 5_000 } as never, 0)
    for (let i = 0; i < 5; i++) w.record({ outcome: "success", promptTokens: 1_000 }, 70_000)
    expect(w.read(70_000).cache).toEqual({
      promptTokens: 9_000,
      cacheReadTokens: 3_600,
      cacheWriteTokens: 200,
      cacheWrite1hTokens: 80,
    })
    // the first slice leaves the window: only the cold successes are left
    expect(w.read(300_000).cache).toEqual({
      promptTokens: 5_000,
      cacheReadTokens: 0,
      cacheWriteTokens: 0,
      cacheWrite1hTokens: 0,
    })
  })

  it("excludes rate-limited requests and client errors from uptime", () => {
    const w = window()
    for (let i = 0; i < 6; i++) w.record({ outcome: "success" }, 0)
    for (let i = 0; i < 2; i++) w.record({ outcome: "failure" }, 1)
    for (let i = 0; i < 20; i++) w.record({ outcome: "rate_limited" }, 2)
    w.record({ outcome: "neutral" }, 3)
    const s = w.read(3)
    expect(s.uptime).toBe(0.75)
    expect([s.successes, s.failures, s.rateLimited, s.lastFailureAt]).toEqual([6, 2, 20, 1])
  })

  it("gives no percentiles or uptime below the minimum sample count", () => {
    const w = window()
    for (let i = 0; i < 4; i++) w.record({ outcome: "success", ttftMs: 100 }, 0)
    expect(w.read(0).ttft).toBeUndefined()
    expect(w.read(0).uptime).toBeUndefined()
    w.record({ outcome: "success", ttftMs: 100 }, 0)
    expect(w.read(0).ttft?.p50).toBeCloseTo(0.1, 3)
  })

  it("forgets samples once they leave the window", () => {
    const w = window({ minSamples: 1 })
    w.record({ outcome: "success", ttftMs: 5_000 }, 0)
    w.record({ outcome: "success", ttftMs: 100 }, 250_000)
    expect(w.read(250_000).ttft?.p99).toBeCloseTo(5, 1)
    // The slice holding t = 0 expires once the ring has moved five slices (60 s each) past it.
    expect(w.read(299_999).ttft?.p99).toBeCloseTo(5, 1)
    expect(w.read(300_000).ttft?.p99).toBeCloseTo(0.1, 3)
    expect(w.read(300_000).successes).toBe(1)
    expect(w.read(600_000).successes).toBe(0)
    expect(w.read(600_000).ttft).toBeUndefined()
  })

  it("keeps bounded state whatever the traffic: old traffic never resurfaces", () => {
    const w = window({ minSamples: 1 })
    for (let t = 0; t < 3_000_000; t += 997)
      w.record({ outcome: t % 2 === 0 ? "success" : "failure", ttftMs: 1 + (t % 5_000) }, t)
    const s = w.read(3_000_000)
    expect(s.successes + s.failures).toBeLessThanOrEqual(Math.ceil(300_000 / 997) + 1)
    expect(s.successes + s.failures).toBeGreaterThanOrEqual(Math.floor(240_000 / 997))
  })

  it("recomputes percentiles at most once per refresh interval", () => {
    const w = window({ minSamples: 1, refreshMs: 1_000 })
    w.record({ outcome: "success", ttftMs: 100 }, 0)
    expect(w.read(0).ttft?.p50).toBeCloseTo(0.1, 3)
    w.record({ outcome: "success", ttftMs: 900 }, 10)
    w.record({ outcome: "success", ttftMs: 900 }, 10)
    expect(w.read(500).ttft?.p50).toBeCloseTo(0.1, 3)
    expect(w.read(1_000).ttft?.p50).toBeCloseTo(0.9, 2)
  })
})

describe("stats window staleness bound", () => {
  it("keeps percentiles until new samples exceed staleShare of the window, with exact counters", () => {
    const w = window({ staleShare: 0.02 })
    for (let i = 0; i < 100; i++) w.record({ outcome: "success", ttftMs: 100 }, 0)
    expect(w.read(0).ttft?.p99).toBeCloseTo(0.1, 3)
    // Two slow samples are 2% of 100: the cached percentiles may still be served…
    w.record({ outcome: "success", ttftMs: 5_000 }, 1)
    w.record({ outcome: "success", ttftMs: 5_000 }, 1)
    const stale = w.read(1)
    expect(stale.ttft?.p99).toBeCloseTo(0.1, 3)
    // …but the counters are not cached.
    expect(stale.successes).toBe(102)
    // A third one exceeds the bound: recomputed (p99 of 103 samples is now a slow one).
    w.record({ outcome: "success", ttftMs: 5_000 }, 2)
    expect(w.read(2).ttft?.p99).toBeCloseTo(5, 1)
  })

  it("recomputes as soon as a slice leaves the window, even without new samples", () => {
    const w = window({ staleShare: 0.5 })
    for (let i = 0; i < 100; i++) w.record({ outcome: "success", ttftMs: 100 }, 0)
    for (let i = 0; i < 60; i++) w.record({ outcome: "success", ttftMs: 3_000 }, 60_000)
    expect(w.read(299_999).ttft?.p50).toBeCloseTo(0.1, 3)
    // The slice holding t = 0 expires at 300 s: only the 3 s samples remain.
    expect(w.read(300_000).ttft?.p50).toBeCloseTo(3, 1)
  })

  it("reports percentiles within staleShare (in rank) of the current window's, defined iff enough samples", () => {
    const SLICE = 20_000
    const SHARE = 0.05
    const MIN = 5
    const op = fc.oneof(
      fc.record({
        read: fc.constant(false),
        dt: fc.integer({ min: 0, max: 3_000 }),
        ttft: fc.integer({ min: 1, max: 100_000 }),
      }),
      fc.record({ read: fc.constant(true), dt: fc.integer({ min: 0, max: 30_000 }), ttft: fc.constant(0) }),
    )
    fc.assert(
      fc.property(fc.array(op, { maxLength: 300 }), (ops) => {
        const w = window({ windowMs: 5 * SLICE, slices: 5, minSamples: MIN, staleShare: SHARE })
        const samples: Array<{ readonly epoch: number; readonly ttft: number }> = []
        let now = 0
        for (const o of ops) {
          now += o.dt
          if (!o.read) {
            w.record({ outcome: "success", ttftMs: o.ttft }, now)
            samples.push({ epoch: Math.floor(now / SLICE), ttft: o.ttft })
            continue
          }
          const epoch = Math.floor(now / SLICE)
          const live = samples.filter((s) => s.epoch > epoch - 5)
          const exact = new hdr.Int32Histogram(1, 3_600_000, 2)
          for (const s of live) exact.recordValue(s.ttft)
          const got = w.read(now)
          expect(got.successes).toBe(live.length)
          if (live.length < MIN) {
            expect(got.ttft).toBeUndefined()
            continue
          }
          expect(got.ttft).toBeDefined()
          for (const [q, v] of [
            [50, got.ttft!.p50],
            [75, got.ttft!.p75],
            [90, got.ttft!.p90],
            [99, got.ttft!.p99],
          ] as const) {
            const ms = Math.round(v * 1000)
            expect(ms).toBeGreaterThanOrEqual(exact.getValueAtPercentile(q - 100 * SHARE))
            expect(ms).toBeLessThanOrEqual(exact.getValueAtPercentile(Math.min(100, q + 100 * SHARE)))
          }
        }
      }),
      { numRuns: 200 },
    )
  })
})

describe("stats window percentiles", () => {
  it("with staleShare 0, are exactly those of the samples in the window, across slice expiries", () => {
    const SLICE = 20_000
    const op = fc.record({
      read: fc.boolean(),
      dt: fc.integer({ min: 0, max: 25_000 }),
      ms: fc.oneof(fc.integer({ min: 1, max: 3_600_000 }), fc.integer({ min: 1, max: 5_000 })),
    })
    fc.assert(
      fc.property(fc.array(op, { maxLength: 200 }), (ops) => {
        const w = window({ windowMs: 5 * SLICE, slices: 5, minSamples: 1, staleShare: 0 })
        const samples: Array<{ readonly epoch: number; readonly ms: number }> = []
        let now = 0
        for (const o of ops) {
          now += o.dt
          if (!o.read) {
            w.record({ outcome: "success", ttftMs: o.ms, latencyMs: o.ms + 1 }, now)
            samples.push({ epoch: Math.floor(now / SLICE), ms: o.ms })
            continue
          }
          const epoch = Math.floor(now / SLICE)
          const exact = new hdr.Int32Histogram(1, 3_600_000, 2)
          for (const s of samples) if (s.epoch > epoch - 5) exact.recordValue(s.ms)
          const got = w.read(now)
          if (exact.totalCount === 0) {
            expect(got.ttft).toBeUndefined()
            continue
          }
          expect(got.ttft).toEqual({
            p50: exact.getValueAtPercentile(50) * (1 / 1000),
            p75: exact.getValueAtPercentile(75) * (1 / 1000),
            p90: exact.getValueAtPercentile(90) * (1 / 1000),
            p99: exact.getValueAtPercentile(99) * (1 / 1000),
          })
        }
      }),
      { numRuns: 200 },
    )
  })
})

describe("Stats service", () => {
  const run = <A>(o: StatsOptions, eff: Effect.Effect<A, never, Stats | TestClock.TestClock>) =>
    Effect.runPromiseExit(eff.pipe(Effect.provide(Layer.mergeAll(Stats.layerWith(o), TestClock.layer())))).then(
      (exit) => {
        if (Exit.isSuccess(exit)) return exit.value
        throw new Error(Cause.pretty(exit.cause))
      },
    )

  it("keys windows by endpoint id and reads time from the Clock", async () => {
    const out = await run(
      { windowMs: 10_000, minSamples: 1, refreshMs: 0 },
      Effect.gen(function* () {
        const stats = yield* Stats
        yield* stats.record("x", { outcome: "failure" })
        yield* TestClock.adjust(5_000)
        yield* stats.record("y", { outcome: "success", ttftMs: 40 })
        const x = yield* stats.read("x")
        const y = yield* stats.read("y")
        yield* TestClock.adjust(10_000)
        return { x, y, xLater: yield* stats.read("x"), unknown: yield* stats.read("z") }
      }),
    )
    expect([out.x.failures, out.x.lastFailureAt, out.x.uptime]).toEqual([1, 0, 0])
    expect(out.y.ttft?.p50).toBeCloseTo(0.04, 3)
    expect(out.xLater.failures).toBe(0)
    expect(out.unknown.uptime).toBeUndefined()
  })

  it("reads many endpoints at one instant, and runs at a `now` the caller read from the Clock", async () => {
    const out = await run(
      { windowMs: 10_000, minSamples: 1, refreshMs: 0 },
      Effect.gen(function* () {
        const stats = yield* Stats
        yield* stats.record("x", { outcome: "failure" }, 4_000)
        yield* stats.record("y", { outcome: "success", ttftMs: 40 })
        const many = yield* stats.readMany(["x", "y", "z"])
        const each = [yield* stats.read("x"), yield* stats.read("y"), yield* stats.read("z")]
        // The window is 10 s: at 13 s the failure recorded at 4 s is still in it, at 20 s it has left.
        return { many, each, at13: yield* stats.readMany(["x"], 13_000), at20: yield* stats.read("x", 20_000) }
      }),
    )
    expect(out.many).toEqual(out.each)
    expect(out.many[0]!.lastFailureAt).toBe(4_000)
    expect(out.many[1]!.ttft?.p50).toBeCloseTo(0.04, 3)
    expect(out.many[2]!.successes).toBe(0)
    expect(out.at13[0]!.failures).toBe(1)
    expect(out.at20.failures).toBe(0)
  })
})
