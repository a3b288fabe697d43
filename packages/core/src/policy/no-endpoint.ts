import { NoEndpoint } from "../errors.js"
import type { PlanRequest, RoutePlan } from "./types.js"

/**
 * The typed error for a plan with no attempts and no escalation, for the router/gateway to fail
 * with. The message names every dropped endpoint with the rules that dropped it, e.g.
 * `No endpoint for google/gemini-2.5-pro-preview satisfies the routing constraints: deepinfra (data_policy:training), …`.
 * Endpoints of a fallback model are named `model@slug`.
 */
export const noEndpointError = (request: PlanRequest, plan: Pick<RoutePlan, "excluded">): NoEndpoint => {
  const primary = request.models[0] ?? ""
  const target = request.models.length > 1 ? request.models.join(", ") : primary
  const parts: Array<string> = []
  for (const excluded of plan.excluded) {
    const name =
      excluded.model === primary && excluded.endpoint.startsWith(`${primary}@`)
        ? excluded.endpoint.slice(primary.length + 1)
        : excluded.endpoint
    parts.push(`${name} (${excluded.reasons.join(", ")})`)
  }
  const detail = parts.length > 0 ? parts.join(", ") : "no candidate endpoints"
  return new NoEndpoint({
    model: primary,
    message: `No endpoint for ${target} satisfies the routing constraints: ${detail}`,
    excluded: plan.excluded,
  })
}
