/**
 * OpenAI chat-completion SSE → a `ChatStream`'s chunk source:
 * ends at `[DONE]` (anything after it is dropped, and a body held open after it does not hold the stream), puts every chunk in the OpenAI chunk shape (`ChunkShape`: `choices`,
 * `object`, Groq's `x_groq.usage`, one `id`/`created` per stream, the first delta's `role`, dense tool-call
 * `index` and `type`), turns an in-stream `{"error":…}` event (with or without `choices`) into a
 * ProviderError, and fails with TransportError{kind:"reset"} when the body ends with neither a
 * finish_reason nor `[DONE]`.
 */
import {
  type ChunkSource,
  type JsonObject,
  MalformedResponse,
  type ProviderError,
  TransportError,
} from "@switchyard/core"
import type { Redactor } from "../errors/redact.js"
import { type SseMessages, sseSource } from "../sse/exchange-stream.js"
import { isDone, parseSseJson, type SseMessage } from "../sse/sse.js"
import { ChunkShape } from "./chunk-shape.js"
import { errorInBody } from "./error-in-body.js"

const isObj = (u: unknown): u is JsonObject => typeof u === "object" && u !== null && !Array.isArray(u)

const hasFinish = (chunk: JsonObject): boolean =>
  Array.isArray(chunk.choices) && chunk.choices.some((c) => isObj(c) && typeof c.finish_reason === "string")

/**
 * The exchange's batches of messages → batches of chunks, on the one SSE bridge (`sseSource`): messages
 * that are all dropped are skipped over; an error met mid-batch ends the stream after the chunks before it.
 */
export const openAiChunks = (
  provider: string,
  messages: SseMessages,
  redact: Redactor,
  requestId?: string | undefined,
): ChunkSource<JsonObject, ProviderError> => {
  let done = false
  let finished = false
  const shape = new ChunkShape()
  const convert = (batch: ReadonlyArray<SseMessage>, out: Array<JsonObject>): ProviderError | undefined => {
    for (const m of batch) {
      if (done) break
      if (isDone(m)) {
        done = true
        shape.flush(out)
        break
      }
      if (m.data.trim() === "") continue
      const chunk = parseSseJson(provider, m, redact)
      if (chunk instanceof MalformedResponse) return chunk
      const err = errorInBody(provider, chunk, 200, redact, requestId)
      if (err !== undefined) return err
      if (hasFinish(chunk)) finished = true
      shape.push(chunk, out)
    }
    return undefined
  }
  const end = (): ProviderError | undefined =>
    done || finished
      ? undefined
      : new TransportError({
          provider,
          status: 200,
          message: "stream ended before a finish_reason or [DONE] (truncated upstream stream)",
          kind: "reset",
        })
  // `[DONE]` is the last event: the stream is over there, whatever the body does next
  return sseSource(messages, convert, end, () => done)
}
