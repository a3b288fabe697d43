import type { BreakerConfig, Endpoint, LiveReads, LiveStateShape, StatsShape } from "@switchyard/core"
import * as Effect from "effect/Effect"
import { type BucketFields, refusalOf, reserveArgs, utilizationOfFields } from "./capacity.js"
import type { Connection } from "./connection.js"
import { breakerArgs, type HealthFields, healthViewOf, permitOf } from "./health.js"
import type { Keys } from "./keys.js"
import type { Shared } from "./shared.js"

/**
 * The request gates on Redis. `read`: the stats (fleet summaries, cached) and, per endpoint, the
 * health and bucket hashes — every HMGET issued in the same tick, so one pipelined round trip.
 * `admit`: one script that runs the Health acquire and the bucket reserve atomically on the
 * endpoint's keys (giving a half-open probe back if the bucket refuses) — one round trip. A
 * fail-closed store answers `StateUnavailable` when Redis does not answer; a fail-open one the
 * replica's local gates.
 */
export const makeRedisLiveState = (
  conn: Connection,
  shared: Shared,
  keys: Keys,
  parts: {
    readonly stats: StatsShape
    readonly healthFields: (id: string) => Promise<HealthFields>
    readonly bucketFields: (endpoint: Endpoint) => Promise<BucketFields>
    readonly reservationId: () => string
    readonly breaker: BreakerConfig
  },
  local: LiveStateShape,
): LiveStateShape => {
  const cfg = breakerArgs(parts.breaker)
  const ttl = conn.options.reservationTtlMs
  return {
    status: () => conn.status(),
    read: (endpoints, charges, now) =>
      Effect.clockWith((clock) => {
        const t = now ?? clock.currentTimeMillisUnsafe()
        const n = endpoints.length
        const ids = new Array<string>(n)
        for (let i = 0; i < n; i++) ids[i] = endpoints[i]!.id
        return Effect.flatMap(parts.stats.readMany(ids, t), (stats) =>
          shared.gate(
            () => {
              const health = new Array<Promise<HealthFields>>(n)
              const buckets = new Array<Promise<BucketFields>>(n)
              for (let i = 0; i < n; i++) {
                health[i] = parts.healthFields(ids[i]!)
                buckets[i] = parts.bucketFields(endpoints[i]!)
              }
              return Promise.all([Promise.all(health), Promise.all(buckets)]).then(
                ([h, b]): LiveReads => ({
                  stats,
                  health: h.map((v) => healthViewOf(parts.breaker, v, t)),
                  predicted: b.map((v, i) => utilizationOfFields(endpoints[i]!, v, t, charges[i]!)),
                }),
              )
            },
            local.read(endpoints, charges, t),
          ),
        )
      }),
    admit: (endpoint, charge, options, now) =>
      Effect.clockWith((clock) => {
        const t = now ?? clock.currentTimeMillisUnsafe()
        const id = parts.reservationId()
        return shared.gate(
          () =>
            conn
              .script(
                "syAdmit",
                keys.health(endpoint.id),
                keys.bucket(endpoint.id),
                keys.reservations(endpoint.id),
                ...reserveArgs(endpoint, charge, options, id, t, ttl),
                ...cfg,
              )
              .then((reply) => {
                const r = reply as ReadonlyArray<string>
                if (r[0] === "R") return refusalOf(r)
                const permit = permitOf(r)
                if (permit._tag === "Blocked") return permit
                return {
                  _tag: "Admitted" as const,
                  probe: permit.probe,
                  reservation: {
                    id,
                    endpointId: endpoint.id,
                    charge,
                    outputWeight: endpoint.outputWeight,
                    limits: {
                      tokensPerMinute: endpoint.capacity?.tokensPerMinute,
                      requestsPerMinute: endpoint.capacity?.requestsPerMinute,
                    },
                  },
                }
              }),
          local.admit(endpoint, charge, options, t),
        )
      }),
  }
}
