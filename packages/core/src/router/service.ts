import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Ref from "effect/Ref"
import type { Catalog } from "../catalog/catalog.js"
import type { Endpoint } from "../catalog/endpoint.js"
import type { ModelNotFound } from "../errors.js"
import type { Percentiles } from "../policy/types.js"
import type { ProviderClient } from "../provider/contract.js"
import type { LiveStateServices } from "../services/live-state.js"
import type { RouteError } from "./errors.js"
import { makeRouter } from "./make.js"
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

/** The router: the one service the gateway and embedding apps call. */
export class Router extends Context.Service<Router, RouterShape>()("@switchyard/core/Router") {
  /**
   * Requires ActiveDeployment and the live-state services; randomness comes from the `Random` in
   * context when the layer is built. `routerLayer(deployment, options)` provides all of it.
   */
  static readonly layer: Layer.Layer<Router, never, ActiveDeployment | LiveStateServices> = Layer.effect(
    Router,
    makeRouter(),
  )
}

/** What a config (re)load produces: the catalog and a client per provider slug. */
export interface Deployment {
  readonly catalog: Catalog
  readonly clients: ReadonlyMap<string, ProviderClient>
}

export interface ActiveDeploymentShape {
  /** The deployment in force now; a request reads it once and finishes on it. */
  readonly get: Effect.Effect<Deployment>
  /** Swap in a new deployment (config reload). Live stats/health/capacity are keyed by endpoint id and survive. */
  readonly set: (deployment: Deployment) => Effect.Effect<void>
}

/** An ActiveDeployment over a `Ref`: readers get the deployment in force, `set` swaps it atomically. */
export const makeActiveDeployment = (initial: Deployment): Effect.Effect<ActiveDeploymentShape> =>
  Effect.map(Ref.make(initial), (ref) => ({ get: Ref.get(ref), set: (d: Deployment) => Ref.set(ref, d) }))

export class ActiveDeployment extends Context.Service<ActiveDeployment, ActiveDeploymentShape>()(
  "@switchyard/core/ActiveDeployment",
) {
  static readonly layer = (initial: Deployment): Layer.Layer<ActiveDeployment> =>
    Layer.effect(ActiveDeployment, makeActiveDeployment(initial))
}
