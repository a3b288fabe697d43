import type * as Clock from "effect/Clock"
import type * as Context from "effect/Context"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"

/** Calls `f` once `ms` have passed on a Clock (now, synchronously, when `ms` ≤ 0); the returned function cancels it. */
export type After = (ms: number, f: () => void) => () => void

/**
 * A Clock that calls back at an instant by itself, without a fiber (the virtual clock of
 * `makeVirtualTime`): code that waits on callbacks rather than in a fiber (a simulated stream's chunks)
 * then costs one timer per wait.
 */
export interface CallbackClock extends Clock.Clock {
  /** Call `f` when the clock reaches `at` (epoch ms); the returned function cancels it. */
  readonly callAt: (at: number, f: () => void) => () => void
}

export const isCallbackClock = (clock: Clock.Clock): clock is CallbackClock => "callAt" in clock

const NOTHING = (): void => {}

/**
 * `ms` as `Effect.sleep(ms)` takes it: a `Duration` keeps whole milliseconds as they are and anything
 * else as whole nanoseconds (rounded half away from zero), so `Duration.toMillis(Duration.millis(ms))`,
 * computed without the Duration (`ms` > 0).
 */
export const sleepMillis = (ms: number): number =>
  Number.isNaN(ms) ? 0 : Number.isInteger(ms) || !Number.isFinite(ms) ? ms : Math.round(ms * 1_000_000) / 1_000_000

/** Timers on a `CallbackClock`: its own callbacks, each wait as `Effect.sleep(ms)` would take it. */
export const callbacksOf =
  (clock: CallbackClock): After =>
  (ms, f) => {
    if (ms <= 0) {
      f()
      return NOTHING
    }
    // the wait as `Effect.sleep(ms)` takes it (a Duration: whole nanoseconds), so a run keeps its timings
    return clock.callAt(clock.currentTimeMillisUnsafe() + sleepMillis(ms), f)
  }

/**
 * Timers on `clock`: its own callbacks when it is a `CallbackClock`, else one fiber per wait sleeping on it
 * (a `TestClock`, the real clock), forked with `context` (the caller's, which holds `clock`).
 */
export const afterOn = (clock: Clock.Clock, context: Context.Context<never>): After => {
  if (isCallbackClock(clock)) return callbacksOf(clock)
  return (ms, f) => {
    if (ms <= 0) {
      f()
      return NOTHING
    }
    const fiber = Effect.runForkWith(context)(clock.sleep(Duration.millis(ms)))
    fiber.addObserver((exit) => {
      if (Exit.isSuccess(exit)) f()
    })
    return () => fiber.interruptUnsafe()
  }
}
