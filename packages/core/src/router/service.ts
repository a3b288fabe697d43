import * as Context from "effect/Context"
import * as Layer from "effect/Layer"
import type { LiveStateServices } from "../services/live-state.js"
import type { ActiveDeployment } from "./deployment.js"
import { makeRouter } from "./make.js"
import type { RouterShape } from "./router-shape.js"

export * from "./deployment.js"
export type { EndpointStatus, RouterShape } from "./router-shape.js"

/** The router: the one service the gateway and embedding apps call. */
export class Router extends Context.Service<Router, RouterShape>()("@switchyard/core/Router") {
  /**
   * Requires ActiveDeployment and the live-state services; randomness comes from the `Random` in
   * context when the layer is built. `routerLayer(deployment, options)` provides all of it.
   */
  static readonly layer: Layer.Layer<Router, never, ActiveDeployment | LiveStateServices> = Layer.effect(
    Router,
    makeRouter(),
  )
}
