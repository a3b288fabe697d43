import * as Effect from "effect/Effect"
import * as Result from "effect/Result"
import { resolveModels } from "../catalog/resolve.js"
import type { ModelNotFound } from "../errors.js"
import type { RouterServices } from "./context.js"
import type { Deployment } from "./deployment.js"
import type { EndpointStatus } from "./router-shape.js"

/**
 * Live view of every endpoint of `model` (alias allowed), in catalog order: one batched read per
 * service (never failing: a shared store that cannot answer shows this replica's local view).
 */
export const endpointStatus = (
  services: RouterServices,
  deployment: Deployment,
  model: string,
): Effect.Effect<ReadonlyArray<EndpointStatus>, ModelNotFound> => {
  const resolved = resolveModels(deployment.catalog, [model])
  if (Result.isFailure(resolved)) return Effect.fail(resolved.failure)
  const endpoints = resolved.success.flatMap((entry) => entry.endpoints)
  const ids = endpoints.map((e) => e.id)
  return Effect.flatMap(services.stats.readMany(ids), (stats) =>
    Effect.flatMap(services.health.readMany(ids), (health) =>
      Effect.map(
        services.capacity.predictMany(
          endpoints,
          endpoints.map(() => 0),
        ),
        (utilization) =>
          endpoints.map(
            (endpoint, i): EndpointStatus => ({
              endpoint,
              latency: stats[i]!.ttft,
              totalLatency: stats[i]!.latency,
              throughput: stats[i]!.throughput,
              uptime: stats[i]!.uptime,
              utilization: utilization[i],
              breaker: health[i]!.breaker,
              cooldownUntil: health[i]!.cooldownUntil,
            }),
          ),
      ),
    ),
  )
}
