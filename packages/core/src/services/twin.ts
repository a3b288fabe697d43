/**
 * Synchronous twins of store shapes, found by the shape's identity: a wrapper around a shape (a test's copy, a shared
 * store over a local one) has none of its own, so its effects keep running.
 *
 *   withTwin(shape, twin)            an in-memory store's operations, each run at a given `now`
 *   withBookkeeping(shape, books)    a store whose reads and decisions stay effects: only what `Books` runs
 *   withAtOnce(shape, atOnce)        a shared store's gates answered at once when they need no round trip
 *   twinOf(shape) / bookkeepingOf(shape) / atOnceOf(shape)
 */
const twins = new WeakMap<object, object>()
const bookkeepers = new WeakMap<object, object>()
const atOnce = new WeakMap<object, object>()

/**
 * Register the synchronous twin of an in-memory store's `shape`: the same operations, each run at a given `now` and
 * returning what the effect would.
 */
export const withTwin = <S extends object, T extends object>(shape: S, twin: T): S => {
  twins.set(shape, twin)
  return shape
}

/** The twin `withTwin` registered for `shape`, if any. */
export const twinOf = <T extends object>(shape: object): T | undefined => twins.get(shape) as T | undefined

/**
 * Register the synchronous bookkeeping of a store whose reads and decisions stay effects (a shared store, whose
 * admissions wait for a reply): the operations `Books` runs when an attempt ends — capacity's `settle`, `release`,
 * `observe`; Stats' and Health's `record` — each at a given `now`, doing at once what the effect would.
 */
export const withBookkeeping = <S extends object, T extends object>(shape: S, bookkeeping: T): S => {
  bookkeepers.set(shape, bookkeeping)
  return shape
}

/** The synchronous bookkeeping of `shape`: what `withBookkeeping` registered, else its whole twin (`withTwin`). */
export const bookkeepingOf = <T extends object>(shape: object): T | undefined =>
  (bookkeepers.get(shape) ?? twins.get(shape)) as T | undefined

/**
 * Register what a shared store's request gates (`LiveState.read`/`admit`, `RetryBudget.recordRequest`) do at once: each
 * operation runs at a given `now` and returns its answer when it needs no round trip (a cached snapshot, an admission
 * from a lease), else the effect that gets it — what the shape's own effect would do, started already (so the caller
 * runs that effect, never the shape's too).
 */
export const withAtOnce = <S extends object, T extends object>(shape: S, ops: T): S => {
  atOnce.set(shape, ops)
  return shape
}

/** What `withAtOnce` registered for `shape`, else its whole twin (`withTwin`: always at once), if any. */
export const atOnceOf = <T extends object>(shape: object): T | undefined =>
  (atOnce.get(shape) ?? twins.get(shape)) as T | undefined
