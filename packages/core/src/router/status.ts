import * as Effect from "effect/Effect"
import * as Result from "effect/Result"
import { resolveModels } from "../catalog/resolve.js"
import type { ModelNotFound } from "../errors.js"
import type { RouterServices } from "./context.js"
import type { Deployment, EndpointStatus } from "./service.js"

/** Live view of every endpoint of `model` (alias allowed), in catalog order. */
export const endpointStatus = (
  services: RouterServices,
  deployment: Deployment,
  model: string,
): Effect.Effect<ReadonlyArray<EndpointStatus>, ModelNotFound> =>
  Effect.gen(function* () {
    const resolved = resolveModels(deployment.catalog, [model])
    if (Result.isFailure(resolved)) return yield* Effect.fail(resolved.failure)
    const out: Array<EndpointStatus> = []
    for (const entry of resolved.success) {
      for (const endpoint of entry.endpoints) {
        const stats = yield* services.stats.read(endpoint.id)
        const health = yield* services.health.read(endpoint.id)
        const utilization = yield* services.capacity.utilization(endpoint)
        out.push({
          endpoint,
          latency: stats.ttft,
          throughput: stats.throughput,
          uptime: stats.uptime,
          utilization,
          breaker: health.breaker,
          cooldownUntil: health.cooldownUntil,
        })
      }
    }
    return out
  })
