/**
 * The real stack for end-to-end tests: the gateway config → `makeClients` (provider plugins, incl. the
 * simulated one) → the real Router on `makeGatewayRuntime` → the gateway on a real 127.0.0.1 port.
 */

import { makeClients, makePluginRegistry } from "@switchyard/providers"
import { Effect, Exit, Result, Scope } from "effect"
import OpenAI from "openai"
import {
  createGateway,
  createNodeServer,
  decodeGatewayConfig,
  type Gateway,
  type GatewayRuntimeOptions,
  makeGatewayRuntime,
} from "../../src/index.js"
import { listen } from "./listen.js"

export interface Stack {
  readonly url: string
  readonly gateway: Gateway
  readonly runtime: ReturnType<typeof makeGatewayRuntime>
  /** An OpenAI SDK client pointed at the gateway (no retries unless asked). */
  readonly client: (apiKey?: string, maxRetries?: number) => OpenAI
  readonly close: () => Promise<void>
}

/** The built-in plugins, `simulated` among them. */
export const registry = makePluginRegistry()

export const startStack = async (
  config: unknown,
  options: { readonly env?: Record<string, string>; readonly runtime?: GatewayRuntimeOptions } = {},
): Promise<Stack> => {
  const env = options.env ?? {}
  const decoded = Result.getOrThrow(decodeGatewayConfig(config, env))
  const scope = Scope.makeUnsafe()
  const clients = await Effect.runPromise(
    Scope.provide(scope)(makeClients(decoded.catalog.config.providers, registry, env)),
  )
  const runtime = makeGatewayRuntime({ catalog: decoded.catalog, clients }, { seed: 7, ...options.runtime })
  const gateway = createGateway({ runtime, keys: decoded.keys, maxBodyBytes: decoded.maxBodyBytes, log: () => {} })
  const server = await listen(createNodeServer(gateway))
  return {
    url: server.url,
    gateway,
    runtime,
    client: (apiKey = "sk-test", maxRetries = 0) => new OpenAI({ baseURL: `${server.url}/v1`, apiKey, maxRetries }),
    close: async () => {
      await server.close()
      await runtime.dispose()
      await Effect.runPromise(Scope.close(scope, Exit.void))
    },
  }
}
