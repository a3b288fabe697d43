import type { JsonObject } from "@switchyard/core"
import { TRANSLATED, unmappedBy } from "../translation/unmapped.js"

const hasTools = (body: JsonObject): boolean => Array.isArray(body.tools) && body.tools.length > 0

/**
 * Claude 4.5 and later reject `temperature` and `top_p` together ("cannot both be specified for this model"), and
 * Anthropic advises setting one of them for every model; OpenAI clients often send both (`top_p: 1` is a common
 * default). With both, `temperature` is sent and `top_p` dropped (named in the trace as unmapped).
 */
export const temperatureOnly = (body: JsonObject): boolean => body.temperature != null && body.top_p != null

/**
 * Of the request's parameters, those the Anthropic translation cannot send: everything it does not map
 * (`seed`, penalties, `logit_bias`, `top_logprobs`, `reasoning_effort`, …), `n` above 1, `logprobs: true`,
 * a JSON `response_format` next to tools of the request's own (`structured-output.ts`), and `top_p` next to a
 * `temperature` (`temperatureOnly`).
 */
export const anthropicUnmapped = unmappedBy(
  new Set([...TRANSLATED, "parallel_tool_calls"]),
  (p, body) =>
    (p === "n" && typeof body.n === "number" && body.n > 1) ||
    (p === "top_p" && temperatureOnly(body)) ||
    (p === "response_format" && hasTools(body) && (body.response_format as { type?: unknown } | null)?.type !== "text"),
)
