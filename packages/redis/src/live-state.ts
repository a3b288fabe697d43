import type { BreakerConfig, LiveReads, LiveStateShape, StatsShape } from "@switchyard/core"
import * as Effect from "effect/Effect"
import { refusalOf, reservationOf, reserveArgs, utilizationOfFields } from "./capacity.js"
import type { Connection } from "./connection.js"
import { breakerArgs, healthViewOf, permitOf } from "./health.js"
import type { Keys } from "./keys.js"
import type { Shared } from "./shared.js"
import { STATE_FIELDS, type StateFields } from "./state.js"

/**
 * The request gates on Redis. `read`: the stats (fleet summaries, cached) and every candidate's state
 * hash (bucket and Health) in one call (`syRead`), with the conversation's affinity entry (`GETEX`)
 * sent in the same tick: one round trip.
 * `admit`: one script that runs the Health acquire and the bucket reserve atomically on the
 * endpoint's hash (giving a half-open probe back if the bucket refuses): one round trip. A
 * fail-closed store answers `StateUnavailable` when Redis does not answer; a fail-open one, the
 * replica's local gates.
 */
const NO_AFFINITY: Promise<undefined> = Promise.resolve(undefined)

export const makeRedisLiveState = (
  conn: Connection,
  shared: Shared,
  keys: Keys,
  parts: {
    readonly stats: StatsShape
    readonly reservationId: () => string
    readonly breaker: BreakerConfig
    /** The conversation's affinity entry (`GETEX`, sent in the same tick as the state reads). */
    readonly affinity: (key: string) => Promise<string | undefined>
  },
  local: LiveStateShape,
): LiveStateShape => {
  const cfg = breakerArgs(parts.breaker)
  const ttl = conn.options.reservationTtlMs
  return {
    status: () => conn.status(),
    read: (endpoints, charges, now, affinityKey) =>
      Effect.clockWith((clock) => {
        const t = now ?? clock.currentTimeMillisUnsafe()
        const n = endpoints.length
        const ids = new Array<string>(n)
        for (let i = 0; i < n; i++) ids[i] = endpoints[i]!.id
        return Effect.flatMap(parts.stats.readMany(ids, t), (stats) =>
          shared.gate(
            () => {
              const stateKeys = new Array<string>(n)
              for (let i = 0; i < n; i++) stateKeys[i] = keys.state(ids[i]!)
              const states = conn.script("syRead", n, ...stateKeys, ...STATE_FIELDS)
              // issued in the same tick: auto-pipelined with the state reads, one round trip
              const affinity = affinityKey === undefined ? NO_AFFINITY : parts.affinity(affinityKey)
              return Promise.all([states, affinity]).then(([reply, sticky]): LiveReads => {
                const v = reply as ReadonlyArray<StateFields>
                return {
                  stats,
                  health: v.map((s) => healthViewOf(parts.breaker, s, t)),
                  predicted: v.map((s, i) => utilizationOfFields(endpoints[i]!, s, t, charges[i]!)),
                  affinity: sticky,
                }
              })
            },
            local.read(endpoints, charges, t, affinityKey),
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
                keys.state(endpoint.id),
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
                  reservation: reservationOf(endpoint, charge, id),
                }
              }),
          local.admit(endpoint, charge, options, t),
        )
      }),
  }
}
