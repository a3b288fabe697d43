import * as Context from "effect/Context"
import type * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import { atNow } from "../now.js"
import { withTwin } from "../twin.js"
import { type BudgetKind, BudgetRing, type BudgetWindow, budgetAllows, defaultBudgetWindow } from "./budget.js"

/**
 * RetryBudget: how many extra upstream calls (retries, hedges) the router may make, as a share of
 * recent traffic (`routing.retryBudget`, `routing.hedgeBudget`) plus a floor per window (see
 * `budget.ts`). Shared like the other live-state services: a shared store counts the fleet's
 * requests and extra calls, so the floor and the ratio hold fleet-wide. Never fails: a network
 * store that cannot answer falls back to its local copy (see `live-state.ts`).
 */
export interface RetryBudgetShape {
  /** Count one incoming request. */
  readonly recordRequest: (now?: number) => Effect.Effect<void>
  /** Take one unit of `kind` if `spent < floor + ratio × requests` over the window now. */
  readonly tryAcquire: (kind: BudgetKind, ratio: number, now?: number) => Effect.Effect<boolean>
  /** Give back a unit taken that was not used (the attempt never reached the upstream). */
  readonly refund: (kind: BudgetKind, now?: number) => Effect.Effect<void>
}

export interface RetryBudgetOptions extends Partial<BudgetWindow> {
  /** Units always allowed per window, whatever the traffic (default retry 10, hedge 2). */
  readonly floors?: Partial<Readonly<Record<BudgetKind, number>>>
}

export interface ResolvedRetryBudgetOptions extends BudgetWindow {
  readonly floors: Readonly<Record<BudgetKind, number>>
}

export const resolveRetryBudgetOptions = (o: RetryBudgetOptions = {}): ResolvedRetryBudgetOptions => ({
  windowMs: o.windowMs ?? defaultBudgetWindow.windowMs,
  slots: o.slots ?? defaultBudgetWindow.slots,
  floors: { retry: o.floors?.retry ?? 10, hedge: o.floors?.hedge ?? 2 },
})

/** The in-memory RetryBudget: one ring of slots for the process. */
/** The in-memory budget's operations, synchronous (`withTwin`), each at `now`. */
export interface RetryBudgetTwin {
  readonly recordRequest: (now: number) => void
  readonly tryAcquire: (kind: BudgetKind, ratio: number, now: number) => boolean
  readonly refund: (kind: BudgetKind, now: number) => void
}

/** What the router runs at once of a budget (`withAtOnce`; the in-memory budget's twin is one): counting a request. */
export type RetryBudgetAtOnce = Pick<RetryBudgetTwin, "recordRequest">

export const makeMemoryRetryBudget = (options: RetryBudgetOptions = {}): RetryBudgetShape => {
  const o = resolveRetryBudgetOptions(options)
  const ring = new BudgetRing(o)
  const twin: RetryBudgetTwin = {
    recordRequest: (now) => {
      ring.slot(now).requests++
    },
    tryAcquire: (kind, ratio, now) => {
      const slot = ring.slot(now)
      const t = ring.totals(now, kind)
      if (!budgetAllows(t.requests, t.spent, o.floors[kind], ratio)) return false
      slot[kind]++
      return true
    },
    refund: (kind, now) => {
      const slot = ring.slot(now)
      slot[kind] = Math.max(0, slot[kind] - 1)
    },
  }
  return withTwin<RetryBudgetShape, RetryBudgetTwin>(
    {
      recordRequest: (at) => atNow(at, twin.recordRequest),
      tryAcquire: (kind, ratio, at) => atNow(at, (now) => twin.tryAcquire(kind, ratio, now)),
      refund: (kind, at) => atNow(at, (now) => twin.refund(kind, now)),
    },
    twin,
  )
}

export class RetryBudget extends Context.Service<RetryBudget, RetryBudgetShape>()("@switchyard/core/RetryBudget") {
  static readonly layer: Layer.Layer<RetryBudget> = Layer.sync(RetryBudget, () => makeMemoryRetryBudget())
  static readonly layerWith = (options: RetryBudgetOptions): Layer.Layer<RetryBudget> =>
    Layer.sync(RetryBudget, () => makeMemoryRetryBudget(options))
}
