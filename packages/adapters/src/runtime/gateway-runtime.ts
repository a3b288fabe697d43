import { type Deployment, type LiveStateOptions, routerLayer } from "@switchyard/core"
import * as ManagedRuntime from "effect/ManagedRuntime"

/** Live-state options (`seed`, per-service options, `backend`: a shared store such as Redis). */
export type GatewayRuntimeOptions = LiveStateOptions

/**
 * The runtime a gateway runs on, built once per process from `routerLayer`: the Router over the
 * live-state services (in memory, or the shared store given as `options.backend`) and an
 * `ActiveDeployment` holding `initial` (config reloads swap it; live state is keyed by endpoint id
 * and survives). Dispose it on shutdown (it closes the shared store's connection).
 */
export const makeGatewayRuntime = (initial: Deployment, options: GatewayRuntimeOptions = {}) =>
  ManagedRuntime.make(routerLayer(initial, options))

export type GatewayRuntime = ReturnType<typeof makeGatewayRuntime>
