/**
 * The retry budget's arithmetic as pure functions over plain counters, so the in-memory store and a
 * shared store (Redis: one hash per slot, one Lua script) compute the same thing.
 *
 * A budget of extra requests (retries, hedges) as a share of recent traffic, so an outage does not
 * multiply the load on upstreams: over a sliding window (`windowMs`, cut into `slots` slots of
 * `windowMs / slots` each, slot `epoch = floor(now / slotMs)`), `spent < floor + ratio × requests`
 * allows one more. The floor lets a quiet router still retry (like Envoy's and Finagle's budgets).
 */
export type BudgetKind = "retry" | "hedge"

export const BUDGET_KINDS: ReadonlyArray<BudgetKind> = ["retry", "hedge"]

export interface BudgetWindow {
  /** Window length, ms (default 10 000). */
  readonly windowMs: number
  /** Slots the window is cut into (default 10). */
  readonly slots: number
}

export const defaultBudgetWindow: BudgetWindow = { windowMs: 10_000, slots: 10 }

/** Length of one slot, ms. */
export const slotMsOf = (w: BudgetWindow): number => Math.max(1, Math.floor(w.windowMs / w.slots))

/** The slot `now` falls in. */
export const budgetEpoch = (w: BudgetWindow, now: number): number => Math.floor(now / slotMsOf(w))

/** Whether a slot counted at `epoch` is still inside the window of the slot `current`. */
export const inWindow = (w: BudgetWindow, epoch: number, current: number): boolean =>
  epoch > current - w.slots && epoch <= current

/** Whether one more unit may be spent, given the window's totals. */
export const budgetAllows = (requests: number, spent: number, floor: number, ratio: number): boolean =>
  spent < floor + ratio * requests

/** Counters of one slot. */
export interface BudgetSlot {
  epoch: number
  requests: number
  retry: number
  hedge: number
}

/**
 * A ring of `slots` slots for the in-memory store: the slot of `epoch` (reset when reused) and the
 * window's totals. Mutable on purpose: it is the one per-process structure the memory layer keeps.
 */
export class BudgetRing {
  private readonly ring: Array<BudgetSlot>

  constructor(private readonly window: BudgetWindow) {
    this.ring = Array.from({ length: window.slots }, () => ({
      epoch: Number.NEGATIVE_INFINITY,
      requests: 0,
      retry: 0,
      hedge: 0,
    }))
  }

  slot(now: number): BudgetSlot {
    const epoch = budgetEpoch(this.window, now)
    const n = this.window.slots
    const s = this.ring[((epoch % n) + n) % n]!
    if (s.epoch !== epoch) {
      s.epoch = epoch
      s.requests = 0
      s.retry = 0
      s.hedge = 0
    }
    return s
  }

  /** Requests and `kind` units spent over the window ending in the slot of `now`. */
  totals(now: number, kind: BudgetKind): { readonly requests: number; readonly spent: number } {
    const current = budgetEpoch(this.window, now)
    let requests = 0
    let spent = 0
    for (const s of this.ring) {
      if (inWindow(this.window, s.epoch, current)) {
        requests += s.requests
        spent += s[kind]
      }
    }
    return { requests, spent }
  }
}
