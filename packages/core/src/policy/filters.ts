import type { Endpoint } from "../catalog/endpoint.js"
import { exceedsMaxPrice } from "./price.js"
import {
  R_BREAKER,
  R_CONTEXT,
  R_COOLDOWN,
  R_IGNORE,
  R_MAX_PRICE,
  R_MAX_TOKENS,
  R_ONLY,
  R_QUANTIZATION,
  R_REQUIRE_PARAMETERS,
  R_TRAINING,
  R_ZDR,
} from "./reasons.js"
import type { PlanSettings } from "./settings.js"
import { matchIndex } from "./slug.js"
import type { EndpointLive } from "./types.js"

/** Empty `supportedParameters` = support unknown = treated as supporting everything. */
export const supports = (endpoint: Endpoint, parameter: string): boolean =>
  endpoint.supportedParameters.size === 0 || endpoint.supportedParameters.has(parameter)

const supportsAll = (endpoint: Endpoint, parameters: ReadonlyArray<string>): boolean => {
  if (endpoint.supportedParameters.size === 0) return true
  for (let i = 0; i < parameters.length; i++) if (!endpoint.supportedParameters.has(parameters[i]!)) return false
  return true
}

/**
 * Hard filters that depend only on the request and the catalog: every rule that drops the
 * endpoint sets its bit (all of them, not just the first).
 */
export const staticMask = (endpoint: Endpoint, s: PlanSettings): number => {
  let mask = 0
  if (s.only.entries.length > 0 && matchIndex(s.only, endpoint) < 0) mask |= R_ONLY
  if (s.ignore.entries.length > 0 && matchIndex(s.ignore, endpoint) >= 0) mask |= R_IGNORE
  if (s.denyDataCollection && endpoint.dataPolicy.collects) mask |= R_TRAINING
  if (s.zdr && !endpoint.dataPolicy.zdr) mask |= R_ZDR
  if (s.maxPrice !== undefined && exceedsMaxPrice(endpoint, s.maxPrice)) mask |= R_MAX_PRICE
  if (s.quantizations !== undefined && !s.quantizations.includes(endpoint.quantization)) mask |= R_QUANTIZATION
  if (s.promptTokens + s.outputTokens > endpoint.contextLength) mask |= R_CONTEXT
  if (s.maxTokens !== undefined && endpoint.maxOutput !== undefined && s.maxTokens > endpoint.maxOutput)
    mask |= R_MAX_TOKENS
  // the catalog's declared support, and what the endpoint's plugin can actually send
  if (s.requireParameters && (!supportsAll(endpoint, s.parameters) || s.unmapped(endpoint).length > 0))
    mask |= R_REQUIRE_PARAMETERS
  return mask
}

/** Filters on live state: cooling down after a 429 (`cooldownUntil` in the future), or breaker open (half-open stays admissible). */
export const liveMask = (live: EndpointLive | undefined, now: number): number => {
  if (live === undefined) return 0
  let mask = 0
  if (live.cooldownUntil !== undefined && live.cooldownUntil > now) mask |= R_COOLDOWN
  if (live.breaker === "open") mask |= R_BREAKER
  return mask
}
