import * as Layer from "effect/Layer"
import { type LiveStateOptions, type LiveStateServices, liveStateLayer } from "../services/live-state.js"
import { ActiveDeployment, type Deployment, Router } from "./service.js"

/**
 * The Router with everything it needs: `ActiveDeployment` holding `deployment`, and the live-state
 * services from `liveStateLayer` (in memory, or `options.backend`; the stats window follows the
 * catalog's `routing.statsWindowMs`; a seeded Random when `options.seed` is set). The Promise façade,
 * the gateway runtime and the simulator are all built from this one layer.
 */
export const routerLayer = (
  deployment: Deployment,
  options: LiveStateOptions = {},
): Layer.Layer<Router | ActiveDeployment | LiveStateServices> =>
  Router.layer.pipe(
    Layer.provideMerge(
      Layer.merge(ActiveDeployment.layer(deployment), liveStateLayer(deployment.catalog.routing, options)),
    ),
  )
