import * as Effect from "effect/Effect"
import type { Endpoint } from "../catalog/endpoint.js"
import type { CapacitySignals, Usage } from "../provider/usage.js"
import type { CapacityTwin } from "./capacity/memory.js"
import type { CapacityShape, ObserveOptions, Reservation } from "./capacity/shape.js"
import type { HealthReport, HealthShape, HealthTwin } from "./health/service.js"
import type { StatsShape, StatsTwin } from "./stats/service.js"
import type { StatsSample } from "./stats/window.js"
import { bookkeepingOf } from "./twin.js"

/**
 * The bookkeeping that ends an attempt, at one instant (`now`, read from `Clock` by the caller): the
 * reservation settled or released, upstream signals observed, Stats and Health told. Called in the
 * order the stores must see the operations; `close(f)` is the effect that runs them in that order, then
 * `f`. Over stores with synchronous bookkeeping (the in-memory stores' `withTwin` twins, a shared store's
 * `withBookkeeping`) each call runs at once — build and run the books while the effect that needs them
 * runs, never ahead — and `close(f)` is `f()`; over any other store (a wrapped one) the calls are the
 * services' effects, chained.
 */
export interface Books {
  readonly settle: (reservation: Reservation, usage: Usage) => void
  readonly release: (reservation: Reservation) => void
  readonly observe: (endpoint: Endpoint, signals: CapacitySignals, options?: ObserveOptions) => void
  readonly stats: (endpointId: string, sample: StatsSample) => void
  readonly health: (endpointId: string, report: HealthReport, probe: boolean) => void
  readonly close: <A, E>(f: () => Effect.Effect<A, E>) => Effect.Effect<A, E>
}

/** Books at `now`, over these stores (which kind is decided once, here). */
export const makeBooks = (
  capacity: CapacityShape,
  stats: StatsShape,
  health: HealthShape,
): ((now: number) => Books) => {
  const c = bookkeepingOf<CapacityBookkeeping>(capacity)
  const s = bookkeepingOf<StatsBookkeeping>(stats)
  const h = bookkeepingOf<HealthBookkeeping>(health)
  if (c === undefined || s === undefined || h === undefined)
    return (now) => new ChainedBooks(capacity, stats, health, now)
  return (now) => new TwinBooks(c, s, h, now)
}

/** Do these stores' `Books` run at once (each has synchronous bookkeeping), so `close(f)` is `f()`? */
export const booksAtOnce = (capacity: CapacityShape, stats: StatsShape, health: HealthShape): boolean =>
  bookkeepingOf(capacity) !== undefined && bookkeepingOf(stats) !== undefined && bookkeepingOf(health) !== undefined

/** What `Books` runs synchronously of each store (`withBookkeeping`; an in-memory store's twin has it all). */
export type CapacityBookkeeping = Pick<CapacityTwin, "settle" | "release" | "observe">
export type StatsBookkeeping = Pick<StatsTwin, "record">
export type HealthBookkeeping = Pick<HealthTwin, "record">

class TwinBooks implements Books {
  constructor(
    private readonly c: CapacityBookkeeping,
    private readonly s: StatsBookkeeping,
    private readonly h: HealthBookkeeping,
    private readonly now: number,
  ) {}
  settle(reservation: Reservation, usage: Usage): void {
    this.c.settle(reservation, usage, this.now)
  }
  release(reservation: Reservation): void {
    this.c.release(reservation, this.now)
  }
  observe(endpoint: Endpoint, signals: CapacitySignals, options?: ObserveOptions): void {
    this.c.observe(endpoint, signals, options, this.now)
  }
  stats(endpointId: string, sample: StatsSample): void {
    this.s.record(endpointId, sample, this.now)
  }
  health(endpointId: string, report: HealthReport, probe: boolean): void {
    this.h.record(endpointId, report, probe, this.now)
  }
  close<A, E>(f: () => Effect.Effect<A, E>): Effect.Effect<A, E> {
    return f()
  }
}

class ChainedBooks implements Books {
  private chain: Effect.Effect<void> | undefined = undefined
  constructor(
    private readonly c: CapacityShape,
    private readonly s: StatsShape,
    private readonly h: HealthShape,
    private readonly now: number,
  ) {}
  private add(e: Effect.Effect<void>): void {
    this.chain = this.chain === undefined ? e : Effect.andThen(this.chain, e)
  }
  settle(reservation: Reservation, usage: Usage): void {
    this.add(this.c.settle(reservation, usage, this.now))
  }
  release(reservation: Reservation): void {
    this.add(this.c.release(reservation, this.now))
  }
  observe(endpoint: Endpoint, signals: CapacitySignals, options?: ObserveOptions): void {
    this.add(this.c.observe(endpoint, signals, options, this.now))
  }
  stats(endpointId: string, sample: StatsSample): void {
    this.add(this.s.record(endpointId, sample, this.now))
  }
  health(endpointId: string, report: HealthReport, probe: boolean): void {
    this.add(this.h.record(endpointId, report, probe, this.now))
  }
  close<A, E>(f: () => Effect.Effect<A, E>): Effect.Effect<A, E> {
    return this.chain === undefined ? Effect.suspend(f) : Effect.flatMap(this.chain, f)
  }
}
