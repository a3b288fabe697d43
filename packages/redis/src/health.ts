import {
  type BreakerConfig,
  type BreakerState,
  type Cooldown,
  type HealthBookkeeping,
  type HealthPermit,
  type HealthReport,
  type HealthShape,
  type HealthTwin,
  type HealthView,
  NO_COOLDOWN,
  nextCooldown,
  type ResolvedHealthOptions,
  status,
  twinOf,
  withBookkeeping,
} from "@switchyard/core"
import * as Effect from "effect/Effect"
import type { Connection } from "./connection.js"
import { HeldNews } from "./held-news.js"
import type { Keys } from "./keys.js"
import { num, type Shared } from "./shared.js"
import { HEALTH_OFFSET, type StateFields } from "./state.js"

/** The stored breaker and cooldown end (Health's fields of the state hash); undefined when the endpoint has none. */
export const healthEntryOf = (
  v: StateFields,
): { readonly breaker: BreakerState; readonly cooldownUntil: number } | undefined => {
  const o = HEALTH_OFFSET
  const k = v[o]
  if (k === null || k === undefined || k === "") return undefined
  const breaker: BreakerState =
    k === "C"
      ? {
          _tag: "Closed",
          consecutiveFailures: Number(v[o + 1]),
          windowStart: Number(v[o + 2]),
          successes: Number(v[o + 3]),
          failures: Number(v[o + 4]),
        }
      : k === "O"
        ? { _tag: "Open", openedAt: Number(v[o + 5]), until: Number(v[o + 6]), opens: num(v[o + 9]) ?? 1 }
        : { _tag: "HalfOpen", probeSince: num(v[o + 7]), opens: num(v[o + 9]) ?? 1 }
  return { breaker, cooldownUntil: Number(v[o + 8]) }
}

const HEALTHY: HealthView = { breaker: "closed", cooldownUntil: undefined }

/** The view the in-memory Health gives of the same entry. */
export const healthViewOf = (config: BreakerConfig, v: StateFields, now: number): HealthView =>
  healthViewOfEntry(config, healthEntryOf(v), now)

/** `healthViewOf` of an entry already decoded (undefined: none stored). */
export const healthViewOfEntry = (
  config: BreakerConfig,
  e: ReturnType<typeof healthEntryOf>,
  now: number,
): HealthView => {
  if (e === undefined) return HEALTHY
  const breaker = status(config, e.breaker, now)
  const cooldownUntil = e.cooldownUntil > now ? e.cooldownUntil : undefined
  return breaker === "closed" && cooldownUntil === undefined ? HEALTHY : { breaker, cooldownUntil }
}

export const breakerArgs = (c: BreakerConfig): Array<string> => [
  String(c.failureThreshold),
  String(c.failureRatio),
  String(c.minimumRequests),
  String(c.ratioWindowMs),
  String(c.openMs),
  String(c.probeTimeoutMs),
  String(c.maxOpenMs),
]

/** `{'A', probe}` | `{'B', reason, until}` from `syAcquire` / `syBatch`'s `A`. */
export const permitOf = (r: ReadonlyArray<string>): HealthPermit =>
  r[0] === "A"
    ? { _tag: "Allowed", probe: r[1] === "1" }
    : { _tag: "Blocked", reason: r[1] as "cooldown" | "breaker_open", untilMs: num(r[2]) }

/**
 * Health on Redis: in each endpoint's state hash (breaker + cooldown end), changed only by Lua ports of the
 * breaker machine, so a cooldown from a 429 seen by any replica blocks every replica's next
 * `acquire`, and the half-open probe is claimed atomically by exactly one replica in the fleet (the
 * claim is the probe start written by the script that granted it; a probe that never reports is
 * freed after `probeTimeoutMs`). Reads are computed here from one HMGET; reports are operations of the
 * endpoint's `syBatch` (sent without waiting). Every report also goes to the replica's local Health,
 * its fallback.
 */
export const makeRedisHealth = (
  conn: Connection,
  shared: Shared,
  keys: Keys,
  readFields: (endpointId: string) => Promise<StateFields>,
  local: HealthShape,
  options: ResolvedHealthOptions,
): HealthShape => {
  const config = options.breaker
  const cfg = breakerArgs(config)
  const cooldowns = new Map<string, Cooldown>()
  // news that did not reach Redis (degraded, or its call failed) goes when Redis answers again, before the resumed
  // store admits anything
  const held = new HeldNews(config)
  shared.onNewsLost = (id) => held.lost(id)
  conn.onResume(() => {
    for (const [id, ops] of held.take(conn.now())) shared.write(id, undefined, ops, true, true)
  })
  /** A report's news for the fleet (the event and the cooldown end), in this endpoint's batch. */
  const recordShared = (id: string, report: HealthReport, probe: boolean, t: number): void => {
    let event = ""
    switch (report._tag) {
      case "Success":
        event = "S"
        break
      case "Failure":
        event = "F"
        break
      case "RateLimited":
      case "Abandoned":
        if (probe) event = "A"
        break
    }
    // the cooldown end as the in-memory Health computes it; the rows of 429 cooldowns are this replica's
    const before = cooldowns.get(id) ?? NO_COOLDOWN
    const after = nextCooldown(options, before, report, t)
    if (after !== before) cooldowns.set(id, after)
    const cools = report._tag === "RateLimited" || (report._tag === "Failure" && report.retryAfterMs !== undefined)
    const cooldownUntil = cools ? after.until : undefined
    const news = cooldownUntil !== undefined || event === "F"
    // what the resumption would send if this news is lost (see `held-news.ts`)
    if (cooldownUntil !== undefined) held.cooldown(id, t, cooldownUntil)
    if (event === "F") held.failure(id, t)
    else if (event === "S") held.success(id, t)
    // a plain success (most reports): one more now in the batch's run of successes instead of an operation of its own
    if (event === "S" && cooldownUntil === undefined) {
      shared.success(id, t)
      return
    }
    shared.write(
      id,
      undefined,
      ["R", String(t), event, cooldownUntil === undefined ? "" : String(cooldownUntil)],
      news,
      news,
    )
  }
  const shape: HealthShape = {
    read: (id, now) =>
      Effect.clockWith((clock) => {
        const t = now ?? clock.currentTimeMillisUnsafe()
        return shared.read(() => readFields(id).then((v) => healthViewOf(config, v, t)), local.read(id, t))
      }),
    readMany: (ids, now) =>
      Effect.clockWith((clock) => {
        const t = now ?? clock.currentTimeMillisUnsafe()
        return shared.read(
          () => Promise.all(ids.map((id) => readFields(id).then((v) => healthViewOf(config, v, t)))),
          local.readMany(ids, t),
        )
      }),
    acquire: (id, now) =>
      Effect.clockWith((clock) => {
        const t = now ?? clock.currentTimeMillisUnsafe()
        return shared.read(
          () => conn.script("syAcquire", keys.state(id), String(t), ...cfg).then((r) => permitOf(r as Array<string>)),
          local.acquire(id, t),
        )
      }),
    record: (id, report, probe, now) =>
      Effect.clockWith((clock) => {
        const t = now ?? clock.currentTimeMillisUnsafe()
        recordShared(id, report, probe, t)
        return local.record(id, report, probe, t)
      }),
  }
  // Books (core) records at once when an attempt ends, over the local Health's twin
  const twin = twinOf<HealthTwin>(local)
  if (twin === undefined) return shape
  return withBookkeeping<HealthShape, HealthBookkeeping>(shape, {
    record: (id, report, probe, t) => {
      recordShared(id, report, probe, t)
      twin.record(id, report, probe, t)
    },
  })
}
