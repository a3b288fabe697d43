import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Ref from "effect/Ref"
import type { Catalog } from "../catalog/catalog.js"
import type { ProviderClient } from "../provider/contract.js"
import { withTwin } from "../services/twin.js"

/** What a config (re)load produces: the catalog and a client per provider slug. */
export interface Deployment {
  readonly catalog: Catalog
  readonly clients: ReadonlyMap<string, ProviderClient>
}

export interface ActiveDeploymentShape {
  /** The deployment in force now; a request reads it once and finishes on it. */
  readonly get: Effect.Effect<Deployment>
  /** Swap in a new deployment (config reload). Live stats/health/capacity are keyed by endpoint id and survive. */
  readonly set: (deployment: Deployment) => Effect.Effect<void>
}

/** `ActiveDeploymentShape.get`, synchronous (`withTwin`): the deployment in force now. */
export interface ActiveDeploymentTwin {
  readonly current: () => Deployment
}

/** An ActiveDeployment over a `Ref`: readers get the deployment in force, `set` swaps it atomically. */
export const makeActiveDeployment = (initial: Deployment): Effect.Effect<ActiveDeploymentShape> =>
  Effect.map(Ref.make(initial), (ref) =>
    withTwin<ActiveDeploymentShape, ActiveDeploymentTwin>(
      { get: Ref.get(ref), set: (d: Deployment) => Ref.set(ref, d) },
      { current: () => Ref.getUnsafe(ref) },
    ),
  )

export class ActiveDeployment extends Context.Service<ActiveDeployment, ActiveDeploymentShape>()(
  "@switchyard/core/ActiveDeployment",
) {
  static readonly layer = (initial: Deployment): Layer.Layer<ActiveDeployment> =>
    Layer.effect(ActiveDeployment, makeActiveDeployment(initial))
}
