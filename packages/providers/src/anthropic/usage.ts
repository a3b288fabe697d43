import type { Usage } from "@switchyard/core"

const count = (v: unknown): number => (typeof v === "number" && Number.isFinite(v) && v > 0 ? v : 0)

/**
 * Anthropic `usage` → normalized usage. Anthropic's `input_tokens` excludes cache writes and reads,
 * so prompt = input + cache_creation + cache_read, and cached = cache_read.
 */
export const anthropicUsage = (usage: unknown): Usage => {
  const u = (typeof usage === "object" && usage !== null ? usage : {}) as Record<string, unknown>
  const cacheRead = count(u.cache_read_input_tokens)
  return {
    promptTokens: count(u.input_tokens) + count(u.cache_creation_input_tokens) + cacheRead,
    completionTokens: count(u.output_tokens),
    cachedTokens: cacheRead,
    reasoningTokens: 0,
  }
}
