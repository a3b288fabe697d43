import * as Context from "effect/Context"

/**
 * Whether the router explains each plan — every planned attempt's `reasons` and the plan's `steps`, in the trace
 * (`RouteTrace.plan`) — when the router is built (default true). The text is written when first read (most traces'
 * plans never are: the gateway's metrics and log line read attempts, usage and cost); until then a plan keeps what it
 * is written from. With false they are empty and every decision is the same: for a caller that never reads them (the
 * simulator, a million requests a run) not even that is kept. Provide it to `routerLayer`
 * (`Layer.succeed(ExplainPlans, false)`).
 */
export const ExplainPlans = Context.Reference<boolean>("@switchyard/core/ExplainPlans", { defaultValue: () => true })
