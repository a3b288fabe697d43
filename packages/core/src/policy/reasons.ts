import type { ExclusionReason } from "../errors.js"

/**
 * Exclusion reasons as bits, so the policy can record every rule that drops an endpoint in one
 * number and turn it into the `ExclusionReason[]` of the plan only at the end.
 * Bit order = the order reasons are listed in `excluded[].reasons`.
 */
export const REASON_ORDER: ReadonlyArray<ExclusionReason> = [
  "allowed_providers",
  "ignored_providers",
  "data_policy:training",
  "data_policy:zdr",
  "max_price",
  "quantization",
  "context_length",
  "max_tokens",
  "require_parameters",
  "tools_unsupported",
  "response_format_unsupported",
  "cooldown",
  "breaker_open",
  "pool:provisioned",
  "not_in_order",
  "capacity",
]

export const R_ONLY = 1 << 0
export const R_IGNORE = 1 << 1
export const R_TRAINING = 1 << 2
export const R_ZDR = 1 << 3
export const R_MAX_PRICE = 1 << 4
export const R_QUANTIZATION = 1 << 5
export const R_CONTEXT = 1 << 6
export const R_MAX_TOKENS = 1 << 7
export const R_REQUIRE_PARAMETERS = 1 << 8
export const R_TOOLS = 1 << 9
export const R_RESPONSE_FORMAT = 1 << 10
export const R_COOLDOWN = 1 << 11
export const R_BREAKER = 1 << 12
export const R_POOL = 1 << 13
export const R_NOT_IN_ORDER = 1 << 14

/** Reasons that come from the request and the catalog alone (not live state, not the pool rule). */
export const STATIC_REASONS =
  R_ONLY |
  R_IGNORE |
  R_TRAINING |
  R_ZDR |
  R_MAX_PRICE |
  R_QUANTIZATION |
  R_CONTEXT |
  R_MAX_TOKENS |
  R_REQUIRE_PARAMETERS

const cache = new Map<number, ReadonlyArray<ExclusionReason>>()

/** The reasons of a mask, in `REASON_ORDER`. Arrays are frozen and shared between plans. */
export const reasonsOf = (mask: number): ReadonlyArray<ExclusionReason> => {
  const hit = cache.get(mask)
  if (hit !== undefined) return hit
  const out: Array<ExclusionReason> = []
  for (let bit = 0; bit < REASON_ORDER.length; bit++) {
    if ((mask & (1 << bit)) !== 0) out.push(REASON_ORDER[bit]!)
  }
  const frozen = Object.freeze(out)
  cache.set(mask, frozen)
  return frozen
}
