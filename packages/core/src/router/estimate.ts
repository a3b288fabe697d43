import type { JsonObject } from "../provider/contract.js"

/** Characters per token of the estimate (English text averages ~4 for BPE tokenizers). */
const CHARS_PER_TOKEN = 4
/** Per-message overhead (role, separators), tokens. */
const MESSAGE_OVERHEAD = 4

const textLength = (content: unknown): number => {
  if (typeof content === "string") return content.length
  if (!Array.isArray(content)) return 0
  let n = 0
  for (const part of content) {
    if (part !== null && typeof part === "object") {
      const text = (part as { text?: unknown }).text
      if (typeof text === "string") n += text.length
    }
  }
  return n
}

/**
 * Prompt size estimate in tokens, from the body as received: message text (strings and text parts),
 * tool-call arguments and tool definitions, at ~4 characters a token plus a small per-message
 * overhead. Cheap (no tokenizer) and deliberately rough: capacity is corrected to actual usage later.
 */
export const estimatePromptTokens = (body: JsonObject): number => {
  const messages = body.messages
  let chars = 0
  let overhead = 0
  if (Array.isArray(messages)) {
    for (const m of messages) {
      if (m === null || typeof m !== "object") continue
      const message = m as { content?: unknown; tool_calls?: unknown }
      overhead += MESSAGE_OVERHEAD
      chars += textLength(message.content)
      if (Array.isArray(message.tool_calls)) {
        for (const call of message.tool_calls) {
          const args = (call as { function?: { arguments?: unknown } } | null)?.function?.arguments
          if (typeof args === "string") chars += args.length
        }
      }
    }
  }
  if (Array.isArray(body.tools) && body.tools.length > 0) chars += JSON.stringify(body.tools).length
  return Math.ceil(chars / CHARS_PER_TOKEN) + overhead
}
