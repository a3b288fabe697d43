import type { JsonObject } from "@switchyard/core"

/** Request parameters the Gemini translation sends (mapped or translated; see the providers README). */
const MAPPED: ReadonlySet<string> = new Set([
  "temperature",
  "top_p",
  "top_k",
  "max_tokens",
  "max_completion_tokens",
  "stop",
  "seed",
  "n",
  "presence_penalty",
  "frequency_penalty",
  "response_format",
  "reasoning_effort",
  "tools",
  "tool_choice",
  "logprobs",
])

/**
 * Of the request's parameters, those the Gemini translation cannot send: everything outside `MAPPED`
 * (`parallel_tool_calls`, `logit_bias`, `top_logprobs`, …) and `logprobs: true`.
 */
export const geminiUnmapped = (parameters: ReadonlyArray<string>, body: JsonObject): ReadonlyArray<string> =>
  parameters.filter((p) => !MAPPED.has(p) || (p === "logprobs" && body.logprobs === true))
