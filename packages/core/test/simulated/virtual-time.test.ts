import { Clock, Duration, Effect, Exit, Fiber, Option, Random } from "effect"
import { TestClock } from "effect/testing"
import fc from "fast-check"
import { describe, expect, it } from "vitest"
import { sleepMillis } from "../../src/simulated/timer.js"
import { makeSimulatedUpstream } from "../../src/simulated/upstream.js"
import { forkVirtual, makeVirtualTime, runVirtual } from "../../src/simulated/virtual-time.js"
import { body, endpointOf, runTest } from "./support.js"

describe("virtual time", () => {
  it("wakes sleepers in time order (ties in registration order) without real waiting", () => {
    const log: Array<string> = []
    const sleeper = (name: string, ms: number) =>
      Effect.sleep(ms).pipe(
        Effect.andThen(Clock.currentTimeMillis),
        Effect.flatMap((t) => Effect.sync(() => log.push(`${name}@${t}`))),
      )
    const exit = runVirtual(
      Effect.all([sleeper("c", 3_600_000), sleeper("a", 10), sleeper("b", 10), sleeper("d", 5)], {
        concurrency: "unbounded",
      }),
    )
    expect(exit && Exit.isSuccess(exit)).toBe(true)
    expect(log).toEqual(["d@5", "a@10", "b@10", "c@3600000"])
  })

  it("stops at the requested time and resumes from there", () => {
    const vt = makeVirtualTime(1_000)
    const fiber = forkVirtual(vt, Effect.sleep(500).pipe(Effect.andThen(Clock.currentTimeMillis)))
    vt.runUntil(1_499)
    expect(vt.now()).toBe(1_499)
    expect(fiber.pollUnsafe()).toBeUndefined()
    vt.runUntil(2_000)
    expect(fiber.pollUnsafe()).toEqual(Exit.succeed(1_500))
    expect(vt.now()).toBe(2_000)
  })

  it("cancels the timer of an interrupted sleep, and timeouts fire in virtual time", () => {
    const vt = makeVirtualTime()
    const timedOut = forkVirtual(
      vt,
      Effect.sleep(10_000).pipe(
        Effect.timeoutOption(250),
        Effect.map(Option.isNone),
        Effect.zip(Clock.currentTimeMillis),
      ),
    )
    vt.runUntil(300)
    expect(timedOut.pollUnsafe()).toEqual(Exit.succeed([true, 250]))
    expect(vt.pending()).toBe(0)
  })

  it("calls scheduled callbacks at their time, interleaved with fibers", () => {
    const vt = makeVirtualTime()
    const seen: Array<number> = []
    vt.schedule(20, () => seen.push(vt.now()))
    forkVirtual(vt, Effect.sleep(10).pipe(Effect.andThen(Effect.sync(() => seen.push(-vt.now())))))
    vt.runAll()
    expect(seen).toEqual([-10, 20])
  })

  it("fires the timers left after many cancellations in (time, registration) order", () => {
    // Most timers are cancelled in a few batches, so cancelled timers outnumber live ones and the
    // heap is compacted while timers are firing.
    const timer = fc.record({
      at: fc.integer({ min: 0, max: 1_000 }),
      cancelAt: fc.option(fc.constantFrom(0, 100, 300, 600), { freq: 4 }),
    })
    fc.assert(
      fc.property(fc.array(timer, { minLength: 2_000, maxLength: 5_000 }), (timers) => {
        const vt = makeVirtualTime()
        const fired: Array<number> = []
        const cancels = timers.map((t, k) => vt.schedule(t.at, () => fired.push(k)))
        for (const batch of [0, 100, 300, 600])
          vt.schedule(batch, () => {
            for (const [k, t] of timers.entries()) if (t.cancelAt === batch) cancels[k]!()
          })
        vt.runAll()
        // A timer fires unless its cancellation ran first; at the same instant the timer, registered first, wins.
        const expected = timers
          .map((t, k) => ({ ...t, k }))
          .filter((t) => t.cancelAt === null || t.cancelAt >= t.at)
          .sort((a, b) => a.at - b.at || a.k - b.k)
          .map((t) => t.k)
        expect(fired).toEqual(expected)
        expect(vt.pending()).toBe(0)
      }),
      // Counterexamples are thousands of timers long: report the first one rather than shrink it.
      { numRuns: 20, endOnFailure: true },
    )
  })

  it("fires inOrder timers as schedule's would: merged in (time, registration) order, cancellable", () => {
    // Each timer goes through `schedule` or one of two `inOrder` schedulers; mostly increasing times (a lane's
    // queue), some earlier than the lane's last (they go with the rest), many cancelled before or after firing.
    const timer = fc.record({
      at: fc.integer({ min: 0, max: 1_000 }),
      via: fc.constantFrom("schedule", "lane a", "lane b"),
      cancelAt: fc.option(fc.constantFrom(0, 100, 300, 600), { freq: 3 }),
    })
    fc.assert(
      fc.property(fc.array(timer, { minLength: 1, maxLength: 2_000 }), fc.boolean(), (raw, sorted) => {
        const timers = sorted ? [...raw].sort((a, b) => a.at - b.at) : raw
        const vt = makeVirtualTime()
        const lanes = { "lane a": vt.inOrder(), "lane b": vt.inOrder() }
        const fired: Array<number> = []
        const cancels = timers.map((t, k) =>
          (t.via === "schedule" ? vt.schedule : lanes[t.via])(t.at, () => fired.push(k)),
        )
        for (const batch of [0, 100, 300, 600])
          vt.schedule(batch, () => {
            for (const [k, t] of timers.entries()) if (t.cancelAt === batch) cancels[k]!()
          })
        expect(vt.pending()).toBe(timers.length + 4)
        vt.runAll()
        const expected = timers
          .map((t, k) => ({ ...t, k }))
          .filter((t) => t.cancelAt === null || t.cancelAt >= t.at)
          .sort((a, b) => a.at - b.at || a.k - b.k)
          .map((t) => t.k)
        expect(fired).toEqual(expected)
        expect(vt.pending()).toBe(0)
      }),
      { numRuns: 50, endOnFailure: true },
    )
  })

  it("runs the simulated upstream exactly as TestClock does", async () => {
    const ep = endpointOf({ pool: "provisioned" })
    const program = Effect.gen(function* () {
      const up = yield* makeSimulatedUpstream("sim", {
        latency: { type: "lognormal", median: 300, p90: 800 },
        throughput: { type: "uniform", min: 20, max: 90 },
        errorRate: 0.05,
        capacity: { tokensPerMinute: 200_000 },
      })
      const fibers = []
      for (let i = 0; i < 300; i++) {
        fibers.push(
          yield* Effect.forkChild(
            Effect.sleep(i * 37).pipe(
              Effect.andThen(
                Effect.result(up.client.chat({ body: body(2_000, 200, { max_tokens: 400 }), endpoint: ep })),
              ),
              Effect.zip(Clock.currentTimeMillis),
            ),
          ),
        )
      }
      return fibers
    }).pipe(Random.withSeed("same"))
    const summarize = (rs: ReadonlyArray<readonly [{ _tag: string }, number]>) => rs.map(([r, t]) => `${r._tag}@${t}`)

    const underTestClock = await runTest(
      Effect.gen(function* () {
        const fibers = yield* program
        yield* TestClock.adjust(3_600_000)
        return summarize(yield* Fiber.joinAll(fibers))
      }),
    )
    const virtual = runVirtual(Effect.flatMap(program, (fibers) => Fiber.joinAll(fibers)).pipe(Effect.map(summarize)))
    expect(virtual && Exit.isSuccess(virtual) && virtual.value).toEqual(underTestClock)
    expect(underTestClock.filter((s) => s.startsWith("Failure")).length).toBeGreaterThan(0)
  })
})

describe("sleepMillis", () => {
  it("is the wait Effect.sleep(ms) takes (Duration.toMillis of Duration.millis), without a Duration", () => {
    const ms = fc.oneof(
      fc.double({ min: 1e-9, max: 1e7, noNaN: true }),
      fc.integer({ min: 1, max: 1e9 }),
      fc.constantFrom(0.0000005, 0.0000015, 2.5e-7, 1234.5678905, Number.POSITIVE_INFINITY, Number.NaN),
    )
    fc.assert(
      fc.property(ms, (x) => {
        expect(sleepMillis(x)).toBe(Duration.toMillis(Duration.millis(x)))
      }),
      { numRuns: 2_000 },
    )
  })
})
