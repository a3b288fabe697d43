import type { Usage } from "@switchyard/core"

const count = (v: unknown): number => (typeof v === "number" && Number.isFinite(v) && v > 0 ? v : 0)
const object = (v: unknown): Record<string, unknown> =>
  (typeof v === "object" && v !== null ? v : {}) as Record<string, unknown>

/**
 * Anthropic `usage` → normalized usage. Anthropic's `input_tokens` excludes cache writes and reads, so
 * prompt = input + cache_creation + cache_read; cached = cache_read; cache writes =
 * cache_creation_input_tokens, of which `cache_creation.ephemeral_1h_input_tokens` were written for one
 * hour (the rest for five minutes).
 */
export const anthropicUsage = (usage: unknown): Usage => {
  const u = object(usage)
  const cacheRead = count(u.cache_read_input_tokens)
  const cacheWrite = count(u.cache_creation_input_tokens)
  const base: Usage = {
    promptTokens: count(u.input_tokens) + cacheWrite + cacheRead,
    completionTokens: count(u.output_tokens),
    cachedTokens: cacheRead,
    reasoningTokens: 0,
  }
  if (cacheWrite === 0) return base
  return {
    ...base,
    cacheWriteTokens: cacheWrite,
    cacheWrite1hTokens: Math.min(cacheWrite, count(object(u.cache_creation).ephemeral_1h_input_tokens)),
  }
}
