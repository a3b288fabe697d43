import type { CapacityCounts } from "../../catalog/config.js"
import type { Endpoint } from "../../catalog/endpoint.js"
import type { Usage } from "../../provider/usage.js"

/**
 * Estimated charge of a request on an endpoint's meter, in tokens: prompt tokens (estimated, times the
 * endpoint's learned `promptScale` — see `prompt-scale.ts`) plus the expected output — `max_tokens` when the
 * request sets it, else the endpoint's default — times the endpoint's output weight (PT burndown: output
 * counts N× input).
 */
export const estimateCharge = (
  endpoint: Endpoint,
  promptTokens: number,
  maxTokens: number | undefined,
  promptScale = 1,
): number =>
  (promptScale === 1 ? promptTokens : Math.ceil(promptTokens * promptScale)) + outputCharge(endpoint, maxTokens)

/** The output part of a charge: `max_tokens` (or the endpoint's default) × the endpoint's output weight. */
export const outputCharge = (endpoint: Endpoint, maxTokens: number | undefined): number =>
  (maxTokens ?? endpoint.defaultMaxTokens) * endpoint.outputWeight

/** Actual charge once usage is known: cached prompt tokens are free (as PT meters deduct them), output weighted. */
export const usageCharge = (outputWeight: number, usage: Usage): number =>
  Math.max(0, usage.promptTokens - usage.cachedTokens) + usage.completionTokens * outputWeight

/** The prompt tokens the provider's limiter counted: all of them (`prompt+max_tokens`), or those not read from a cache. */
export const countedPrompt = (counts: CapacityCounts, usage: Usage): number =>
  counts === "usage" ? Math.max(0, usage.promptTokens - usage.cachedTokens) : usage.promptTokens

/**
 * What a reservation settles to once the usage is known, by what the provider's limiter counts:
 * `usage` → the usage charge; `prompt+max_tokens` → the actual prompt plus the output reserved at admission
 * (the provider charged `max_tokens` when it admitted the request and gives nothing back for a short answer;
 * without a known output part, the admission charge), raised if the usage was larger.
 */
export const settledCharge = (
  reservation: {
    readonly counts: CapacityCounts
    readonly charge: number
    readonly output: number
    readonly outputWeight: number
  },
  usage: Usage,
): number => {
  const used = usageCharge(reservation.outputWeight, usage)
  if (reservation.counts === "usage") return used
  const admitted = reservation.output > 0 ? usage.promptTokens + reservation.output : reservation.charge
  return Math.max(admitted, used)
}
