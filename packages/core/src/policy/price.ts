import type { Endpoint } from "../catalog/endpoint.js"
import type { MaxPrice } from "../schema/provider-preferences.js"
import type { CacheShares } from "./types.js"

/**
 * The list price the policy ranks endpoints by when nothing is measured: effective (after discount)
 * prompt + completion USD per million tokens. A plain sum keeps the ranking independent of the
 * request's size and is what `sort: "price"` and the 1/price² load balancing compare.
 */
export const blendedPrice = (endpoint: Endpoint): number => endpoint.effectivePrompt + endpoint.effectiveCompletion

/**
 * USD per million prompt tokens as the endpoint has actually been billing them: its prompt price
 * adjusted by the measured shares of prompt tokens read from and written to its prompt cache (each
 * share at its cache price).
 */
export const effectivePromptPrice = (endpoint: Endpoint, shares: CacheShares): number => {
  const read = clampShare(shares.read)
  const write = Math.min(clampShare(shares.write), 1 - read)
  const write1h = Math.min(clampShare(shares.write1h), write)
  return (
    endpoint.effectivePrompt * (1 - read - write) +
    endpoint.effectiveCacheRead * read +
    endpoint.effectiveCacheWrite * (write - write1h) +
    endpoint.effectiveCacheWrite1h * write1h
  )
}

const clampShare = (x: number): number => (x > 0 ? Math.min(x, 1) : 0)

/**
 * The price the policy ranks by (`sort: "price"`, the 1/price² load balancing, ties after `order`): the
 * **effective price** — `effectivePromptPrice` + completion — when Stats measured the endpoint's cache-hit
 * share, else the list price (`blendedPrice`).
 */
export const rankPrice = (endpoint: Endpoint, shares: CacheShares | undefined): number =>
  shares === undefined ? blendedPrice(endpoint) : effectivePromptPrice(endpoint, shares) + endpoint.effectiveCompletion

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
