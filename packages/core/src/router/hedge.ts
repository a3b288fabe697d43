import * as Clock from "effect/Clock"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Fiber from "effect/Fiber"
import type { StateUnavailable } from "../services/errors.js"
import { type Restore, runAttempt } from "./attempt.js"
import type { AttemptControl, AttemptResult, Mode, QueuedAttempt, RequestContext } from "./context.js"

export interface HedgeOutcome<A> {
  /** Results in completion order; an `Ok` (if any) is the winner. */
  readonly results: ReadonlyArray<AttemptResult<A>>
  /** Whether the second attempt was started (consumed from the queue). */
  readonly hedged: boolean
}

const forkAttempt = <A>(
  ctx: RequestContext,
  queued: QueuedAttempt,
  mode: Mode<A>,
  control: AttemptControl,
  hedge: boolean,
) => Effect.forkChild(Effect.uninterruptibleMask((restore) => runAttempt(ctx, queued, mode, restore, control, hedge)))

const joinExit = <A>(
  exit: Exit.Exit<AttemptResult<A>, StateUnavailable>,
): Effect.Effect<AttemptResult<A>, StateUnavailable> =>
  Exit.isSuccess(exit) ? Effect.succeed(exit.value) : Effect.failCause(exit.cause)

/**
 * Hedged first attempt: start `first`; if it has not finished after `delayMs` (its endpoint's p90
 * time to first token) and the hedge budget allows, start `second` as well. The first success wins;
 * the other attempt is interrupted (its reservation refunded, its trace `hedge_lost`), or, if it
 * succeeded in the same instant, discarded. If the first attempt finishes before the delay, no hedge
 * is sent and the caller falls back as usual. Run inside the executor's uninterruptible region.
 */
export const runHedged = <A>(
  ctx: RequestContext,
  first: QueuedAttempt,
  second: QueuedAttempt,
  delayMs: number,
  mode: Mode<A>,
  restore: Restore,
  fallbackLeft: boolean,
): Effect.Effect<HedgeOutcome<A>, StateUnavailable> =>
  Effect.gen(function* () {
    // the hedge itself is the first attempt's fallback
    const c1: AttemptControl = { lost: false, fallbackLeft: true }
    const f1 = yield* forkAttempt(ctx, first, mode, c1, false)
    const early = yield* restore(
      Effect.raceFirst(
        Effect.map(Fiber.await(f1), (exit) => exit as Exit.Exit<AttemptResult<A>, StateUnavailable> | undefined),
        Effect.as(Effect.sleep(delayMs), undefined),
      ),
    )
    if (early !== undefined) return { results: [yield* joinExit(early)], hedged: false }
    const now = yield* Clock.currentTimeMillis
    if (!(yield* ctx.services.budget.tryAcquire("hedge", ctx.routing.hedgeBudget, now))) {
      ctx.trace.step(`hedge: budget exhausted, not hedging ${first.planned.endpoint.id}`)
      return { results: [yield* joinExit(yield* restore(Fiber.await(f1)))], hedged: false }
    }
    ctx.trace.step(
      `hedge: ${first.planned.endpoint.id} passed its p90 TTFT (${Math.round(delayMs)} ms), also trying ${second.planned.endpoint.id}`,
    )
    const c2: AttemptControl = { lost: false, fallbackLeft }
    const f2 = yield* forkAttempt(ctx, second, mode, c2, true)
    const [firstDone, firstExit] = yield* restore(
      Effect.raceFirst(
        Effect.map(Fiber.await(f1), (exit) => [1, exit] as const),
        Effect.map(Fiber.await(f2), (exit) => [2, exit] as const),
      ),
    )
    const winner = yield* joinExit(firstExit)
    const [other, otherControl] = firstDone === 1 ? [f2, c2] : [f1, c1]
    if (winner._tag === "Ok") {
      otherControl.lost = true
      yield* Fiber.interrupt(other)
      const late = yield* Fiber.await(other)
      if (Exit.isSuccess(late) && late.value._tag === "Ok") yield* mode.discard(ctx, late.value)
      return { results: [winner], hedged: true }
    }
    const rest = yield* joinExit(yield* restore(Fiber.await(other)))
    return { results: [winner, rest], hedged: true }
  })
