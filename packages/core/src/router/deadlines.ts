import * as Clock from "effect/Clock"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Fiber from "effect/Fiber"
import * as Result from "effect/Result"
import type * as Scope from "effect/Scope"
import { type HeapEntry, IndexedHeap } from "../indexed-heap.js"
import type { CallDeadline } from "../provider/contract.js"
import type { ProviderError } from "../provider/errors.js"
import { type CallbackClock, isCallbackClock, sleepMillis } from "../simulated/timer.js"

/** One pending deadline: epoch ms (Clock time) and what to do when it passes. */
interface DeadlineEntry extends HeapEntry {
  readonly at: number
  readonly fire: () => void
}

const earlier = (a: DeadlineEntry, b: DeadlineEntry): boolean => a.at < b.at

/**
 * Time limits for upstream calls without a timer per call. Racing every call against its own
 * `Clock.sleep` (what `Effect.timeout` does) costs two fibers, a timer and an interruption per attempt;
 * here each call runs in one child fiber and registers its deadline in a heap, and one fiber per
 * Clock sleeps until the earliest deadline, interrupting the calls whose time is up. Time comes from
 * the caller's `Clock` (a `TestClock` in tests); the sleeping fiber runs in the router's scope and
 * stops while no call is pending.
 */
export interface Deadlines {
  /**
   * `effect`, or the failure `onTimeout()` if it has not finished `timeoutMs` after now. The effect runs
   * in a child fiber, interrupted (and awaited) at the deadline or when the caller is interrupted.
   */
  readonly within: <A, E, E2>(
    effect: Effect.Effect<A, E>,
    timeoutMs: number,
    onTimeout: () => E2,
  ) => Effect.Effect<A, E | E2>
  /**
   * `within` for work that runs on callbacks (`ProviderClient.streamOn`): `start(done)` begins it, reports
   * its result once through `done` and returns its cancel. The same deadline entry as `within`'s while it is
   * under way (none when it reports at once); at the limit it is cancelled and fails with `onTimeout()`,
   * and cancelled when the caller is interrupted. No fiber is forked.
   */
  readonly withinOn: <A, E, E2>(
    timeoutMs: number,
    onTimeout: () => E2,
    start: (done: (result: Result.Result<A, E>) => void) => () => void,
  ) => Effect.Effect<A, E | E2>
  /**
   * The same limit for a call that enforces it itself (`ProviderClient.enforcesDeadline`): `call`
   * receives the `CallDeadline` to arm; no fiber is forked.
   */
  readonly handing: <A, E>(
    call: (deadline: CallDeadline) => Effect.Effect<A, E>,
    timeoutMs: number,
    onTimeout: () => ProviderError,
  ) => Effect.Effect<A, E>
  /**
   * `handing`'s limit for a call that runs on the callbacks of a `CallbackClock` (`ProviderClient.chatOn`): the
   * `CallDeadline` to hand it, held from now until its `release()` (call it when the call ends or is cancelled).
   */
  readonly handOn: (clock: CallbackClock, timeoutMs: number, onTimeout: () => ProviderError) => HeldDeadline
  /**
   * A deadline `timeoutMs` from now for work that runs on callbacks rather than in a fiber (a committed
   * stream's body): `onExpire` is called (synchronously, by the deadline ticker) when it passes, unless
   * the returned release (idempotent) was called first.
   */
  readonly register: (timeoutMs: number, onExpire: () => void) => Effect.Effect<() => void>
  /**
   * The same limit as `within` for work that waits on callbacks rather than in a fiber, up to the Clock
   * instant `at` (a limit that an earlier phase of the same call started): `start(done, over)` begins it
   * and reports its result once through `done`; the result is that, or the failure `onTimeout()` at `at`.
   * No fiber is forked; once `over()` (the limit passed, or the caller was interrupted) the work should
   * stop — a result reported then is ignored. Work that reports at once needs no deadline.
   */
  readonly until: <A, E, E2>(
    at: number,
    onTimeout: () => E2,
    start: (done: (result: Effect.Effect<A, E>) => void, over: () => boolean) => void,
  ) => Effect.Effect<A, E | E2>
}

/** A `CallDeadline` held by `Deadlines.handOn` until released. */
export interface HeldDeadline extends CallDeadline {
  readonly release: () => void
}

/**
 * The deadlines of one Clock and the ticker that sleeps until the earliest of them: a fiber, or on a
 * `CallbackClock` one timer of the clock (the same wakes at the same instants, without a fiber).
 */
interface Timeline {
  readonly heap: IndexedHeap<DeadlineEntry>
  ticker: Fiber.Fiber<void> | undefined
  /** Cancels the ticker's timer on a `CallbackClock`. */
  timer: (() => void) | undefined
  /** Identifies the current ticker; a replaced ticker finds a different token and stops. */
  token: object | undefined
  /** When the current ticker wakes (Infinity: no ticker). */
  wakeAt: number
}

/** A call waiting on its deadline: firing interrupts its fiber. */
class Pending implements DeadlineEntry {
  index = -1
  timedOut = false

  constructor(
    readonly at: number,
    private readonly fiber: Fiber.Fiber<unknown, unknown>,
  ) {}

  fire(): void {
    this.timedOut = true
    this.fiber.interruptUnsafe()
  }
}

/** A deadline handed to a client: firing calls what the client armed (it cancels and fails its call). */
class Handed implements DeadlineEntry, CallDeadline {
  index = -1
  private expired = false
  private onExpire: (() => void) | undefined = undefined

  constructor(
    readonly at: number,
    readonly timeoutMs: number,
    readonly error: () => ProviderError,
  ) {}

  fire(): void {
    this.expired = true
    const onExpire = this.onExpire
    this.onExpire = undefined
    onExpire?.()
  }

  arm(onExpire: () => void): () => void {
    if (this.expired) onExpire()
    else this.onExpire = onExpire
    return () => {
      this.onExpire = undefined
    }
  }
}

/** A handed deadline held until released (`Deadlines.handOn`). */
class Held extends Handed implements HeldDeadline {
  constructor(
    at: number,
    timeoutMs: number,
    error: () => ProviderError,
    readonly release: () => void,
  ) {
    super(at, timeoutMs, error)
  }
}

/** A deadline that calls back. */
class Callback implements DeadlineEntry {
  index = -1

  constructor(
    readonly at: number,
    readonly fire: () => void,
  ) {}
}

const NOTHING_TO_RELEASE = (): void => {}

/** The first of a callback result and its deadline: delivered once to whoever waits (or kept until then). */
class Race<A, E> {
  settled = false
  result: Effect.Effect<A, E> | undefined = undefined
  private resume: ((result: Effect.Effect<A, E>) => void) | undefined = undefined

  settle(result: Effect.Effect<A, E>): void {
    if (this.settled) return
    this.settled = true
    const resume = this.resume
    if (resume === undefined) this.result = result
    else resume(result)
  }

  /** Deliver the result to `resume` (now, when it is already in). */
  wait(resume: (result: Effect.Effect<A, E>) => void): void {
    const result = this.result
    if (result !== undefined) resume(result)
    else this.resume = resume
  }
}

export const makeDeadlines = (scope: Scope.Scope): Deadlines => {
  const timelines = new WeakMap<Clock.Clock, Timeline>()

  const timelineOf = (clock: Clock.Clock): Timeline => {
    let t = timelines.get(clock)
    if (t === undefined) {
      t = {
        heap: new IndexedHeap(earlier),
        ticker: undefined,
        timer: undefined,
        token: undefined,
        wakeAt: Number.POSITIVE_INFINITY,
      }
      timelines.set(clock, t)
    }
    return t
  }

  /** No ticker from now on (the current one, if any, finds its token gone). */
  const idle = (t: Timeline): void => {
    t.ticker = undefined
    t.timer = undefined
    t.token = undefined
    t.wakeAt = Number.POSITIVE_INFINITY
  }

  const stop = (t: Timeline): void => {
    const ticker = t.ticker
    const timer = t.timer
    idle(t)
    ticker?.interruptUnsafe()
    timer?.()
  }

  /** Fire every entry due by `horizon` (removed from the heap first: firing may add or release others). */
  const fireDue = (t: Timeline, horizon: number): void => {
    let due: Array<DeadlineEntry> | undefined
    for (let top = t.heap.peek(); top !== undefined && top.at <= horizon; top = t.heap.peek()) {
      t.heap.remove(top)
      if (due === undefined) due = [top]
      else due.push(top)
    }
    if (due !== undefined) for (const entry of due) entry.fire()
  }

  /**
   * Fire what is due, then sleep until the next deadline (or end when none is left). Having slept until
   * `sleptUntil` makes everything due up to it, whatever the clock reads: a clock may round a sleep
   * (a virtual clock with fractional milliseconds does), and a ticker must never wake to nothing.
   */
  const tick = (t: Timeline, clock: Clock.Clock, token: object, sleptUntil: number): Effect.Effect<void> =>
    Effect.suspend(() => {
      if (t.token !== token) return Effect.void
      const now = clock.currentTimeMillisUnsafe()
      fireDue(t, Math.max(now, sleptUntil))
      // firing may have ended calls, started others, or replaced this ticker
      if (t.token !== token) return Effect.void
      const next = t.heap.peek()
      if (next === undefined) {
        idle(t)
        return Effect.void
      }
      t.wakeAt = next.at
      return Effect.flatMap(clock.sleep(Duration.millis(Math.max(0, next.at - now))), () =>
        tick(t, clock, token, next.at),
      )
    })

  /** `tick` on a `CallbackClock`: the same firing, and the sleep (rounded as `clock.sleep` rounds it) one timer. */
  const tickOn = (t: Timeline, clock: CallbackClock, token: object, sleptUntil: number): void => {
    if (t.token !== token) return
    const now = clock.currentTimeMillisUnsafe()
    fireDue(t, Math.max(now, sleptUntil))
    if (t.token !== token) return
    const next = t.heap.peek()
    if (next === undefined) {
      idle(t)
      return
    }
    t.wakeAt = next.at
    const at = next.at
    t.timer = clock.callAt(now + sleepMillis(Math.max(0, at - now)), () => tickOn(t, clock, token, at))
  }

  /** `arm` on a `CallbackClock`, at once. */
  const armOn = (t: Timeline, clock: CallbackClock, at: number): void => {
    if (!idleFor(t, at)) return
    stop(t)
    const token = {}
    t.token = token
    t.wakeAt = at
    tickOn(t, clock, token, Number.NEGATIVE_INFINITY)
  }

  /** Does a ticker need (re)starting to wake no later than `at`? */
  const idleFor = (t: Timeline, at: number): boolean => t.token === undefined || at < t.wakeAt

  /** `then`, after making sure a ticker wakes no later than `at` (no step added when one already does). */
  const armThen = <A, E>(
    t: Timeline,
    clock: Clock.Clock,
    at: number,
    then: Effect.Effect<A, E>,
  ): Effect.Effect<A, E> => {
    if (!idleFor(t, at)) return then
    if (!isCallbackClock(clock)) return Effect.andThen(arm(t, clock, at), then)
    armOn(t, clock, at)
    return then
  }

  /** Make sure a ticker wakes no later than `at`. */
  const arm = (t: Timeline, clock: Clock.Clock, at: number): Effect.Effect<void> => {
    if (!idleFor(t, at)) return Effect.void
    stop(t)
    const token = {}
    t.token = token
    t.wakeAt = at
    return Effect.map(
      Effect.forkIn(tick(t, clock, token, Number.NEGATIVE_INFINITY), scope, { startImmediately: true }),
      (fiber) => {
        if (t.token === token) t.ticker = fiber
        else fiber.interruptUnsafe()
      },
    )
  }

  const release = (t: Timeline, entry: DeadlineEntry): void => {
    t.heap.remove(entry)
    if (t.heap.size === 0 && t.token !== undefined) stop(t)
  }

  const within = <A, E, E2>(
    effect: Effect.Effect<A, E>,
    timeoutMs: number,
    onTimeout: () => E2,
  ): Effect.Effect<A, E | E2> => {
    if (!Number.isFinite(timeoutMs)) return effect
    return Effect.withFiber((parent) => {
      const clock = parent.getRef(Clock.Clock)
      const at = clock.currentTimeMillisUnsafe() + timeoutMs
      return Effect.flatMap(Effect.forkChild(effect, { startImmediately: true }), (child) => {
        // a call that finished at once (an in-process client) needs no deadline
        const early = child.pollUnsafe()
        if (early !== undefined) return early
        const t = timelineOf(clock)
        const entry = new Pending(at, child)
        t.heap.add(entry)
        const wait = Effect.callback<A, E | E2>((resume) => {
          const off = child.addObserver((exit) => {
            release(t, entry)
            resume(entry.timedOut && Exit.isFailure(exit) ? Effect.fail(onTimeout()) : exit)
          })
          return Effect.suspend(() => {
            off()
            release(t, entry)
            return Fiber.interrupt(child)
          })
        })
        return armThen(t, clock, at, wait)
      })
    })
  }

  /**
   * Wait for `race`'s result under a deadline entry at `at` on `clock` (none when `at` is not finite): at the
   * limit the entry calls `expire`; when the caller is interrupted first, the race is over and `cancel` runs.
   */
  const raced = <A, E>(
    race: Race<A, E>,
    clock: Clock.Clock,
    at: number,
    expire: () => void,
    cancel: () => void,
  ): Effect.Effect<A, E> => {
    if (!Number.isFinite(at))
      return Effect.callback<A, E>((resume) => {
        race.wait(resume)
        return Effect.sync(() => {
          race.settled = true
          cancel()
        })
      })
    const t = timelineOf(clock)
    const entry = new Callback(at, expire)
    t.heap.add(entry)
    const wait = Effect.callback<A, E>((resume) => {
      race.wait((result) => {
        release(t, entry)
        resume(result)
      })
      return Effect.sync(() => {
        race.settled = true
        release(t, entry)
        cancel()
      })
    })
    return armThen(t, clock, at, wait)
  }

  const withinOn = <A, E, E2>(
    timeoutMs: number,
    onTimeout: () => E2,
    start: (done: (result: Result.Result<A, E>) => void) => () => void,
  ): Effect.Effect<A, E | E2> =>
    Effect.withFiber((parent) => {
      const clock = parent.getRef(Clock.Clock)
      const at = clock.currentTimeMillisUnsafe() + timeoutMs
      const race = new Race<A, E | E2>()
      const cancel = start((result) =>
        race.settle(Result.isSuccess(result) ? Effect.succeed(result.success) : Effect.fail(result.failure)),
      )
      // work that reported at once needs no deadline
      if (race.result !== undefined) return race.result
      const expire = () => {
        if (race.settled) return
        cancel()
        race.settle(Effect.fail(onTimeout()))
      }
      return raced(race, clock, at, expire, cancel)
    })

  const handing = <A, E>(
    call: (deadline: CallDeadline) => Effect.Effect<A, E>,
    timeoutMs: number,
    onTimeout: () => ProviderError,
  ): Effect.Effect<A, E> => {
    if (!Number.isFinite(timeoutMs)) return call({ timeoutMs, arm: () => () => {}, error: onTimeout })
    return Effect.withFiber((parent) => {
      const clock = parent.getRef(Clock.Clock)
      const t = timelineOf(clock)
      const entry = new Handed(clock.currentTimeMillisUnsafe() + timeoutMs, timeoutMs, onTimeout)
      t.heap.add(entry)
      return armThen(
        t,
        clock,
        entry.at,
        Effect.onExit(call(entry), () => {
          release(t, entry)
          return Effect.void
        }),
      )
    })
  }

  const handOn = (clock: CallbackClock, timeoutMs: number, onTimeout: () => ProviderError): HeldDeadline => {
    if (!Number.isFinite(timeoutMs))
      return { timeoutMs, arm: () => NOTHING_TO_RELEASE, error: onTimeout, release: NOTHING_TO_RELEASE }
    const t = timelineOf(clock)
    const entry = new Held(clock.currentTimeMillisUnsafe() + timeoutMs, timeoutMs, onTimeout, () => release(t, entry))
    t.heap.add(entry)
    armOn(t, clock, entry.at)
    return entry
  }

  const register = (timeoutMs: number, onExpire: () => void): Effect.Effect<() => void> => {
    if (!Number.isFinite(timeoutMs)) return Effect.succeed(NOTHING_TO_RELEASE)
    return Effect.withFiber((parent) => {
      const clock = parent.getRef(Clock.Clock)
      const t = timelineOf(clock)
      const entry = new Callback(clock.currentTimeMillisUnsafe() + timeoutMs, onExpire)
      t.heap.add(entry)
      const off = () => release(t, entry)
      if (!isCallbackClock(clock)) return Effect.as(arm(t, clock, entry.at), off)
      armOn(t, clock, entry.at)
      return Effect.succeed(off)
    })
  }

  const until = <A, E, E2>(
    at: number,
    onTimeout: () => E2,
    start: (done: (result: Effect.Effect<A, E>) => void, over: () => boolean) => void,
  ): Effect.Effect<A, E | E2> =>
    Effect.withFiber((parent) => {
      const race = new Race<A, E | E2>()
      start(
        (result) => race.settle(result),
        () => race.settled,
      )
      // work that reported at once needs no deadline
      if (race.result !== undefined) return race.result
      const expire = () => race.settle(Effect.fail(onTimeout()))
      return raced(race, parent.getRef(Clock.Clock), at, expire, NOTHING_TO_RELEASE)
    })

  return { within, withinOn, handing, handOn, register, until }
}
