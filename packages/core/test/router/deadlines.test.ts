import { Clock, Effect, Fiber, Layer } from "effect"
import { TestClock } from "effect/testing"
import { describe, expect, it } from "vitest"
import { type CallDeadline, UpstreamTimeout } from "../../src/index.js"
import { type Deadlines, makeDeadlines } from "../../src/router/deadlines.js"
import { runVirtual } from "../../src/simulated/virtual-time.js"

const timeout = (label: string) => () =>
  new UpstreamTimeout({ provider: label, status: 0, message: `${label} timed out`, phase: "attempt" })

/** Run with a Deadlines of its own (scoped) and, unless `live`, a TestClock. */
const run = <A, E>(program: (d: Deadlines) => Effect.Effect<A, E>, live = false): Promise<A> =>
  Effect.runPromise(
    Effect.scoped(Effect.flatMap(Effect.scope, (scope) => program(makeDeadlines(scope)))).pipe(
      Effect.provide(live ? Layer.empty : TestClock.layer()),
    ),
  )

/** When the call ended (TestClock ms) and how. */
const timed = <A, E>(eff: Effect.Effect<A, E>) =>
  Effect.flatMap(Effect.result(eff), (result) => Effect.map(Clock.currentTimeMillis, (at) => ({ at, result })))

describe("Deadlines.within", () => {
  it("fails a call still running at its limit, exactly then, and interrupts it", async () => {
    const out = await run((d) =>
      Effect.gen(function* () {
        let interruptedAt: number | undefined
        const call = Effect.never.pipe(
          Effect.onInterrupt(() =>
            Effect.map(Clock.currentTimeMillis, (now) => {
              interruptedAt = now
            }),
          ),
        )
        const caller = yield* Effect.forkChild(timed(d.within(call, 500, timeout("a"))))
        yield* TestClock.adjust(499)
        const early = caller.pollUnsafe()
        yield* TestClock.adjust(1)
        const { at, result } = yield* Fiber.join(caller)
        return { early, at, result, interruptedAt }
      }),
    )
    expect(out.early).toBeUndefined()
    expect(out.at).toBe(500)
    expect(out.interruptedAt).toBe(500)
    expect(out.result._tag === "Failure" ? out.result.failure : undefined).toMatchObject({
      _tag: "UpstreamTimeout",
      provider: "a",
    })
  })

  it("returns what a call produces before its limit, and nothing fires later", async () => {
    const out = await run((d) =>
      Effect.gen(function* () {
        let interrupted = false
        const call = Effect.as(Effect.sleep(100), 42).pipe(
          Effect.onInterrupt(() => Effect.sync(() => (interrupted = true))),
        )
        const caller = yield* Effect.forkChild(timed(d.within(call, 500, timeout("a"))))
        yield* TestClock.adjust(2_000)
        return { ...(yield* Fiber.join(caller)), interrupted }
      }),
    )
    expect(out.at).toBe(100)
    expect(out.result).toMatchObject({ _tag: "Success", success: 42 })
    expect(out.interrupted).toBe(false)
  })

  it("times out overlapping calls each at its own limit, a later call with an earlier deadline included", async () => {
    const out = await run((d) =>
      Effect.gen(function* () {
        const long = yield* Effect.forkChild(timed(d.within(Effect.never, 1_000, timeout("long"))))
        yield* TestClock.adjust(100)
        const short = yield* Effect.forkChild(timed(d.within(Effect.never, 200, timeout("short"))))
        const done = yield* Effect.forkChild(timed(d.within(Effect.as(Effect.sleep(50), "ok"), 700, timeout("done"))))
        yield* TestClock.adjust(5_000)
        return {
          long: (yield* Fiber.join(long)).at,
          short: (yield* Fiber.join(short)).at,
          done: yield* Fiber.join(done),
        }
      }),
    )
    expect(out.short).toBe(300)
    expect(out.long).toBe(1_000)
    expect(out.done).toMatchObject({ at: 150, result: { _tag: "Success", success: "ok" } })
  })

  it("fires a deadline the clock cannot sleep to exactly (sub-nanosecond gap in fractional virtual time)", () => {
    // 80193.73229839481 + 1.9e-8: a gap Duration rounds to 0 ns, so the sleep wakes with the clock unmoved
    const start = 80193.73229839481
    const exit = runVirtual(
      Effect.scoped(
        Effect.flatMap(Effect.scope, (scope) =>
          timed(makeDeadlines(scope).within(Effect.never, 1.9e-8, timeout("tiny"))),
        ),
      ),
      start,
    )
    expect(exit?._tag).toBe("Success")
    const out = exit?._tag === "Success" ? exit.value : undefined
    expect(out?.result._tag === "Failure" ? out.result.failure : undefined).toMatchObject({ provider: "tiny" })
  })

  it("interrupting the caller interrupts the call", async () => {
    const out = await run((d) =>
      Effect.gen(function* () {
        let interrupted = false
        const call = Effect.never.pipe(Effect.onInterrupt(() => Effect.sync(() => (interrupted = true))))
        const caller = yield* Effect.forkChild(d.within(call, 500, timeout("a")))
        yield* TestClock.adjust(10)
        yield* Fiber.interrupt(caller)
        return interrupted
      }),
    )
    expect(out).toBe(true)
  })

  it("leaves no timer behind once no call is pending (a process can exit)", async () => {
    const timers = () => process.getActiveResourcesInfo().filter((r) => r === "Timeout").length
    const before = timers()
    const during = await run(
      (d) =>
        Effect.gen(function* () {
          const caller = yield* Effect.forkChild(d.within(Effect.as(Effect.sleep(20), 1), 60_000, timeout("a")))
          yield* Effect.sleep(5)
          const pending = timers()
          yield* Fiber.join(caller)
          return pending
        }),
      true,
    )
    // process-wide counts: a timer left by another test file in this worker may expire meanwhile
    const after = timers()
    expect(during).toBeGreaterThan(after)
    expect(after).toBeLessThanOrEqual(before)
  })
})

describe("Deadlines.handing", () => {
  /** A call that enforces its deadline itself, as the HTTP transport does. */
  const cooperative =
    (workMs: number) =>
    (deadline: CallDeadline): Effect.Effect<string, UpstreamTimeout> =>
      Effect.callback<string, UpstreamTimeout>((resume) => {
        let done = false
        const disarm = deadline.arm(() => {
          done = true
          resume(Effect.fail(deadline.error() as UpstreamTimeout))
        })
        return Effect.sync(() => {
          if (!done) disarm()
        })
      }).pipe(
        // the work: a sleep that completes the call unless the deadline fired first
        (expiring) => Effect.raceFirst(expiring, Effect.as(Effect.sleep(workMs), "answer")),
      )

  it("hands the call its deadline: it fails with the deadline's error at the limit, without a fiber of its own", async () => {
    const out = await run((d) =>
      Effect.gen(function* () {
        const slow = yield* Effect.forkChild(timed(d.handing(cooperative(1_000), 300, timeout("slow"))))
        const quick = yield* Effect.forkChild(timed(d.handing(cooperative(100), 300, timeout("quick"))))
        yield* TestClock.adjust(5_000)
        return { slow: yield* Fiber.join(slow), quick: yield* Fiber.join(quick) }
      }),
    )
    expect(out.slow.at).toBe(300)
    expect(out.slow.result._tag === "Failure" ? out.slow.result.failure : undefined).toMatchObject({
      _tag: "UpstreamTimeout",
      provider: "slow",
    })
    expect(out.quick).toMatchObject({ at: 100, result: { _tag: "Success", success: "answer" } })
  })

  it("fires at once for a call that arms after its deadline passed", async () => {
    const out = await run((d) =>
      Effect.gen(function* () {
        const late = (deadline: CallDeadline) =>
          Effect.andThen(Effect.sleep(600), () =>
            Effect.callback<string, UpstreamTimeout>((resume) => {
              deadline.arm(() => resume(Effect.fail(deadline.error() as UpstreamTimeout)))
            }),
          )
        const caller = yield* Effect.forkChild(timed(d.handing(late, 500, timeout("late"))))
        yield* TestClock.adjust(1_000)
        return yield* Fiber.join(caller)
      }),
    )
    expect(out.at).toBe(600)
    expect(out.result._tag === "Failure" ? out.result.failure : undefined).toMatchObject({ provider: "late" })
  })
})

describe("Deadlines.until", () => {
  it("fails callback work still running at its limit, exactly then; a result reported afterwards is ignored", async () => {
    const out = await run((d) =>
      Effect.gen(function* () {
        let report: ((result: Effect.Effect<string>) => void) | undefined
        let over: (() => boolean) | undefined
        const caller = yield* Effect.forkChild(
          timed(
            d.until(500, timeout("head"), (done, isOver) => {
              report = done
              over = isOver
            }),
          ),
        )
        yield* TestClock.adjust(499)
        const early = caller.pollUnsafe()
        const overBefore = over?.()
        yield* TestClock.adjust(1)
        const ended = yield* Fiber.join(caller)
        report?.(Effect.succeed("late"))
        return { early, overBefore, overAfter: over?.(), ...ended }
      }),
    )
    expect(out.early).toBeUndefined()
    expect(out.overBefore).toBe(false)
    expect(out.overAfter).toBe(true)
    expect(out.at).toBe(500)
    expect(out.result._tag === "Failure" ? out.result.failure : undefined).toMatchObject({
      _tag: "UpstreamTimeout",
      provider: "head",
    })
  })

  it("returns what the work reports before its limit (at once too), and nothing fires later", async () => {
    const out = await run((d) =>
      Effect.gen(function* () {
        let report: ((result: Effect.Effect<string>) => void) | undefined
        const caller = yield* Effect.forkChild(
          timed(
            d.until(500, timeout("head"), (done) => {
              report = done
            }),
          ),
        )
        yield* TestClock.adjust(100)
        report?.(Effect.succeed("first token"))
        yield* TestClock.adjust(2_000)
        const now = yield* timed(d.until(3_000, timeout("now"), (done) => done(Effect.succeed("at once"))))
        return { later: yield* Fiber.join(caller), now }
      }),
    )
    expect(out.later).toMatchObject({ at: 100, result: { _tag: "Success", success: "first token" } })
    expect(out.now).toMatchObject({ at: 2_100, result: { _tag: "Success", success: "at once" } })
  })

  it("interrupting the caller releases the deadline: nothing fires, a late report is ignored", async () => {
    const out = await run((d) =>
      Effect.gen(function* () {
        let fired = false
        let report: ((result: Effect.Effect<string>) => void) | undefined
        const caller = yield* Effect.forkChild(
          d.until(
            500,
            () => {
              fired = true
              return timeout("head")()
            },
            (done) => {
              report = done
            },
          ),
        )
        yield* TestClock.adjust(100)
        yield* Fiber.interrupt(caller)
        yield* TestClock.adjust(1_000)
        report?.(Effect.succeed("late"))
        return { fired, exit: caller.pollUnsafe() }
      }),
    )
    expect(out.fired).toBe(false)
    expect(out.exit?._tag).toBe("Failure")
  })
})
