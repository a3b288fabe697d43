import type { ConfigInvalid, PluginContext, ProviderClient } from "@switchyard/core"
import type * as Effect from "effect/Effect"
import type * as Schema from "effect/Schema"
import type * as Scope from "effect/Scope"

/** Any plugin, whatever its options type (its `make` only ever receives what its own schema decoded). */
export interface AnyProviderPlugin {
  readonly kind: string
  readonly options: Schema.Decoder<unknown>
  readonly make: (options: never, ctx: PluginContext) => Effect.Effect<ProviderClient, ConfigInvalid, Scope.Scope>
}
