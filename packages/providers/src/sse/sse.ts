/**
 * Server-sent event messages. The transport decodes a streamed body as it arrives (`SseDecoder`: frames split
 * across chunks, `:` comments / keep-alives, multi-line `data:` joined with "\n", CRLF / CR / LF, `event:`
 * names; an event the body cut before its blank line is dropped, as the SSE spec says) and hands plugins the
 * messages in batches (`Transport.requestSse` → `sseSource`). `[DONE]` arrives as a normal message.
 *
 *   isDone(message) → boolean                        the OpenAI `data: [DONE]` sentinel
 *   parseSseJson(provider, message, redact) → JsonObject | MalformedResponse (the data quoted redacted, then cut)
 *   decodeSseJson(provider, message, redact) → Effect<JsonObject, MalformedResponse>
 */
import { type JsonObject, MalformedResponse, type Redactor, redactedPrefix } from "@switchyard/core"
import * as Effect from "effect/Effect"
import type { SseMessage } from "./decoder.js"

export type { SseMessage } from "./decoder.js"

export const isDone = (m: SseMessage): boolean => m.data.trim() === "[DONE]"

const isObject = (u: unknown): u is JsonObject => typeof u === "object" && u !== null && !Array.isArray(u)

/** Parse one message's data as a JSON object; anything else is a MalformedResponse (returned, not thrown). */
export const parseSseJson = (provider: string, m: SseMessage, redact: Redactor): JsonObject | MalformedResponse => {
  try {
    const v: unknown = JSON.parse(m.data)
    if (isObject(v)) return v
  } catch {
    // fall through
  }
  return new MalformedResponse({
    provider,
    status: 200,
    message: `stream event is not a JSON object: ${redactedPrefix(redact, m.data, 120)}`,
  })
}

/** Parse one message's data as a JSON object; anything else is a MalformedResponse. */
export const decodeSseJson = (
  provider: string,
  m: SseMessage,
  redact: Redactor,
): Effect.Effect<JsonObject, MalformedResponse> => {
  const v = parseSseJson(provider, m, redact)
  return v instanceof MalformedResponse ? Effect.fail(v) : Effect.succeed(v)
}
