/**
 * Plugins by kind.
 *
 *   makePluginRegistry(extra?) → PluginRegistry      builtins + your plugins (a later plugin of the same kind wins)
 *   builtinPlugins                                   the plugins shipped in this package (builtin.ts)
 *   AnyProviderPlugin                                a plugin whatever its options type (any-plugin.ts)
 */
import type { ConfigInvalid, PluginContext, ProviderClient, ProviderPlugin } from "@switchyard/core"
import type * as Effect from "effect/Effect"
import type * as Scope from "effect/Scope"
import type { AnyProviderPlugin } from "./any-plugin.js"
import { builtinPlugins } from "./builtin.js"

export type { AnyProviderPlugin }

export type PluginRegistry = ReadonlyMap<string, AnyProviderPlugin>

export const makePluginRegistry = (extra: ReadonlyArray<AnyProviderPlugin> = []): PluginRegistry =>
  new Map([...builtinPlugins, ...extra].map((p) => [p.kind, p] as const))

/** Call `plugin.make` with options its own schema decoded (the one place the option type is erased). */
export const makeWithDecoded = (
  plugin: AnyProviderPlugin,
  decoded: unknown,
  ctx: PluginContext,
): Effect.Effect<ProviderClient, ConfigInvalid, Scope.Scope> =>
  (plugin as unknown as ProviderPlugin<unknown>).make(decoded, ctx)

export { builtinPlugins }
