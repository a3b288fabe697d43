import { ConfigInvalid, type LiveStateBackend, makeRedactor, routingWarnings } from "@switchyard/core"
import * as Cause from "effect/Cause"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Layer from "effect/Layer"
import * as Result from "effect/Result"
import * as Scope from "effect/Scope"
import { CaptureWriter } from "../capture/writer.js"
import { buildDeployment, type MakeDeployment } from "../config/deployments.js"
import { decodeGatewayConfig, type GatewayConfig, type StateConfig } from "../config/gateway-config.js"
import { createGateway, type Gateway } from "../handler/gateway.js"
import { type LogSink, loggingLayer, logsInfo } from "../logging/line-logger.js"
import { type GatewayRuntime, type GatewayRuntimeOptions, makeGatewayRuntime } from "./gateway-runtime.js"

export interface GatewayFromConfigOptions {
  /** Build the provider clients for a catalog: `deploymentMaker()` from `@switchyard/providers` (see the examples). */
  readonly makeDeployment: MakeDeployment
  /** Environment for `{ "env": "NAME" }` secrets and `SWITCHYARD_KEYS` (default `process.env`). */
  readonly env?: Readonly<Record<string, string | undefined>> | undefined
  /**
   * Build the shared live-state store from the config's `state` section: `RedisState.fromConfig`
   * from `@switchyard/redis`. Needed only when the config has one; without a `state` section the
   * live state stays in this process's memory.
   */
  readonly makeState?: ((state: StateConfig) => LiveStateBackend) | undefined
  readonly runtime?: GatewayRuntimeOptions | undefined
  /**
   * Where log lines go (default stdout). The config's `logging` section sets level and format; lines
   * are written in batches every 50 ms unless `batchLogs: false`.
   */
  readonly logSink?: LogSink | undefined
  readonly batchLogs?: boolean | undefined
}

export interface ConfiguredGateway {
  readonly gateway: Gateway
  readonly runtime: GatewayRuntime
  readonly config: GatewayConfig
  /** Owns the provider clients (connection pools) of the initial deployment. */
  readonly scope: Scope.Closeable
  /** Dispose the runtime and close the provider clients. */
  readonly close: () => Promise<void>
}

const stateBackend = (
  state: StateConfig | undefined,
  makeState: GatewayFromConfigOptions["makeState"],
): LiveStateBackend | undefined => {
  if (state?.redis === undefined) return undefined
  if (makeState === undefined)
    throw new ConfigInvalid({
      message:
        "Invalid gateway config: state.redis: this program has no shared-state store; pass makeState: RedisState.fromConfig (from @switchyard/redis) to gatewayFromConfig",
      path: "state.redis",
      issues: ["state.redis: no makeState given to gatewayFromConfig"],
    })
  return makeState(state)
}

/**
 * Everything an embedding app needs, from a config object (catalog + optional `gateway` section):
 * validated config → provider clients → router runtime → gateway handler, each built once. Rejects with
 * the `ConfigInvalid` (path-precise message) when the config or a provider's options are invalid.
 */
export const gatewayFromConfig = async (
  json: unknown,
  options: GatewayFromConfigOptions,
): Promise<ConfiguredGateway> => {
  const decoded = decodeGatewayConfig(json, options.env ?? process.env)
  if (Result.isFailure(decoded)) throw decoded.failure
  const config = decoded.success
  const backend = stateBackend(config.state, options.makeState)
  const built = await buildDeployment(options.makeDeployment, config.catalog)
  if (Exit.isFailure(built)) {
    const error = Cause.findErrorOption(built.cause)
    throw error._tag === "Some" ? error.value : new Error(Cause.pretty(built.cause))
  }
  const { deployment, scope } = built.value
  const logging = loggingLayer(config.logging, options.logSink, {
    batched: options.batchLogs !== false,
    redact: makeRedactor(config.secrets),
  })
  // the OTLP exporter (and its HTTP client) is loaded only when tracing is configured
  const telemetry =
    config.tracing === undefined
      ? logging
      : Layer.merge(logging, (await import("../tracing/layer.js")).tracingLayer(config.tracing))
  // the config's breaker settings, under what the embedding program passed in code
  const health =
    config.breaker === undefined
      ? options.runtime?.health
      : { ...options.runtime?.health, breaker: { ...config.breaker, ...options.runtime?.health?.breaker } }
  const runtimeOptions = { telemetry, ...options.runtime, ...(health === undefined ? {} : { health }) }
  const runtime = makeGatewayRuntime(
    deployment,
    backend === undefined ? runtimeOptions : { ...runtimeOptions, backend },
  )
  const capture =
    config.capture === undefined
      ? undefined
      : new CaptureWriter({
          ...config.capture,
          onError: (e) =>
            void runtime.runPromise(
              Effect.logWarning("capture file error", { path: config.capture?.path, error: e.message }),
            ),
        })
  const gateway = createGateway({
    runtime,
    keys: config.keys,
    adminKeys: config.adminKeys,
    logRequests: logsInfo(config.logging),
    maxBodyBytes: config.maxBodyBytes,
    maxJsonDepth: config.maxJsonDepth,
    corsOrigin: config.corsOrigin,
    secrets: config.secrets,
    capture,
  })
  gateway.startMonitor()
  for (const warning of routingWarnings(config.catalog.routing)) await runtime.runPromise(Effect.logWarning(warning))
  return {
    gateway,
    runtime,
    config,
    scope,
    close: async () => {
      await gateway.close()
      await capture?.close()
      await runtime.dispose()
      await Effect.runPromise(Scope.close(scope, Exit.void))
    },
  }
}
