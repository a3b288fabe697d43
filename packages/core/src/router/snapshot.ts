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
  readEndpoint(
    {
      services,
      routing,
      prepared,
      now,
      result: { snapshot: { now, endpoints: new Map() }, charges: new Map() },
    },
    0,
  )

interface Building {
  readonly services: RouterServices
  readonly routing: RoutingDefaults
  readonly prepared: Prepared
  readonly now: number
  readonly result: {
    readonly snapshot: { readonly endpoints: Map<string, EndpointLive> }
    readonly charges: Map<string, number>
  } & SnapshotResult
}

/** One candidate per step: Stats, then Health, then the CapacityMeter's prediction with this request's charge. */
const readEndpoint = (b: Building, i: number): Effect.Effect<SnapshotResult> => {
  const candidates = b.prepared.candidates
  if (i >= candidates.length) return Effect.succeed(b.result)
  const { stats, health, capacity } = b.services
  const { estimatedPromptTokens, maxTokens } = b.prepared.planRequest
  const endpoint = candidates[i]!
  const charge = estimateCharge(endpoint, estimatedPromptTokens, maxTokens)
  b.result.charges.set(endpoint.id, charge)
  return Effect.flatMap(stats.read(endpoint.id), (s) =>
    Effect.flatMap(health.read(endpoint.id), (h) =>
      Effect.flatMap(capacity.predict(endpoint, charge), (predictedUtilization) => {
        b.result.snapshot.endpoints.set(endpoint.id, {
          latency: s.ttft,
          throughput: s.throughput,
          recentOutage:
            h.breaker !== "closed" ||
            (s.lastFailureAt !== undefined && b.now - s.lastFailureAt < b.routing.outageWindowMs),
          cooldownUntil: h.cooldownUntil,
          breaker: h.breaker,
          predictedUtilization,
        })
        return readEndpoint(b, i + 1)
      }),
    ),
  )
}
