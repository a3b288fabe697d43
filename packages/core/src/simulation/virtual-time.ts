import * as Clock from "effect/Clock"
import * as Context from "effect/Context"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import type * as Exit from "effect/Exit"
import type * as Fiber from "effect/Fiber"
import * as Scheduler from "effect/Scheduler"

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
  readonly clock: Clock.Clock
  readonly scheduler: Scheduler.Scheduler
  /** Current virtual time, epoch ms (starts at `start`). */
  readonly now: () => number
  /** Call `f` (outside any fiber) when virtual time reaches `at`; the returned function cancels it. */
  readonly schedule: (at: number, f: () => void) => () => void
  /** Run tasks and timers in time order until the next timer is later than `until` (time ends at `until`). */
  readonly runUntil: (until: number) => void
  /** Run until no task or timer is left (never returns if something sleeps in a loop forever). */
  readonly runAll: () => void
  /** Timers not yet fired (cancelled ones excluded). */
  readonly pending: () => number
}

interface Timer {
  readonly at: number
  readonly seq: number
  fn: (() => void) | undefined
}

const before = (a: Timer, b: Timer): boolean => a.at < b.at || (a.at === b.at && a.seq < b.seq)

export const makeVirtualTime = (start = 0): VirtualTime => {
  let now = start
  let seq = 0
  let live = 0
  /** Cancelled timers still in the heap. */
  let dead = 0
  const heap: Array<Timer> = []
  let tasks: Array<() => void> = []
  let head = 0

  const push = (t: Timer): void => {
    heap.push(t)
    let i = heap.length - 1
    while (i > 0) {
      const p = (i - 1) >> 1
      if (!before(heap[i]!, heap[p]!)) break
      const tmp = heap[i]!
      heap[i] = heap[p]!
      heap[p] = tmp
      i = p
    }
  }

  const siftDown = (start: number): void => {
    const n = heap.length
    let i = start
    for (;;) {
      const l = 2 * i + 1
      const r = l + 1
      let m = i
      if (l < n && before(heap[l]!, heap[m]!)) m = l
      if (r < n && before(heap[r]!, heap[m]!)) m = r
      if (m === i) break
      const tmp = heap[i]!
      heap[i] = heap[m]!
      heap[m] = tmp
      i = m
    }
  }

  const pop = (): Timer => {
    const top = heap[0]!
    const last = heap.pop()!
    if (heap.length > 0) {
      heap[0] = last
      siftDown(0)
    }
    return top
  }

  /**
   * Cancelled timers stay in the heap until they come due (a cancelled 60 s timeout would otherwise
   * cost a search); when they outnumber the live ones, drop them all and re-heapify in place. The
   * firing order only depends on (at, seq), never on the heap's layout.
   */
  const compact = (): void => {
    let k = 0
    for (let i = 0; i < heap.length; i++) if (heap[i]!.fn !== undefined) heap[k++] = heap[i]!
    heap.length = k
    for (let i = (k >> 1) - 1; i >= 0; i--) siftDown(i)
    dead = 0
  }

  const schedule = (at: number, f: () => void): Timer => {
    const t: Timer = { at: Math.max(at, now), seq: seq++, fn: f }
    live++
    push(t)
    return t
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
    while (heap.length > 0 && heap[0]!.at <= until) {
      const t = pop()
      const fn = t.fn
      if (fn === undefined) {
        dead--
        continue
      }
      t.fn = undefined
      live--
      now = t.at
      fn()
      drainTasks()
    }
    if (until > now && Number.isFinite(until)) now = until
  }

  const cancel = (t: Timer): void => {
    if (t.fn !== undefined) {
      t.fn = undefined
      live--
      dead++
      if (dead > 1_024 && dead > live) compact()
    }
  }

  const sleep = (duration: Duration.Duration): Effect.Effect<void> =>
    Effect.callback<void>((resume) => {
      const t = schedule(now + Duration.toMillis(duration), () => resume(Effect.void))
      return Effect.sync(() => cancel(t))
    })

  const nanos = (): bigint => BigInt(Math.round(now * 1_000_000))
  const clock: Clock.Clock = {
    currentTimeMillisUnsafe: () => now,
    currentTimeMillis: Effect.sync(() => now),
    currentTimeNanosUnsafe: nanos,
    currentTimeNanos: Effect.sync(nanos),
    monotonicTimeNanosUnsafe: nanos,
    monotonicTimeNanos: Effect.sync(nanos),
    sleep,
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
    schedule: (at, f) => {
      const t = schedule(at, f)
      return () => cancel(t)
    },
    runUntil,
    runAll: () => runUntil(Number.POSITIVE_INFINITY),
    pending: () => live,
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
