import { budgetEpoch, type ResolvedRetryBudgetOptions, type RetryBudgetShape } from "@switchyard/core"
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
): RetryBudgetShape => {
  const ttl = String(o.windowMs * 2)
  const slotKeys = (epoch: number): Array<string> => {
    const out = new Array<string>(o.slots)
    for (let i = 0; i < o.slots; i++) out[i] = keys.budget(epoch - o.slots + 1 + i)
    return out
  }
  return {
    recordRequest: (now) =>
      Effect.clockWith((clock) => {
        const t = now ?? clock.currentTimeMillisUnsafe()
        shared.write(() => conn.script("syBudgetRecord", keys.budget(budgetEpoch(o, t)), ttl))
        return local.recordRequest(t)
      }),
    tryAcquire: (kind, ratio, now) =>
      Effect.clockWith((clock) => {
        const t = now ?? clock.currentTimeMillisUnsafe()
        return shared.read(
          () =>
            conn
              .script(
                "syBudgetAcquire",
                o.slots,
                ...slotKeys(budgetEpoch(o, t)),
                kind,
                String(o.floors[kind]),
                String(ratio),
                ttl,
              )
              .then((r) => r === 1),
          local.tryAcquire(kind, ratio, t),
        )
      }),
    refund: (kind, now) =>
      Effect.clockWith((clock) => {
        const t = now ?? clock.currentTimeMillisUnsafe()
        if (!conn.ok) return local.refund(kind, t)
        shared.write(() => conn.script("syBudgetRefund", keys.budget(budgetEpoch(o, t)), kind))
        return Effect.void
      }),
  }
}
