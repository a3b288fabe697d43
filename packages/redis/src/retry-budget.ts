import {
  budgetEpoch,
  type ResolvedRetryBudgetOptions,
  type RetryBudgetAtOnce,
  type RetryBudgetShape,
  type RetryBudgetTwin,
  twinOf,
  withAtOnce,
} from "@switchyard/core"
import * as Effect from "effect/Effect"
import type { Connection } from "./connection.js"
import type { Keys } from "./keys.js"
import type { Shared } from "./shared.js"

/**
 * The RetryBudget on Redis: one hash per window slot (`{budget}:<epoch>`: requests and units spent by
 * kind) for the whole fleet, so `spent < floor + ratio × requests` holds fleet-wide (the floor too is
 * the fleet's, not each replica's). Requests are counted without waiting; taking a unit is one
 * script over the window's slots. The local budget counts the same requests: it is the fallback.
 */
export const makeRedisRetryBudget = (
  conn: Connection,
  shared: Shared,
  keys: Keys,
  local: RetryBudgetShape,
  o: ResolvedRetryBudgetOptions,
): RetryBudgetShape & { readonly close: () => void } => {
  const ttl = String(o.windowMs * 2)
  /** Requests counted since the last flush, by budget slot. */
  const counted = new Map<number, number>()
  const flush = () => {
    for (const [epoch, n] of counted)
      shared.send(() => conn.script("syBudgetRecord", keys.budget(epoch), String(n), ttl))
    counted.clear()
  }
  const timer = setInterval(flush, 100)
  timer.unref()
  const slotKeys = (epoch: number): Array<string> => {
    const out = new Array<string>(o.slots)
    for (let i = 0; i < o.slots; i++) out[i] = keys.budget(epoch - o.slots + 1 + i)
    return out
  }
  /** Counted here, sent with the next flush. */
  const count = (t: number): void => {
    const epoch = budgetEpoch(o, t)
    counted.set(epoch, (counted.get(epoch) ?? 0) + 1)
  }
  const shape: RetryBudgetShape & { readonly close: () => void } = {
    recordRequest: (now) =>
      Effect.clockWith((clock) => {
        const t = now ?? clock.currentTimeMillisUnsafe()
        count(t)
        return local.recordRequest(t)
      }),
    tryAcquire: (kind, ratio, now) =>
      Effect.clockWith((clock) => {
        const t = now ?? clock.currentTimeMillisUnsafe()
        return shared.read(
          () => {
            flush()
            return conn
              .script(
                "syBudgetAcquire",
                o.slots,
                ...slotKeys(budgetEpoch(o, t)),
                kind,
                String(o.floors[kind]),
                String(ratio),
                ttl,
              )
              .then((r) => r === 1)
          },
          local.tryAcquire(kind, ratio, t),
        )
      }),
    refund: (kind, now) =>
      Effect.clockWith((clock) => {
        const t = now ?? clock.currentTimeMillisUnsafe()
        if (!conn.ok) return local.refund(kind, t)
        shared.send(() => conn.script("syBudgetRefund", keys.budget(budgetEpoch(o, t)), kind))
        return Effect.void
      }),
    close: () => {
      clearInterval(timer)
      flush()
    },
  }
  // the router counts a request at once (`withAtOnce`), over the local budget's twin
  const twin = twinOf<RetryBudgetTwin>(local)
  if (twin === undefined) return shape
  return withAtOnce<typeof shape, RetryBudgetAtOnce>(shape, {
    recordRequest: (t) => {
      count(t)
      twin.recordRequest(t)
    },
  })
}
