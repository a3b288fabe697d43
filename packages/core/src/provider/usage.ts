/**
 * Normalized token usage, whatever the provider's wire format: what is billed as prompt and as output,
 * with the cached and reasoning parts named (both subsets). Cost, capacity settlement and Stats read only
 * this, on the JSON and the stream path alike (`usageFromOpenAi` for OpenAI-shaped usage, each translating
 * plugin's own reader for its wire).
 */
export interface Usage {
  readonly promptTokens: number
  /** Every output token billed, reasoning included (also when the host counts reasoning outside `completion_tokens`). */
  readonly completionTokens: number
  /** Prompt tokens served from a cache (subset of promptTokens). */
  readonly cachedTokens: number
  /** Reasoning/thinking tokens (subset of completionTokens). */
  readonly reasoningTokens: number
}

export const emptyUsage: Usage = { promptTokens: 0, completionTokens: 0, cachedTokens: 0, reasoningTokens: 0 }

const isObj = (u: unknown): u is Record<string, unknown> => typeof u === "object" && u !== null && !Array.isArray(u)
const count = (u: unknown): number | undefined =>
  typeof u === "number" && Number.isFinite(u) && u >= 0 ? u : undefined

/**
 * OpenAI-shaped `usage` (a completion's or a chunk's) → `Usage`; undefined for null, absent or no counts.
 * Reads `prompt_tokens`, `completion_tokens`, `prompt_tokens_details.cached_tokens` (or DeepSeek's
 * `prompt_cache_hit_tokens`), `completion_tokens_details.reasoning_tokens`. Hosts that count reasoning
 * outside `completion_tokens` (xAI: `total = prompt + completion + reasoning`) bill it as output, so it is
 * added to `completionTokens`, keeping reasoning a subset of completion. The one reader for the JSON and
 * the stream path: the same usage costs the same whichever way it arrived.
 */
export const usageFromOpenAi = (usage: unknown): Usage | undefined => {
  if (!isObj(usage)) return undefined
  const prompt = count(usage.prompt_tokens)
  const completion = count(usage.completion_tokens)
  if (prompt === undefined && completion === undefined) return undefined
  const promptDetails = isObj(usage.prompt_tokens_details) ? usage.prompt_tokens_details : undefined
  const completionDetails = isObj(usage.completion_tokens_details) ? usage.completion_tokens_details : undefined
  const reasoning = count(completionDetails?.reasoning_tokens) ?? 0
  const total = count(usage.total_tokens)
  const reasoningOutside =
    reasoning > 0 && total !== undefined && total === (prompt ?? 0) + (completion ?? 0) + reasoning
  return {
    promptTokens: prompt ?? 0,
    completionTokens: (completion ?? 0) + (reasoningOutside ? reasoning : 0),
    cachedTokens: count(promptDetails?.cached_tokens) ?? count(usage.prompt_cache_hit_tokens) ?? 0,
    reasoningTokens: reasoning,
  }
}

/** Capacity signals read from upstream response headers/bodies (wire-facts §2, §3, §5). */
export interface CapacitySignals {
  /** From `retry-after-ms`, `x-ms-retry-after-ms`, `retry-after` (seconds or HTTP date), or Google `RetryInfo`. */
  readonly retryAfterMs?: number
  readonly remainingTokens?: number
  readonly remainingRequests?: number
  readonly limitTokens?: number
  readonly limitRequests?: number
  /** Milliseconds until the token bucket is full again (`x-ratelimit-reset-tokens`, anthropic reset). */
  readonly resetTokensMs?: number
  /** `azure-openai-deployment-utilization` as a fraction (0.893 for "89.3%"). */
  readonly utilization?: number
  /** Which pool served (Vertex `usageMetadata.trafficType`). */
  readonly trafficType?: "provisioned" | "on_demand" | "on_demand_flex" | "on_demand_priority" | "unspecified"
}
