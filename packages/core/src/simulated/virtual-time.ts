import * as Clock from "effect/Clock"
import * as Context from "effect/Context"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import type * as Exit from "effect/Exit"
import type * as Fiber from "effect/Fiber"
import * as Scheduler from "effect/Scheduler"
import type { CallbackClock } from "./timer.js"
import { Timer, TimerQueue } from "./timer-queue.js"

/**
 * Discrete-event virtual time for Effect programs: a `Clock` whose `sleep` registers a timer in
 * a heap, and a `Scheduler` whose tasks run synchronously in a queue. `runUntil(t)` runs every
 * ready task, then fires the earliest timer (moving time to it), and so on up to `t` — no real
 * waiting, no event-loop hops, so a simulated day runs in seconds. Deterministic: timers due at
 * the same instant fire in the order they were set; tasks run in the order they were scheduled.
 *
 * Provide both to the root fiber (`Effect.runForkWith(ctx)` with `Clock.Clock` and
 * `Scheduler.Scheduler` set): forked fibers inherit them.
 */
export interface VirtualTime {
  /** The virtual clock; it also calls back at an instant without a fiber (`callAt`, same as `schedule`). */
  readonly clock: CallbackClock
  readonly scheduler: Scheduler.Scheduler
  /** Current virtual time, epoch ms (starts at `start`). */
  readonly now: () => number
  /** Call `f` (outside any fiber) when virtual time reaches `at`; the returned function cancels it. */
  readonly schedule: (at: number, f: () => void) => () => void
  /** Run tasks and timers in time order until the next timer is later than `until` (time ends at `until`). */
  readonly runUntil: (until: number) => void
  /** Run until no task or timer is left (never returns if something sleeps in a loop forever). */
  readonly runAll: () => void
  /**
   * A `schedule` for timers mostly set in time order (arrivals, deadlines one fixed delay away): those set no
   * earlier than the last are kept in a queue of their own, each added and cancelled in O(1); any other goes
   * with the rest. They fire as `schedule`'s would, in the same order.
   */
  readonly inOrder: () => (at: number, f: () => void) => () => void
  /** Timers not yet fired (cancelled ones excluded). */
  readonly pending: () => number
}

export const makeVirtualTime = (start = 0): VirtualTime => {
  let now = start
  let seq = 0
  const timers = new TimerQueue()
  let tasks: Array<() => void> = []
  let head = 0

  const schedule = (at: number, f: () => void): Timer => {
    const t = new Timer(Math.max(at, now), seq++, f)
    timers.add(t)
    return t
  }

  const inOrder = (): ((at: number, f: () => void) => () => void) => {
    const lane = timers.lane()
    return (at, f) => {
      const t = new Timer(Math.max(at, now), seq++, f)
      if (lane.fits(t)) lane.push(t)
      else timers.add(t)
      return () => timers.remove(t)
    }
  }

  const drainTasks = (): void => {
    while (head < tasks.length) {
      const task = tasks[head]!
      tasks[head++] = noop
      task()
      if (head > 4096 && head === tasks.length) {
        tasks = []
        head = 0
      }
    }
    tasks = []
    head = 0
  }

  const runUntil = (until: number): void => {
    drainTasks()
    for (let t = timers.peek(); t !== undefined && t.at <= until; t = timers.peek()) {
      const fn = t.fn
      timers.remove(t)
      now = t.at
      fn()
      drainTasks()
    }
    if (until > now && Number.isFinite(until)) now = until
  }

  const sleep = (duration: Duration.Duration): Effect.Effect<void> =>
    Effect.callback<void>((resume) => {
      const t = schedule(now + Duration.toMillis(duration), () => resume(Effect.void))
      return Effect.sync(() => timers.remove(t))
    })

  const nanos = (): bigint => BigInt(Math.round(now * 1_000_000))
  const cancellable = (at: number, f: () => void): (() => void) => {
    const t = schedule(at, f)
    return () => timers.remove(t)
  }
  const clock: CallbackClock = {
    currentTimeMillisUnsafe: () => now,
    currentTimeMillis: Effect.sync(() => now),
    currentTimeNanosUnsafe: nanos,
    currentTimeNanos: Effect.sync(nanos),
    monotonicTimeNanosUnsafe: nanos,
    monotonicTimeNanos: Effect.sync(nanos),
    sleep,
    callAt: cancellable,
  }

  const dispatcher: Scheduler.SchedulerDispatcher = {
    scheduleTask: (task) => {
      tasks.push(task)
    },
    flush: drainTasks,
  }
  const scheduler: Scheduler.Scheduler = {
    executionMode: "async",
    shouldYield: (fiber: Fiber.Fiber<unknown, unknown>) => fiber.currentOpCount >= fiber.cache.maxOpsBeforeYield,
    makeDispatcher: () => dispatcher,
  }

  return {
    clock,
    scheduler,
    now: () => now,
    schedule: cancellable,
    inOrder,
    runUntil,
    runAll: () => runUntil(Number.POSITIVE_INFINITY),
    pending: () => timers.size,
  }
}

const noop = (): void => {}

const contexts = new WeakMap<VirtualTime, Context.Context<never>>()

/** The services a root fiber needs to live in `vt`'s time (built once per `vt`). */
export const virtualContext = (vt: VirtualTime): Context.Context<never> => {
  let ctx = contexts.get(vt)
  if (ctx === undefined) {
    ctx = Context.make(Clock.Clock, vt.clock).pipe(
      Context.add(Scheduler.Scheduler, vt.scheduler),
    ) as Context.Context<never>
    contexts.set(vt, ctx)
  }
  return ctx
}

/** Start `eff` as a root fiber in virtual time (it runs as `vt.runUntil` / `runAll` is called). */
export const forkVirtual = <A, E>(vt: VirtualTime, eff: Effect.Effect<A, E>): Fiber.Fiber<A, E> =>
  Effect.runForkWith(virtualContext(vt))(eff)

/** Run `eff` to completion in fresh virtual time starting at `start`; `undefined` if it never ends. */
export const runVirtual = <A, E>(eff: Effect.Effect<A, E>, start = 0): Exit.Exit<A, E> | undefined => {
  const vt = makeVirtualTime(start)
  const fiber = forkVirtual(vt, eff)
  vt.runAll()
  return fiber.pollUnsafe()
}
