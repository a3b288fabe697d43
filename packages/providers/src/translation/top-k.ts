import type { JsonObject } from "@switchyard/core"

/**
 * `top_k` of a chat body (not in OpenAI's schema, but sent by clients of hosts that take it; Anthropic
 * `top_k`, Gemini `topK`): a non-negative integer, else undefined.
 */
export const topKOf = (body: JsonObject): number | undefined => {
  const k = body.top_k
  return typeof k === "number" && Number.isInteger(k) && k >= 0 ? k : undefined
}
