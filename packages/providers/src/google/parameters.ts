import { TRANSLATED, unmappedBy } from "../translation/unmapped.js"

/**
 * Of the request's parameters, those the Gemini translation cannot send: everything it does not map
 * (`parallel_tool_calls`, `logit_bias`, `top_logprobs`, …) and `logprobs: true`.
 */
export const geminiUnmapped = unmappedBy(
  new Set([...TRANSLATED, "seed", "presence_penalty", "frequency_penalty", "reasoning_effort"]),
  () => false,
)
