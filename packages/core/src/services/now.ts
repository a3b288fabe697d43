import * as Effect from "effect/Effect"

/**
 * The instant a live-state operation runs at. Every operation takes an optional `now`: epoch ms the
 * caller already read from `Clock` for the same step (the router reads it once per step and passes
 * it on); without it the operation reads `Clock` itself. Either way time comes from `Clock`, and a
 * passed `now` saves a clock read and a fiber lookup per call on the router's hot path. Pass only
 * the current step's reading, never an instant kept from earlier: the stores assume time moves on.
 */
export const atNow = <A>(now: number | undefined, f: (now: number) => A): Effect.Effect<A> =>
  now === undefined
    ? Effect.clockWith((clock) => Effect.succeed(f(clock.currentTimeMillisUnsafe())))
    : Effect.sync(() => f(now))

/** `f` of each of `keys` (with its index) at `now`. */
export const eachAt = <K, A>(
  keys: ReadonlyArray<K>,
  now: number,
  f: (key: K, now: number, index: number) => A,
): ReadonlyArray<A> => {
  const out = new Array<A>(keys.length)
  for (let i = 0; i < keys.length; i++) out[i] = f(keys[i]!, now, i)
  return out
}

/**
 * The effect `build(now)` builds at the caller's `now`, or at `Clock`'s current time when none was passed (read
 * when the effect runs). With `now`, `build` runs at once: it must only build the effect, doing nothing itself.
 */
export const withNow = <A, E, R>(
  now: number | undefined,
  build: (now: number) => Effect.Effect<A, E, R>,
): Effect.Effect<A, E, R> =>
  now === undefined ? Effect.clockWith((clock) => build(clock.currentTimeMillisUnsafe())) : build(now)

/** `f` of each of `keys` (with its index) at one instant: the batched reads (`readMany`, `predictMany`). */
export const eachAtNow = <K, A>(
  keys: ReadonlyArray<K>,
  now: number | undefined,
  f: (key: K, now: number, index: number) => A,
): Effect.Effect<ReadonlyArray<A>> => atNow(now, (t) => eachAt(keys, t, f))
