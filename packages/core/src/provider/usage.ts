/**
 * Normalized token usage, whatever the provider's wire format: what is billed as prompt and as output,
 * with the cached, cache-written and reasoning parts named (each a subset). Cost, capacity settlement and
 * Stats read only this, on the JSON and the stream path alike (`usageFromOpenAi` for OpenAI-shaped usage,
 * each translating plugin's own reader for its wire).
 *
 * Prompt tokens split three ways: read from the provider's prompt cache (`cachedTokens`), written to it
 * (`cacheWriteTokens`, of which `cacheWrite1hTokens` for one hour), and the rest (uncached). Each part is
 * priced at its own price (`Endpoint.effectiveCacheRead` / `effectiveCacheWrite` / `effectiveCacheWrite1h`
 * / `effectivePrompt`).
 */
export interface Usage {
  /** Every prompt token, cached and cache-written ones included. */
  readonly promptTokens: number
  /** Every output token billed, reasoning included (also when the host counts reasoning outside `completion_tokens`). */
  readonly completionTokens: number
  /** Prompt tokens read from the provider's prompt cache (cache hits; subset of promptTokens). */
  readonly cachedTokens: number
  /** Reasoning/thinking tokens (subset of completionTokens). */
  readonly reasoningTokens: number
  /** Prompt tokens written to the provider's prompt cache (subset of promptTokens, disjoint from cachedTokens); absent = 0. */
  readonly cacheWriteTokens?: number | undefined
  /** Of `cacheWriteTokens`, those written for one hour (Anthropic `ttl: "1h"`); absent = 0. */
  readonly cacheWrite1hTokens?: number | undefined
  /** Switchyard's estimate, not the upstream's report (a stream that ended without usage): the meter learns nothing from it. */
  readonly estimated?: true | undefined
}

export const emptyUsage: Usage = { promptTokens: 0, completionTokens: 0, cachedTokens: 0, reasoningTokens: 0 }

const isObj = (u: unknown): u is Record<string, unknown> => typeof u === "object" && u !== null && !Array.isArray(u)
const count = (u: unknown): number | undefined =>
  typeof u === "number" && Number.isFinite(u) && u >= 0 ? u : undefined

/**
 * OpenAI-shaped `usage` (a completion's or a chunk's) → `Usage`; undefined for null, absent or no counts.
 * Reads `prompt_tokens`, `completion_tokens`, `completion_tokens_details.reasoning_tokens` and the cache
 * counts, every one a part of `prompt_tokens`:
 * - reads: `prompt_tokens_details.cached_tokens` (OpenAI, xAI, Groq, OpenRouter), else DeepSeek's
 *   `prompt_cache_hit_tokens`;
 * - writes: `prompt_tokens_details.cache_write_tokens` (OpenRouter), of which
 *   `prompt_tokens_details.cache_write_1h_tokens` for one hour (Switchyard's translations of Anthropic).
 * Hosts that count reasoning outside `completion_tokens` (xAI: `total = prompt + completion + reasoning`)
 * bill it as output, so it is added to `completionTokens`, keeping reasoning a subset of completion. Cache
 * counts are clamped so reads + writes never exceed the prompt. The one reader for the JSON and the
 * stream path: the same usage costs the same whichever way it arrived.
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
  const promptTokens = prompt ?? 0
  const cached = Math.min(
    promptTokens,
    count(promptDetails?.cached_tokens) || count(usage.prompt_cache_hit_tokens) || 0,
  )
  const base: Usage = {
    promptTokens,
    completionTokens: (completion ?? 0) + (reasoningOutside ? reasoning : 0),
    cachedTokens: cached,
    reasoningTokens: reasoning,
  }
  const written = count(promptDetails?.cache_write_tokens)
  if (written === undefined || written === 0) return base
  const write = Math.min(written, promptTokens - cached)
  return {
    ...base,
    cacheWriteTokens: write,
    cacheWrite1hTokens: Math.min(write, count(promptDetails?.cache_write_1h_tokens) ?? 0),
  }
}

/** Prompt tokens billed at the plain prompt price: neither read from nor written to the cache. */
export const uncachedPromptTokens = (u: Usage): number =>
  Math.max(0, u.promptTokens - u.cachedTokens - (u.cacheWriteTokens ?? 0))

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
