import * as Context from "effect/Context"

/**
 * Whether the router writes each plan's explanation — every planned attempt's `reasons` and the plan's `steps`, in
 * the trace (`RouteTrace.plan`) — when the router is built (default true). With false they are empty and every
 * decision is the same: for a caller that never reads them (the simulator, a million requests a run), they are
 * strings built per request for nothing. Provide it to `routerLayer` (`Layer.succeed(ExplainPlans, false)`).
 */
export const ExplainPlans = Context.Reference<boolean>("@switchyard/core/ExplainPlans", { defaultValue: () => true })
