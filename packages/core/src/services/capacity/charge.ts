import type { Endpoint } from "../../catalog/endpoint.js"
import type { Usage } from "../../provider/usage.js"

/**
 * Estimated charge of a request on an endpoint's meter, in tokens: prompt tokens (estimated) plus
 * the expected output — `max_tokens` when the request sets it, else the endpoint's default — times
 * the endpoint's output weight (PT burndown: output counts N× input).
 */
export const estimateCharge = (endpoint: Endpoint, promptTokens: number, maxTokens: number | undefined): number =>
  promptTokens + (maxTokens ?? endpoint.defaultMaxTokens) * endpoint.outputWeight

/** Actual charge once usage is known: cached prompt tokens are free (as PT meters deduct them), output weighted. */
export const usageCharge = (outputWeight: number, usage: Usage): number =>
  Math.max(0, usage.promptTokens - usage.cachedTokens) + usage.completionTokens * outputWeight
