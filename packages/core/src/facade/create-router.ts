import * as Effect from "effect/Effect"
import * as ManagedRuntime from "effect/ManagedRuntime"
import * as Stream from "effect/Stream"
import type { Catalog } from "../catalog/catalog.js"
import type { Endpoint } from "../catalog/endpoint.js"
import type { JsonObject, ProviderClient } from "../provider/contract.js"
import { routerLayer } from "../router/layer.js"
import type { EndpointStatus } from "../router/service.js"
import { ActiveDeployment, type Deployment, Router } from "../router/service.js"
import type { RouteRequest, RouteResult, RouteTrace } from "../router/types.js"
import { requestDecoderSync } from "../schema/decode.js"
import { RoutingRequest } from "../schema/routing-request.js"
import type { LiveStateOptions } from "../services/live-state.js"

/** Catalog and clients, plus the live-state options (`seed`, per-service options, `backend`: e.g. Redis). */
export interface CreateRouterOptions extends LiveStateOptions {
  readonly catalog: Catalog
  /** A client per provider slug. */
  readonly clients: ReadonlyMap<string, ProviderClient> | Readonly<Record<string, ProviderClient>>
}

/** Per-call options of the façade. */
export interface CallOptions {
  readonly keyDefaults?: RouteRequest["keyDefaults"]
  readonly requestId?: string
  readonly timeoutMs?: number
  /** Aborting cancels the upstream call and refunds its capacity. */
  readonly signal?: AbortSignal
}

/** A routed stream: iterate it for the chunks; `trace` settles once it has ended. */
export interface RoutedStream extends AsyncIterable<JsonObject> {
  readonly endpoint: Endpoint
  readonly trace: Promise<RouteTrace>
}

export interface PromiseRouter {
  /** Route a non-streamed chat completion. Rejects with the typed `RouteError` (or `InvalidRequest`). */
  readonly route: (body: JsonObject, options?: CallOptions) => Promise<RouteResult>
  /** Route a streamed chat completion; resolves once an endpoint produced its first content chunk. */
  readonly stream: (body: JsonObject, options?: CallOptions) => Promise<RoutedStream>
  readonly status: (model: string) => Promise<ReadonlyArray<EndpointStatus>>
  /** Swap catalog and clients (config reload); live stats/health/capacity survive, keyed by endpoint id. */
  readonly setDeployment: (deployment: Deployment) => Promise<void>
  readonly dispose: () => Promise<void>
}

const decode = requestDecoderSync(RoutingRequest)

const toMap = (clients: CreateRouterOptions["clients"]): ReadonlyMap<string, ProviderClient> =>
  clients instanceof Map ? clients : new Map(Object.entries(clients as Record<string, ProviderClient>))

/**
 * The Promise façade for code that does not use Effect: one `ManagedRuntime` (built on first use,
 * kept until `dispose`) over `routerLayer` — the live state in memory unless `options.backend` names
 * a shared store, a seeded Random when `options.seed` is set.
 */
export const createRouter = (options: CreateRouterOptions): PromiseRouter => {
  const deployment: Deployment = { catalog: options.catalog, clients: toMap(options.clients) }
  const runtime = ManagedRuntime.make(routerLayer(deployment, options))

  const request = (body: JsonObject, o: CallOptions | undefined): RouteRequest => {
    const decoded = decode(body)
    if (!decoded.ok) throw decoded.error
    return {
      body,
      routing: decoded.value,
      ...(o?.keyDefaults === undefined ? {} : { keyDefaults: o.keyDefaults }),
      ...(o?.requestId === undefined ? {} : { requestId: o.requestId }),
      ...(o?.timeoutMs === undefined ? {} : { timeoutMs: o.timeoutMs }),
    }
  }
  const run = (o: CallOptions | undefined) => (o?.signal === undefined ? undefined : { signal: o.signal })

  return {
    route: async (body, o) => {
      const req = request(body, o)
      return runtime.runPromise(
        Router.use((r) => r.route(req)),
        run(o),
      )
    },
    stream: async (body, o) => {
      const req = request(body, o)
      const routed = await runtime.runPromise(
        Router.use((r) => r.stream(req)),
        run(o),
      )
      const context = await runtime.context()
      const chunks = Stream.toAsyncIterableWith(context)(routed.chunks)
      return {
        endpoint: routed.endpoint,
        trace: runtime.runPromise(routed.trace),
        [Symbol.asyncIterator]: () => chunks[Symbol.asyncIterator](),
      }
    },
    status: (model) => runtime.runPromise(Router.use((r) => r.endpointStatus(model))),
    setDeployment: (d) => runtime.runPromise(Effect.flatMap(ActiveDeployment, (a) => a.set(d))),
    dispose: () => runtime.dispose(),
  }
}
