/**
 * OpenAI-shaped `usage` → normalized `Usage` (core provider/usage.ts).
 *
 *   normalizeOpenAiUsage(body.usage) → Usage | undefined     (undefined for null/absent/garbage)
 *   toOpenAiUsage(usage) → JsonObject                         (what translating plugins put on chunks)
 *
 * Reads prompt_tokens, completion_tokens, prompt_tokens_details.cached_tokens (or DeepSeek
 * prompt_cache_hit_tokens), completion_tokens_details.reasoning_tokens. Extra fields are ignored.
 * xAI counts reasoning tokens outside completion_tokens (total = prompt + completion + reasoning); they are
 * billed as output, so they are added to completionTokens to keep reasoning a subset of completion.
 */
import type { JsonObject, Usage } from "@switchyard/core"

const isObj = (u: unknown): u is Record<string, unknown> => typeof u === "object" && u !== null && !Array.isArray(u)
const num = (u: unknown): number | undefined => (typeof u === "number" && Number.isFinite(u) && u >= 0 ? u : undefined)

export const normalizeOpenAiUsage = (usage: unknown): Usage | undefined => {
  if (!isObj(usage)) return undefined
  const prompt = num(usage.prompt_tokens)
  const completion = num(usage.completion_tokens)
  if (prompt === undefined && completion === undefined) return undefined
  const promptDetails = isObj(usage.prompt_tokens_details) ? usage.prompt_tokens_details : {}
  const completionDetails = isObj(usage.completion_tokens_details) ? usage.completion_tokens_details : {}
  const reasoning = num(completionDetails.reasoning_tokens) ?? 0
  const total = num(usage.total_tokens)
  const reasoningOutside =
    reasoning > 0 && total !== undefined && total === (prompt ?? 0) + (completion ?? 0) + reasoning
  return {
    promptTokens: prompt ?? 0,
    completionTokens: (completion ?? 0) + (reasoningOutside ? reasoning : 0),
    cachedTokens: num(promptDetails.cached_tokens) ?? num(usage.prompt_cache_hit_tokens) ?? 0,
    reasoningTokens: reasoning,
  }
}

/** Usage in the OpenAI wire shape, for plugins that translate another provider's usage. */
export const toOpenAiUsage = (u: Usage): JsonObject => ({
  prompt_tokens: u.promptTokens,
  completion_tokens: u.completionTokens,
  total_tokens: u.promptTokens + u.completionTokens,
  prompt_tokens_details: { cached_tokens: u.cachedTokens },
  completion_tokens_details: { reasoning_tokens: u.reasoningTokens },
})
