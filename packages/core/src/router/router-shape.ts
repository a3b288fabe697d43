import type * as Effect from "effect/Effect"
import type { Endpoint } from "../catalog/endpoint.js"
import type { ModelNotFound } from "../errors.js"
import type { Percentiles } from "../policy/types.js"
import type { RouteError } from "./errors.js"
import type { RouteRequest, RouteResult, RouteStream } from "./types.js"

/** Live view of one endpoint, for `GET /v1/models/{id}/endpoints` and dashboards. */
export interface EndpointStatus {
  readonly endpoint: Endpoint
  /** Time to first token, seconds. */
  readonly latency: Percentiles | undefined
  /** Time to the whole response, seconds (absent from views built before it existed). */
  readonly totalLatency?: Percentiles | undefined
  /** Output tokens per second. */
  readonly throughput: Percentiles | undefined
  /** success / (success + failure) over the stats window, rate-limited requests excluded; undefined without data. */
  readonly uptime: number | undefined
  /** Current utilization of the capacity bucket (0..1+), undefined when untracked. */
  readonly utilization: number | undefined
  readonly breaker: "closed" | "open" | "half-open"
  readonly cooldownUntil: number | undefined
}

export interface RouterShape {
  /** Non-streamed completion: resolve → plan → attempts until success or a typed failure. */
  readonly route: (request: RouteRequest) => Effect.Effect<RouteResult, RouteError>
  /**
   * Streamed completion. Resolves once an attempt has produced its first content chunk (fallback happens
   * before that point); fails with a typed error when no attempt gets that far.
   */
  readonly stream: (request: RouteRequest) => Effect.Effect<RouteStream, RouteError>
  readonly endpointStatus: (model: string) => Effect.Effect<ReadonlyArray<EndpointStatus>, ModelNotFound>
}
