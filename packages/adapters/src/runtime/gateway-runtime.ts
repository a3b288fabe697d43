import { type Deployment, type LiveStateOptions, routerLayer } from "@switchyard/core"
import * as Layer from "effect/Layer"
import * as ManagedRuntime from "effect/ManagedRuntime"

/** Live-state options (`seed`, per-service options, `backend`: a shared store such as Redis), and telemetry. */
export interface GatewayRuntimeOptions extends LiveStateOptions {
  /**
   * The runtime's loggers and tracer (`loggingLayer`, `tracingLayer`): provided to the Router when it is
   * built, so its spans and log lines go there. Default: Effect's console logger, no tracer.
   */
  readonly telemetry?: Layer.Layer<never> | undefined
}

/**
 * The runtime a gateway runs on, built once per process from `routerLayer`: the Router over the
 * live-state services (in memory, or the shared store given as `options.backend`) and an
 * `ActiveDeployment` holding `initial` (config reloads swap it; live state is keyed by endpoint id
 * and survives). Dispose it on shutdown (it closes the shared store's connection).
 */
export const makeGatewayRuntime = (initial: Deployment, options: GatewayRuntimeOptions = {}) => {
  const { telemetry, ...live } = options
  return ManagedRuntime.make(routerLayer(initial, live).pipe(Layer.provideMerge(telemetry ?? Layer.empty)))
}

export type GatewayRuntime = ReturnType<typeof makeGatewayRuntime>
