import type { JsonObject } from "@switchyard/core"

/** Request parameters the Anthropic translation sends (mapped or translated; see the providers README). */
const MAPPED: ReadonlySet<string> = new Set([
  "temperature",
  "top_p",
  "top_k",
  "max_tokens",
  "max_completion_tokens",
  "stop",
  "tools",
  "tool_choice",
  "parallel_tool_calls",
  "response_format",
  "n",
  "logprobs",
])

const hasTools = (body: JsonObject): boolean => Array.isArray(body.tools) && body.tools.length > 0

/**
 * Of the request's parameters, those the Anthropic translation cannot send: everything outside `MAPPED`
 * (`seed`, penalties, `logit_bias`, `top_logprobs`, `reasoning_effort`, …), `n` above 1, `logprobs: true`,
 * and a JSON `response_format` next to tools of the request's own (`structured-output.ts`).
 */
export const anthropicUnmapped = (parameters: ReadonlyArray<string>, body: JsonObject): ReadonlyArray<string> =>
  parameters.filter(
    (p) =>
      !MAPPED.has(p) ||
      (p === "n" && typeof body.n === "number" && body.n > 1) ||
      (p === "logprobs" && body.logprobs === true) ||
      (p === "response_format" &&
        hasTools(body) &&
        (body.response_format as { type?: unknown } | null)?.type !== "text"),
  )
