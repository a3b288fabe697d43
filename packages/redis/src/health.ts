import {
  type BreakerConfig,
  type BreakerState,
  type HealthPermit,
  type HealthShape,
  type HealthView,
  type ResolvedHealthOptions,
  rateLimitCooldownMs,
  status,
} from "@switchyard/core"
import * as Effect from "effect/Effect"
import type { Connection } from "./connection.js"
import type { Keys } from "./keys.js"
import { num, type Shared } from "./shared.js"

export const HEALTH_FIELDS = ["k", "cf", "ws", "s", "f", "oa", "u", "ps", "cd"] as const

export type HealthFields = ReadonlyArray<string | null>

/** The stored breaker and cooldown end; undefined when the endpoint has no entry. */
export const healthEntryOf = (
  v: HealthFields,
): { readonly breaker: BreakerState; readonly cooldownUntil: number } | undefined => {
  const k = v[0]
  if (k === null || k === undefined) return undefined
  const breaker: BreakerState =
    k === "C"
      ? {
          _tag: "Closed",
          consecutiveFailures: Number(v[1]),
          windowStart: Number(v[2]),
          successes: Number(v[3]),
          failures: Number(v[4]),
        }
      : k === "O"
        ? { _tag: "Open", openedAt: Number(v[5]), until: Number(v[6]) }
        : { _tag: "HalfOpen", probeSince: num(v[7]) }
  return { breaker, cooldownUntil: Number(v[8]) }
}

const HEALTHY: HealthView = { breaker: "closed", cooldownUntil: undefined }

/** The view the in-memory Health gives of the same entry. */
export const healthViewOf = (config: BreakerConfig, v: HealthFields, now: number): HealthView => {
  const e = healthEntryOf(v)
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
]

/** `{'A', probe}` | `{'B', reason, until}` from `syAcquire` / `syAdmit`. */
export const permitOf = (r: ReadonlyArray<string>): HealthPermit =>
  r[0] === "A"
    ? { _tag: "Allowed", probe: r[1] === "1" }
    : { _tag: "Blocked", reason: r[1] as "cooldown" | "breaker_open", untilMs: num(r[2]) }

/**
 * Health on Redis: one hash per endpoint (breaker + cooldown end), changed only by Lua ports of the
 * breaker machine, so a cooldown from a 429 seen by any replica blocks every replica's next
 * `acquire`, and the half-open probe is claimed atomically by exactly one replica in the fleet (the
 * claim is the probe start written by the script that granted it; a probe that never reports is
 * freed after `probeTimeoutMs`). Reads are computed here from one HMGET. Every report also goes to
 * the replica's local Health, its fallback.
 */
export const makeRedisHealth = (
  conn: Connection,
  shared: Shared,
  keys: Keys,
  local: HealthShape,
  options: ResolvedHealthOptions,
): HealthShape & { readonly readFields: (id: string) => Promise<HealthFields> } => {
  const config = options.breaker
  const cfg = breakerArgs(config)
  const readFields = (id: string) => conn.redis.hmget(keys.health(id), ...HEALTH_FIELDS)
  return {
    readFields,
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
          () => conn.script("syAcquire", keys.health(id), String(t), ...cfg).then((r) => permitOf(r as Array<string>)),
          local.acquire(id, t),
        )
      }),
    record: (id, report, probe, now) =>
      Effect.clockWith((clock) => {
        const t = now ?? clock.currentTimeMillisUnsafe()
        let event = ""
        let cooldownUntil: number | undefined
        switch (report._tag) {
          case "Success":
            event = "S"
            break
          case "Failure":
            event = "F"
            if (report.retryAfterMs !== undefined) cooldownUntil = t + report.retryAfterMs
            break
          case "RateLimited":
            cooldownUntil = t + rateLimitCooldownMs(options, report)
            if (probe) event = "A"
            break
          case "Abandoned":
            if (probe) event = "A"
            break
        }
        shared.write(() =>
          conn.script(
            "syRecord",
            keys.health(id),
            String(t),
            event,
            cooldownUntil === undefined ? "" : String(cooldownUntil),
            ...cfg,
          ),
        )
        return local.record(id, report, probe, t)
      }),
  }
}
