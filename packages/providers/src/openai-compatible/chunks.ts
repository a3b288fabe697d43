/**
 * OpenAI chat-completion SSE → `ChatStream.chunks`:
 * drops `[DONE]` (and anything after it), puts every chunk in the OpenAI chunk shape (`ChunkShape`: `choices`,
 * `object`, Groq's `x_groq.usage`, one `id`/`created` per stream, the first delta's `role`, dense tool-call
 * `index` and `type`), turns an in-stream `{"error":…}` event (with or without `choices`) into a
 * ProviderError, and fails with TransportError{kind:"reset"} when the body ends with neither a
 * finish_reason nor `[DONE]`.
 */
import { type JsonObject, MalformedResponse, type ProviderError, TransportError } from "@switchyard/core"
import * as Cause from "effect/Cause"
import * as Channel from "effect/Channel"
import * as Effect from "effect/Effect"
import * as Scope from "effect/Scope"
import * as Stream from "effect/Stream"
import type { Redactor } from "../errors/redact.js"
import { exchangeSource } from "../sse/exchange-stream.js"
import { isDone, parseSseJson, type SseMessage } from "../sse/sse.js"
import { ChunkShape } from "./chunk-shape.js"
import { errorInBody } from "./error-in-body.js"

const isObj = (u: unknown): u is JsonObject => typeof u === "object" && u !== null && !Array.isArray(u)

const hasFinish = (chunk: JsonObject): boolean =>
  Array.isArray(chunk.choices) && chunk.choices.some((c) => isObj(c) && typeof c.finish_reason === "string")

type Chunks = readonly [JsonObject, ...Array<JsonObject>]

/**
 * One pull of the message stream → one batch of chunks (messages that are all dropped are skipped
 * over). Built on the messages' pull directly: one channel, no per-message combinators.
 */
export const openAiChunks = (
  provider: string,
  messages: Stream.Stream<SseMessage, ProviderError>,
  redact: Redactor,
  requestId?: string | undefined,
): Stream.Stream<JsonObject, ProviderError> =>
  Stream.fromChannel(
    Channel.fromTransform((_, scope) =>
      Effect.suspend(() => {
        let done = false
        let finished = false
        const shape = new ChunkShape()
        /** An in-stream error met mid-batch: the batch's chunks before it go out first. */
        let failure: ProviderError | undefined
        const convert = (batch: ReadonlyArray<SseMessage>): Array<JsonObject> => {
          const out: Array<JsonObject> = []
          for (const m of batch) {
            if (done) break
            if (isDone(m)) {
              done = true
              shape.flush(out)
              break
            }
            if (m.data.trim() === "") continue
            const chunk = parseSseJson(provider, m)
            if (chunk instanceof MalformedResponse) {
              failure = chunk
              break
            }
            const err = errorInBody(provider, chunk, 200, redact, requestId)
            if (err !== undefined) {
              failure = err
              break
            }
            if (hasFinish(chunk)) finished = true
            shape.push(chunk, out)
          }
          return out
        }
        const atEnd = Effect.suspend(
          (): Effect.Effect<never, ProviderError | Cause.Done> =>
            done || finished
              ? Cause.done()
              : Effect.fail(
                  new TransportError({
                    provider,
                    status: 200,
                    message: "stream ended before a finish_reason or [DONE] (truncated upstream stream)",
                    kind: "reset",
                  }),
                ),
        )
        const source = exchangeSource(messages)
        if (source !== undefined) {
          // messages straight from the HTTP exchange: one callback per body chunk
          const { exchange, onError } = source
          return Effect.as(
            Scope.addFinalizer(
              scope,
              Effect.sync(() => exchange.cancel()),
            ),
            Effect.callback<Chunks, ProviderError | Cause.Done>((resume) => {
              const onBatch = (error: Error | undefined, batch: ReadonlyArray<SseMessage> | undefined): void => {
                if (batch !== undefined) {
                  const out = convert(batch)
                  if (out.length > 0) resume(Effect.succeed(out as unknown as Chunks))
                  else if (failure !== undefined) resume(Effect.fail(failure))
                  else exchange.read(onBatch)
                } else if (error !== undefined) resume(Effect.fail(onError(error)))
                else resume(atEnd)
              }
              if (failure !== undefined) resume(Effect.fail(failure))
              else exchange.read(onBatch)
            }),
          )
        }
        return Effect.map(Channel.toPullScoped(Stream.toChannel(messages), scope), (pullMessages) => {
          const handlers = {
            onSuccess: (batch: ReadonlyArray<SseMessage>): Effect.Effect<Chunks, ProviderError | Cause.Done> => {
              const out = convert(batch)
              if (out.length > 0) return Effect.succeed(out as unknown as Chunks)
              return pull
            },
            onFailure: (e: ProviderError | Cause.Done): Effect.Effect<never, ProviderError | Cause.Done> =>
              Cause.isDone(e) ? atEnd : Effect.fail(e),
          }
          const pull: Effect.Effect<Chunks, ProviderError | Cause.Done> = Effect.suspend(() =>
            failure !== undefined ? Effect.fail(failure) : Effect.matchEffect(pullMessages, handlers),
          )
          return pull
        })
      }),
    ),
  )
