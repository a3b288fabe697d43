import {
  ActiveDeployment,
  CapacityMeter,
  type Deployment,
  Health,
  type HealthOptions,
  type MemoryCapacityOptions,
  RandomSeeded,
  Router,
  Stats,
  type StatsOptions,
} from "@switchyard/core"
import * as Layer from "effect/Layer"
import * as ManagedRuntime from "effect/ManagedRuntime"

export interface GatewayRuntimeOptions {
  /** Seed of the router's random source (load balancing, jitter): same seed, same decisions. */
  readonly seed?: string | number | undefined
  readonly stats?: StatsOptions | undefined
  readonly health?: HealthOptions | undefined
  readonly capacity?: MemoryCapacityOptions | undefined
  /**
   * The runtime's loggers and tracer (`loggingLayer`, `tracingLayer`): provided to the Router when it is
   * built, so its spans and log lines go there. Default: Effect's console logger, no tracer.
   */
  readonly telemetry?: Layer.Layer<never> | undefined
}

/**
 * The runtime a gateway runs on, built once per process: the Router over the in-memory CapacityMeter,
 * Stats and Health, and an `ActiveDeployment` holding `initial` (config reloads swap it; live state is
 * keyed by endpoint id and survives). Dispose it on shutdown.
 */
export const makeGatewayRuntime = (initial: Deployment, options: GatewayRuntimeOptions = {}) => {
  const services = Layer.mergeAll(
    ActiveDeployment.layer(initial),
    CapacityMeter.layerWith(options.capacity ?? {}),
    Stats.layerWith({ windowMs: initial.catalog.routing.statsWindowMs, ...options.stats }),
    Health.layerWith(options.health ?? {}),
  )
  const random = options.seed === undefined ? Layer.empty : RandomSeeded(options.seed)
  const telemetry = options.telemetry ?? Layer.empty
  return ManagedRuntime.make(
    Router.layer.pipe(Layer.provideMerge(services), Layer.provide(random), Layer.provideMerge(telemetry)),
  )
}

export type GatewayRuntime = ReturnType<typeof makeGatewayRuntime>
