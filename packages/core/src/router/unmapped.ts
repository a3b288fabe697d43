import type { Endpoint } from "../catalog/endpoint.js"
import type { Deployment } from "./deployment.js"
import type { Prepared } from "./prepare.js"

const NONE: ReadonlyArray<string> = []

/**
 * The request's parameters `endpoint`'s client cannot send (`ProviderClient.unmappedParameters`; none for a
 * client that passes the body through). The policy excludes such endpoints under `require_parameters`;
 * an attempt on one records in the trace what was dropped.
 */
export const unmappedParameters = (
  deployment: Deployment,
  endpoint: Endpoint,
  prepared: Prepared,
): ReadonlyArray<string> => {
  const unmapped = deployment.clients.get(endpoint.provider)?.unmappedParameters
  const parameters = prepared.planRequest.parameters
  return unmapped === undefined || parameters.length === 0 ? NONE : unmapped(parameters, prepared.body)
}
