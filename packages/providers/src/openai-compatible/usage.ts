/**
 * Normalized `Usage` → the OpenAI wire shape (what translating plugins put on bodies and chunks). Reading
 * OpenAI-shaped usage is core's `usageFromOpenAi` (one reader for the JSON and the stream path), which reads
 * every count written here back.
 */
import type { JsonObject, Usage } from "@switchyard/core"

/**
 * Usage in the OpenAI wire shape, for plugins that translate another provider's usage. Cache writes go
 * where OpenRouter puts them (`prompt_tokens_details.cache_write_tokens`), the 1-hour part of them as
 * `cache_write_1h_tokens` next to it.
 */
export const toOpenAiUsage = (u: Usage): JsonObject => {
  const promptDetails: JsonObject = { cached_tokens: u.cachedTokens }
  const write = u.cacheWriteTokens ?? 0
  if (write > 0) {
    promptDetails.cache_write_tokens = write
    const write1h = u.cacheWrite1hTokens ?? 0
    if (write1h > 0) promptDetails.cache_write_1h_tokens = write1h
  }
  return {
    prompt_tokens: u.promptTokens,
    completion_tokens: u.completionTokens,
    total_tokens: u.promptTokens + u.completionTokens,
    prompt_tokens_details: promptDetails,
    completion_tokens_details: { reasoning_tokens: u.reasoningTokens },
  }
}
