import type { JsonObject, ProviderError } from "@switchyard/core"

/**
 * Anthropic requires `max_tokens`. A client that omits it wants the model's full answer, so the plugin sends
 * the endpoint's `maxOutput` (catalog), else the model's documented maximum output, by model-id prefix
 * (Anthropic "Models overview": Claude 3 Haiku/Sonnet/Opus 4,096; 3.5 Haiku/Sonnet 8,192; 3.7 Sonnet,
 * Sonnet 4/4.5, Haiku 4.5, Opus 4.5 64,000; Opus 4/4.1 32,000), else `FALLBACK_MAX_OUTPUT` (the smallest
 * of them, which every Claude model accepts). Never the capacity meter's `defaultMaxTokens`: that is an
 * expected length, and it silently truncated longer answers at 1,024 tokens. Anthropic refuses a prompt and
 * `max_tokens` that together pass the model's window; a request whose budget the plugin chose is then sent once
 * more with what the window leaves (`fittedMaxTokens`).
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

/** The client set no output budget: the plugin chooses `max_tokens` (`defaultMaxOutput`). */
export const outputBudgetDefaulted = (body: JsonObject): boolean =>
  body.max_tokens == null && body.max_completion_tokens == null

/**
 * Anthropic's 400 when the prompt and `max_tokens` together pass the model's window: "input length and `max_tokens`
 * exceed context limit: 178959 + 64000 > 200000, decrease input length or `max_tokens` and try again".
 */
const OVER_WINDOW = /exceed context limit: (\d+) \+ \d+ > (\d+)/

/**
 * When `error` says the prompt and the `max_tokens` the plugin chose do not fit the window together: the
 * `max_tokens` that does (what the window leaves after the prompt, as Anthropic counted it), to send the request
 * again with. Undefined for any other error, or when the prompt alone fills the window.
 */
export const fittedMaxTokens = (error: ProviderError): number | undefined => {
  if (error._tag !== "ContextLengthExceeded") return undefined
  const m = OVER_WINDOW.exec(error.message)
  if (m === null) return undefined
  const room = Number(m[2]) - Number(m[1])
  return room >= 1 ? room : undefined
}
