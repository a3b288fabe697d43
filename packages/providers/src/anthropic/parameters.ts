import type { JsonObject } from "@switchyard/core"
import { TRANSLATED, unmappedBy } from "../translation/unmapped.js"

const hasTools = (body: JsonObject): boolean => Array.isArray(body.tools) && body.tools.length > 0

/**
 * Of the request's parameters, those the Anthropic translation cannot send: everything it does not map
 * (`seed`, penalties, `logit_bias`, `top_logprobs`, `reasoning_effort`, …), `n` above 1, `logprobs: true`,
 * and a JSON `response_format` next to tools of the request's own (`structured-output.ts`).
 */
export const anthropicUnmapped = unmappedBy(
  new Set([...TRANSLATED, "parallel_tool_calls"]),
  (p, body) =>
    (p === "n" && typeof body.n === "number" && body.n > 1) ||
    (p === "response_format" && hasTools(body) && (body.response_format as { type?: unknown } | null)?.type !== "text"),
)
