import * as Effect from "effect/Effect"
import type { RoutingDefaults } from "../catalog/catalog.js"
import type { EndpointLive, Snapshot } from "../policy/types.js"
import { estimateCharge } from "../services/capacity/charge.js"
import type { RouterServices } from "./context.js"
import type { Prepared } from "./prepare.js"

/**
 * Live numbers for every candidate, as the policy reads them: TTFT and throughput percentiles and
 * the last failure (Stats), breaker and cooldown (Health), predicted utilization with this request's
 * charge (CapacityMeter, `estimateCharge`). `recentOutage`: the breaker is not closed, or a failure within
 * `routing.outageWindowMs`. One batched read per service (Stats, then Health, then CapacityMeter), all
 * at `now` (the router's Clock read for this request).
 */
export const buildSnapshot = (
  services: RouterServices,
  routing: RoutingDefaults,
  prepared: Prepared,
  now: number,
): Effect.Effect<Snapshot> => {
  const candidates = prepared.candidates
  const { estimatedPromptTokens, maxTokens } = prepared.planRequest
  const n = candidates.length
  const ids = new Array<string>(n)
  const chargeList = new Array<number>(n)
  for (let i = 0; i < n; i++) {
    const endpoint = candidates[i]!
    ids[i] = endpoint.id
    chargeList[i] = estimateCharge(endpoint, estimatedPromptTokens, maxTokens)
  }
  const { stats, health, capacity } = services
  return Effect.flatMap(stats.readMany(ids, now), (s) =>
    Effect.flatMap(health.readMany(ids, now), (h) =>
      Effect.map(capacity.predictMany(candidates, chargeList, now), (predicted): Snapshot => {
        const endpoints = new Map<string, EndpointLive>()
        for (let i = 0; i < n; i++) {
          const si = s[i]!
          const hi = h[i]!
          endpoints.set(ids[i]!, {
            latency: si.ttft,
            throughput: si.throughput,
            recentOutage:
              hi.breaker !== "closed" ||
              (si.lastFailureAt !== undefined && now - si.lastFailureAt < routing.outageWindowMs),
            cooldownUntil: hi.cooldownUntil,
            breaker: hi.breaker,
            predictedUtilization: predicted[i],
          })
        }
        return { now, endpoints }
      }),
    ),
  )
}
