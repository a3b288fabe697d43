import type { Catalog, ConfigInvalid, Deployment } from "@switchyard/core"
import * as Effect from "effect/Effect"
import type * as Scope from "effect/Scope"
import { makeClients } from "./make-clients.js"
import { makePluginRegistry, type PluginRegistry } from "./registry.js"

/**
 * A catalog → its deployment (the catalog and one client per provider slug), for `gatewayFromConfig`'s
 * `makeDeployment` and config reloads:
 *
 *   gatewayFromConfig(config, { makeDeployment: deploymentMaker({ env }) })
 *
 * `registry`: the plugins (default: the built-in ones); `env`: where `{ "env": "NAME" }` secrets are read
 * (default `process.env`).
 */
export const deploymentMaker =
  (
    options: {
      readonly registry?: PluginRegistry | undefined
      readonly env?: Readonly<Record<string, string | undefined>> | undefined
    } = {},
  ): ((catalog: Catalog) => Effect.Effect<Deployment, ConfigInvalid, Scope.Scope>) =>
  (catalog) =>
    Effect.map(
      makeClients(catalog.config.providers, options.registry ?? makePluginRegistry(), options.env ?? process.env),
      (clients) => ({ catalog, clients }),
    )
