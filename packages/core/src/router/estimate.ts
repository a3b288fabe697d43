import type { JsonObject } from "../provider/contract.js"

/** Characters per token of the estimate (English text averages ~4 for BPE tokenizers). */
const CHARS_PER_TOKEN = 4
/** Per-message overhead (role, separators), tokens. */
const MESSAGE_OVERHEAD = 4
/**
 * Tokens one image, audio or file part costs: the largest per-image cost of the supported providers
 * (Anthropic: up to ~1,600 for a 1.15-megapixel image; OpenAI high detail 85 + 170 per 512-px tile, 765 for
 * 1024²; Gemini 258 per image or tile) — never the size of its base64 data.
 */
export const MEDIA_PART_TOKENS = 1_600

const isObj = (u: unknown): u is Record<string, unknown> => typeof u === "object" && u !== null && !Array.isArray(u)

/** Text characters and media parts of one message's `content`. */
const contentSize = (content: unknown, size: { chars: number; media: number }): void => {
  if (typeof content === "string") {
    size.chars += content.length
    return
  }
  if (!Array.isArray(content)) return
  for (const part of content) {
    if (!isObj(part)) continue
    if (typeof part.text === "string") size.chars += part.text.length
    else if (part.type === "image_url" || part.type === "input_audio" || part.type === "file") size.media++
  }
}

/**
 * The prompt size estimate, in tokens, from the request body: message text (strings and text parts), tool
 * calls (names and arguments) and tool results, tool definitions and a `response_format` schema, at ~4
 * characters a token plus a small per-message overhead; each image, audio or file part at
 * `MEDIA_PART_TOKENS` (a 1 MiB base64 image is one image, not 262k tokens). Cheap (no tokenizer) and
 * deliberately rough. The one estimate Switchyard uses: the context-length filter, capacity reservations
 * (corrected to actual usage later) and the simulator's request shapes.
 */
export const estimatePromptTokens = (body: JsonObject): number => {
  const messages = body.messages
  const size = { chars: 0, media: 0 }
  let overhead = 0
  if (Array.isArray(messages)) {
    for (const m of messages) {
      if (!isObj(m)) continue
      overhead += MESSAGE_OVERHEAD
      contentSize(m.content, size)
      if (Array.isArray(m.tool_calls)) {
        for (const call of m.tool_calls) {
          const fn = isObj(call) && isObj(call.function) ? call.function : undefined
          if (typeof fn?.name === "string") size.chars += fn.name.length
          if (typeof fn?.arguments === "string") size.chars += fn.arguments.length
        }
      }
    }
  }
  if (Array.isArray(body.tools) && body.tools.length > 0) size.chars += JSON.stringify(body.tools).length
  const format = body.response_format
  if (isObj(format) && isObj(format.json_schema)) size.chars += JSON.stringify(format.json_schema).length
  return Math.ceil(size.chars / CHARS_PER_TOKEN) + overhead + size.media * MEDIA_PART_TOKENS
}
