import type { ActiveDeployment, Catalog, ConfigInvalid, Deployment } from "@switchyard/core"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Scope from "effect/Scope"

/** Build the provider clients for a catalog (the gateway passes the providers registry's `makeClients`). */
export type MakeDeployment = (catalog: Catalog) => Effect.Effect<Deployment, ConfigInvalid, Scope.Scope>

export interface BuiltDeployment {
  readonly deployment: Deployment
  /** Owns the deployment's resources (connection pools); closed when the deployment is retired. */
  readonly scope: Scope.Closeable
}

/** Build a deployment in a scope of its own; on failure nothing is left open. */
export const buildDeployment = async (
  make: MakeDeployment,
  catalog: Catalog,
): Promise<Exit.Exit<BuiltDeployment, ConfigInvalid>> => {
  const scope = Scope.makeUnsafe()
  const exit = await Effect.runPromiseExit(Scope.provide(scope)(make(catalog)))
  if (Exit.isFailure(exit)) {
    await Effect.runPromise(Scope.close(scope, exit))
    return Exit.failCause(exit.cause)
  }
  return Exit.succeed({ deployment: exit.value, scope })
}

/** The `ActiveDeployment` swap, as an effect to run on the gateway's runtime. */
export type SetDeployment = (deployment: Deployment) => Effect.Effect<void, never, ActiveDeployment>
