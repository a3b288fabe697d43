/** Normalized token usage, whatever the provider's wire format. */
export interface Usage {
  readonly promptTokens: number
  readonly completionTokens: number
  /** Prompt tokens served from a cache (subset of promptTokens). */
  readonly cachedTokens: number
  /** Reasoning/thinking tokens (subset of completionTokens). */
  readonly reasoningTokens: number
}

export const emptyUsage: Usage = { promptTokens: 0, completionTokens: 0, cachedTokens: 0, reasoningTokens: 0 }

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
