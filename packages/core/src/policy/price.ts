import type { Endpoint } from "../catalog/endpoint.js"
import type { MaxPrice } from "../schema/provider-preferences.js"

/**
 * The single price the policy ranks endpoints by: effective (after discount) prompt + completion
 * USD per million tokens. A plain sum keeps the ranking independent of the request's size and is
 * what `sort: "price"` and the 1/price² load balancing compare.
 */
export const blendedPrice = (endpoint: Endpoint): number => endpoint.effectivePrompt + endpoint.effectiveCompletion

/** Effective USD per request (list per-request price after discount); 0 when the endpoint has none. */
export const effectiveRequestPrice = (endpoint: Endpoint): number => {
  const request = endpoint.price.request
  if (request === undefined) return 0
  return request * (1 - (endpoint.price.discount ?? 0))
}

/**
 * `max_price` as a hard filter: prompt/completion compare with the effective USD per million
 * tokens, `request` with the effective per-request price. `image`/`audio` are not priced in the
 * catalog and never exclude an endpoint.
 */
export const exceedsMaxPrice = (endpoint: Endpoint, max: MaxPrice): boolean =>
  (max.prompt !== undefined && endpoint.effectivePrompt > max.prompt) ||
  (max.completion !== undefined && endpoint.effectiveCompletion > max.completion) ||
  (max.request !== undefined && effectiveRequestPrice(endpoint) > max.request)
