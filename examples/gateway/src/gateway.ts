import { readFile } from "node:fs/promises"
import type { Server } from "node:http"
import type { AddressInfo } from "node:net"
import {
  ConfigReloader,
  closeNodeServer,
  createNodeServer,
  type Gateway,
  gatewayFromConfig,
} from "@switchyard/adapters"
import { ConfigInvalid } from "@switchyard/core"
import { deploymentMaker, makePluginRegistry } from "@switchyard/providers"
import { RedisState } from "@switchyard/redis"
import { defaultConfig } from "./default-config.js"

export interface GatewayOptions {
  /** A config file (catalog + `gateway` section). Absent: the embedded default config (simulated providers). */
  readonly configFile?: string | undefined
  readonly port?: number | undefined
  readonly host?: string | undefined
  readonly env?: Readonly<Record<string, string | undefined>> | undefined
  readonly log?: ((line: string) => void) | undefined
  /** Debounce of config-file reloads (ms). */
  readonly reloadDebounceMs?: number | undefined
}

export interface RunningGateway {
  readonly url: string
  readonly gateway: Gateway
  readonly server: Server
  readonly reloader: ConfigReloader | undefined
  /** Stop accepting connections, let in-flight requests finish, release every resource. */
  readonly close: () => Promise<void>
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
 * Start the gateway: validate the config, build the provider clients, the router runtime (once), the
 * gateway handler and a `node:http` server; with a config file, reload it on change or SIGHUP.
 */
export const startGateway = async (options: GatewayOptions = {}): Promise<RunningGateway> => {
  const env = options.env ?? process.env
  const log = options.log ?? ((line: string) => console.error(line))
  const file = options.configFile === undefined ? undefined : await readConfigFile(options.configFile)
  const makeDeployment = deploymentMaker({ registry, env })
  const {
    gateway,
    runtime,
    scope,
    close: release,
  } = await gatewayFromConfig(withRedisFromEnv(file?.json ?? defaultConfig, env), {
    makeDeployment,
    makeState: RedisState.fromConfig,
    env,
    log,
  }).catch((e: unknown) => {
    throw e instanceof ConfigInvalid ? new StartupConfigError(e) : e
  })
  await gateway.ready()
  const server = createNodeServer(gateway)
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
          log,
          currentScope: scope,
          currentText: file?.text,
          debounceMs: options.reloadDebounceMs,
        }).start()
  const address = server.address() as AddressInfo
  const url = `http://${address.address.includes(":") ? `[${address.address}]` : address.address}:${address.port}`

  let closing: Promise<void> | undefined
  const close = () => {
    closing ??= (async () => {
      await closeNodeServer(server)
      if (reloader) {
        // the reloader owns whichever deployment is current now
        await reloader.close(true)
        await runtime.dispose()
      } else await release()
    })()
    return closing
  }
  return { url, gateway, server, reloader, close }
}
