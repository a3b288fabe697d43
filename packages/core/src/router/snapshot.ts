import { Effect } from "effect"
import type { RoutingDefaults } from "../catalog/catalog.js"
import type { EndpointLive, Snapshot } from "../policy/types.js"
import { estimateCharge } from "../services/capacity/charge.js"
import type { RouterServices } from "./context.js"
import type { Prepared } from "./prepare.js"

export interface SnapshotResult {
  readonly snapshot: Snapshot
  /** Estimated charge (tokens) of this request per endpoint id. */
  readonly charges: ReadonlyMap<string, number>
}

/**
 * Live numbers for every candidate, as the policy reads them: TTFT and throughput percentiles and
 * the last failure (Stats), breaker and cooldown (Health), predicted utilization with this request's
 * charge (CapacityMeter). `recentOutage`: the breaker is not closed, or a failure within
 * `routing.outageWindowMs`.
 */
export const buildSnapshot = (
  services: RouterServices,
  routing: RoutingDefaults,
  prepared: Prepared,
  now: number,
): Effect.Effect<SnapshotResult> =>
  Effect.gen(function* () {
    const endpoints = new Map<string, EndpointLive>()
    const charges = new Map<string, number>()
    const { estimatedPromptTokens, maxTokens } = prepared.planRequest
    for (const endpoint of prepared.candidates) {
      const charge = estimateCharge(endpoint, estimatedPromptTokens, maxTokens)
      charges.set(endpoint.id, charge)
      const stats = yield* services.stats.read(endpoint.id)
      const health = yield* services.health.read(endpoint.id)
      const predictedUtilization = yield* services.capacity.predict(endpoint, charge)
      endpoints.set(endpoint.id, {
        latency: stats.ttft,
        throughput: stats.throughput,
        recentOutage:
          health.breaker !== "closed" ||
          (stats.lastFailureAt !== undefined && now - stats.lastFailureAt < routing.outageWindowMs),
        cooldownUntil: health.cooldownUntil,
        breaker: health.breaker,
        predictedUtilization,
      })
    }
    return { snapshot: { now, endpoints }, charges }
  })
