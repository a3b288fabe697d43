/**
 * OpenAI chat-completion SSE → `ChatStream.chunks`:
 * drops `[DONE]` (and anything after it), normalizes `choices: null`/missing to `[]` and an empty `object`
 * (Azure's prompt-filter chunk) to `chat.completion.chunk`, lifts Groq's
 * `x_groq.usage` when the top-level usage is absent, turns an in-stream `{"error":…}` event into a
 * ProviderError, and fails with TransportError{kind:"reset"} when the body ends with neither a
 * finish_reason nor `[DONE]`.
 */
import { type JsonObject, type ProviderError, TransportError } from "@switchyard/core"
import { Effect, Stream } from "effect"
import type { Redactor } from "../errors/redact.js"
import { decodeSseJson, isDone, type SseMessage } from "../sse/sse.js"
import { errorInBody } from "./error-in-body.js"

const isObj = (u: unknown): u is JsonObject => typeof u === "object" && u !== null && !Array.isArray(u)

const hasFinish = (chunk: JsonObject): boolean =>
  Array.isArray(chunk.choices) && chunk.choices.some((c) => isObj(c) && typeof c.finish_reason === "string")

const normalizeChunk = (chunk: JsonObject): JsonObject => {
  let out = chunk
  if (!Array.isArray(out.choices)) out = { ...out, choices: [] }
  // Azure's first (prompt-filter) chunk has `object: ""`, some servers omit it
  if (out.object !== "chat.completion.chunk") out = { ...out, object: "chat.completion.chunk" }
  if ((out.usage === undefined || out.usage === null) && isObj(out.x_groq) && isObj(out.x_groq.usage))
    out = { ...out, usage: out.x_groq.usage }
  return out
}

export const openAiChunks = (
  provider: string,
  messages: Stream.Stream<SseMessage, ProviderError>,
  redact: Redactor,
): Stream.Stream<JsonObject, ProviderError> =>
  Stream.suspend(() => {
    let done = false
    let finished = false
    const keep = (m: SseMessage): boolean => {
      if (done) return false
      if (isDone(m)) {
        done = true
        return false
      }
      return m.data.trim() !== ""
    }
    const decode = (m: SseMessage): Effect.Effect<JsonObject, ProviderError> =>
      Effect.flatMap(decodeSseJson(provider, m), (chunk) => {
        const err = errorInBody(provider, chunk, 200, redact)
        if (err !== undefined) return Effect.fail(err)
        if (hasFinish(chunk)) finished = true
        return Effect.succeed(normalizeChunk(chunk))
      })
    const end = Stream.suspend(() =>
      done || finished
        ? Stream.empty
        : Stream.fail(
            new TransportError({
              provider,
              status: 200,
              message: "stream ended before a finish_reason or [DONE] (truncated upstream stream)",
              kind: "reset",
            }),
          ),
    )
    return messages.pipe(Stream.filter(keep), Stream.mapEffect(decode), Stream.concat(end))
  })
