/**
 * Normalized `Usage` → the OpenAI wire shape (what translating plugins put on bodies and chunks). Reading
 * OpenAI-shaped usage is core's `usageFromOpenAi` (one reader for the JSON and the stream path).
 */
import type { JsonObject, Usage } from "@switchyard/core"

/** Usage in the OpenAI wire shape, for plugins that translate another provider's usage. */
export const toOpenAiUsage = (u: Usage): JsonObject => ({
  prompt_tokens: u.promptTokens,
  completion_tokens: u.completionTokens,
  total_tokens: u.promptTokens + u.completionTokens,
  prompt_tokens_details: { cached_tokens: u.cachedTokens },
  completion_tokens_details: { reasoning_tokens: u.reasoningTokens },
})
