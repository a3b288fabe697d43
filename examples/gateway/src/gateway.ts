import { readFile } from "node:fs/promises"
import type { Server } from "node:http"
import type { AddressInfo } from "node:net"
import {
  type ClosedServer,
  ConfigReloader,
  closeNodeServer,
  createNodeServer,
  DEFAULT_NODE_SERVER_LIMITS,
  type Gateway,
  type GatewayConfig,
  type GatewayFromConfigOptions,
  gatewayFromConfig,
  type LogSink,
} from "@switchyard/adapters"
import { ConfigInvalid } from "@switchyard/core"
import { deploymentMaker, makePluginRegistry } from "@switchyard/providers"
import * as Effect from "effect/Effect"
import { defaultConfig } from "./default-config.js"

export interface GatewayOptions {
  /** A config file (catalog + `gateway` section). Absent: the embedded default config (simulated providers). */
  readonly configFile?: string | undefined
  readonly port?: number | undefined
  readonly host?: string | undefined
  readonly env?: Readonly<Record<string, string | undefined>> | undefined
  /** Where log lines go (default stdout); level and format come from the config's `logging` section. */
  readonly logSink?: LogSink | undefined
  /** Write each log line at once instead of in 50 ms batches (tests). */
  readonly batchLogs?: boolean | undefined
  /** Debounce of config-file reloads (ms). */
  readonly reloadDebounceMs?: number | undefined
  /** Record request shapes to this JSONL file (`gateway.capture.path`, over the config's), for `pnpm simulate --trace`. */
  readonly capture?: string | undefined
}

export interface RunningGateway {
  readonly url: string
  readonly gateway: Gateway
  /** The config in force at start (logging, keys, catalog). */
  readonly config: GatewayConfig
  readonly server: Server
  readonly reloader: ConfigReloader | undefined
  /** The model ids of the config the gateway started with. */
  readonly models: ReadonlyArray<string>
  /** `gateway.shutdownGraceMs` (default 30 s): how long `close` lets in-flight requests and streams go on. */
  readonly shutdownGraceMs: number
  /**
   * Stop accepting connections, let in-flight requests finish for up to `shutdownGraceMs` (then end open
   * streams in-band and answer unanswered requests 503), release every resource. Resolves with how many
   * responses the grace cut.
   */
  readonly close: () => Promise<ClosedServer>
}

/** The config is invalid (the message has the path of the first problem, or the missing variable). */
export class StartupConfigError extends Error {
  constructor(readonly config: ConfigInvalid) {
    super(config.message)
  }
}

const registry = makePluginRegistry()

const readConfigFile = async (file: string): Promise<{ json: unknown; text: string }> => {
  const text = await readFile(file, "utf8")
  try {
    return { json: JSON.parse(text), text }
  } catch (e) {
    const message = `Invalid gateway config: ${file} is not valid JSON: ${e instanceof Error ? e.message : String(e)}`
    throw new StartupConfigError(new ConfigInvalid({ message, path: null, issues: [] }))
  }
}

/** The config with `gateway.capture.path` set (the rest of `gateway.capture` kept). */
const withCapture = (json: unknown, path: string | undefined): unknown => {
  if (path === undefined || json === null || typeof json !== "object" || Array.isArray(json)) return json
  const config = json as { readonly gateway?: { readonly capture?: object } }
  return { ...config, gateway: { ...config.gateway, capture: { ...config.gateway?.capture, path } } }
}

/**
 * `SWITCHYARD_REDIS_URL` (e.g. `redis://127.0.0.1:6379`): share the live state through that Redis,
 * unless the config has a `state` section of its own. Lets several replicas of the default config
 * share one endpoint table without writing a config file.
 */
const withRedisFromEnv = (json: unknown, env: Readonly<Record<string, string | undefined>>): unknown => {
  const url = env.SWITCHYARD_REDIS_URL
  if (url === undefined || url === "" || json === null || typeof json !== "object" || "state" in json) return json
  return { ...json, state: { redis: { url } } }
}

/**
 * The shared-state store of a config with a `state.redis` section: `@switchyard/redis` is loaded only
 * then (a gateway on in-memory state does not carry the Redis client).
 */
const stateMaker = async (json: unknown): Promise<GatewayFromConfigOptions["makeState"]> => {
  const state = json !== null && typeof json === "object" ? (json as { state?: unknown }).state : undefined
  if (state === null || typeof state !== "object" || !("redis" in state)) return undefined
  return (await import("@switchyard/redis")).RedisState.fromConfig
}

/**
 * Start the gateway: validate the config, build the provider clients, the router runtime (once), the
 * gateway handler and a `node:http` server; with a config file, reload it on change or SIGHUP.
 */
export const startGateway = async (options: GatewayOptions = {}): Promise<RunningGateway> => {
  const env = options.env ?? process.env
  const file = options.configFile === undefined ? undefined : await readConfigFile(options.configFile)
  const makeDeployment = deploymentMaker({ registry, env })
  const json = withCapture(withRedisFromEnv(file?.json ?? defaultConfig, env), options.capture)
  const {
    gateway,
    runtime,
    config,
    scope,
    close: release,
  } = await gatewayFromConfig(json, {
    makeDeployment,
    makeState: await stateMaker(json),
    env,
    logSink: options.logSink,
    batchLogs: options.batchLogs,
  }).catch((e: unknown) => {
    throw e instanceof ConfigInvalid ? new StartupConfigError(e) : e
  })
  await gateway.ready()
  const server = createNodeServer(gateway, config.server)
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject)
    server.listen(options.port ?? 8787, options.host ?? "127.0.0.1", () => {
      server.off("error", reject)
      resolve()
    })
  })
  const reloader =
    options.configFile === undefined
      ? undefined
      : new ConfigReloader({
          file: options.configFile,
          runtime,
          gateway,
          makeDeployment,
          env,
          currentScope: scope,
          currentText: file?.text,
          debounceMs: options.reloadDebounceMs,
        }).start()
  const address = server.address() as AddressInfo
  const url = `http://${address.address.includes(":") ? `[${address.address}]` : address.address}:${address.port}`
  await runtime.runPromise(
    Effect.logInfo("listening", {
      url,
      port: address.port,
      config: options.configFile ?? "embedded default",
      models: config.catalog.models.size,
      endpoints: config.catalog.endpoints.length,
    }),
  )

  const shutdownGraceMs = config.server.shutdownGraceMs ?? DEFAULT_NODE_SERVER_LIMITS.shutdownGraceMs
  let closing: Promise<ClosedServer> | undefined
  const close = () => {
    closing ??= (async () => {
      const closed = await closeNodeServer(server)
      if (closed.cut > 0)
        await runtime.runPromise(
          Effect.logWarning("shutdown grace over: open responses ended (streams in-band, 503 otherwise)", {
            cut: closed.cut,
            graceMs: shutdownGraceMs,
          }),
        )
      if (reloader) {
        await gateway.close()
        // the reloader owns whichever deployment is current now
        await reloader.close(true)
        await runtime.dispose()
      } else await release()
      return closed
    })()
    return closing
  }
  return {
    url,
    gateway,
    config,
    server,
    reloader,
    models: [...config.catalog.models.keys()],
    shutdownGraceMs,
    close,
  }
}
