/**
 * The real stack for end-to-end tests: the gateway config → `gatewayFromConfig` with `deploymentMaker`
 * (provider plugins, incl. the simulated one) → the real Router → the gateway on a real 127.0.0.1 port.
 */

import type { Server } from "node:http"
import { deploymentMaker } from "@switchyard/providers"
import OpenAI from "openai"
import {
  createNodeServer,
  type Gateway,
  type GatewayRuntime,
  type GatewayRuntimeOptions,
  gatewayFromConfig,
} from "../../src/index.js"
import { listen } from "./listen.js"

export interface Stack {
  readonly url: string
  readonly gateway: Gateway
  readonly server: Server
  readonly runtime: GatewayRuntime
  /** An OpenAI SDK client pointed at the gateway (no retries unless asked). */
  readonly client: (apiKey?: string, maxRetries?: number) => OpenAI
  readonly close: () => Promise<void>
}

/** The built-in plugins, `simulated` among them. */

export const startStack = async (
  config: unknown,
  options: {
    readonly env?: Record<string, string>
    readonly runtime?: GatewayRuntimeOptions
    /** Where the gateway's log lines go (default: nowhere), written at once. */
    readonly logSink?: (text: string) => void
  } = {},
): Promise<Stack> => {
  const env = options.env ?? {}
  const {
    gateway,
    runtime,
    config: loaded,
    close,
  } = await gatewayFromConfig(config, {
    makeDeployment: deploymentMaker({ env }),
    env,
    runtime: { seed: 7, ...options.runtime },
    logSink: options.logSink ?? (() => {}),
    batchLogs: false,
  })
  const node = createNodeServer(gateway, loaded.server)
  const server = await listen(node)
  return {
    url: server.url,
    gateway,
    server: node,
    runtime,
    client: (apiKey = "sk-test", maxRetries = 0) => new OpenAI({ baseURL: `${server.url}/v1`, apiKey, maxRetries }),
    close: async () => {
      await server.close()
      await close()
    },
  }
}
