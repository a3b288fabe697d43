/**
 * Anthropic requires `max_tokens`. A client that omits it wants the model's full answer, so the plugin sends
 * the endpoint's `maxOutput` (catalog), else the model's documented maximum output, by model-id prefix
 * (Anthropic "Models overview": Claude 3 Haiku/Sonnet/Opus 4,096; 3.5 Haiku/Sonnet 8,192; 3.7 Sonnet,
 * Sonnet 4/4.5, Haiku 4.5, Opus 4.5 64,000; Opus 4/4.1 32,000), else `FALLBACK_MAX_OUTPUT` (the smallest
 * of them, which every Claude model accepts). Never the capacity meter's `defaultMaxTokens`: that is an
 * expected length, and it silently truncated longer answers at 1,024 tokens.
 */
const documented: ReadonlyArray<readonly [prefix: string, maxOutput: number]> = [
  ["claude-3-5-", 8_192],
  ["claude-3-7-", 64_000],
  ["claude-3-", 4_096],
  ["claude-opus-4-5", 64_000],
  ["claude-opus-4", 32_000],
  ["claude-sonnet-4", 64_000],
  ["claude-haiku-4", 64_000],
]

export const FALLBACK_MAX_OUTPUT = 4_096

export const defaultMaxOutput = (upstreamModel: string, maxOutput: number | undefined): number => {
  if (maxOutput !== undefined) return maxOutput
  for (const [prefix, n] of documented) if (upstreamModel.startsWith(prefix)) return n
  return FALLBACK_MAX_OUTPUT
}
