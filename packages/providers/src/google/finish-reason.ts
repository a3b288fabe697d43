import type { FinishReason } from "../translation/openai-shape.js"

const filtered = new Set([
  "SAFETY",
  "RECITATION",
  "BLOCKLIST",
  "PROHIBITED_CONTENT",
  "SPII",
  "IMAGE_SAFETY",
  "IMAGE_PROHIBITED_CONTENT",
  "IMAGE_RECITATION",
  "LANGUAGE",
])

/**
 * Gemini `finishReason` → OpenAI `finish_reason`. A turn that produced function calls finishes
 * with `tool_calls` (Gemini says STOP); MAX_TOKENS → length; safety/recitation/blocklist → content_filter;
 * everything else (OTHER, MALFORMED_FUNCTION_CALL, unspecified) → stop.
 */
export const finishReason = (reason: unknown, hasToolCalls: boolean): FinishReason => {
  if (reason === "MAX_TOKENS") return "length"
  if (typeof reason === "string" && filtered.has(reason)) return "content_filter"
  return hasToolCalls ? "tool_calls" : "stop"
}
