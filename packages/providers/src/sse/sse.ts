/**
 * Server-sent events over a streamed HTTP body, without buffering the body.
 *
 *   sseMessages(body, onError) → Stream<SseMessage, E>
 *     body: any AsyncIterable of bytes (an undici body, `HttpResponse.body`), read lazily chunk by chunk.
 *     Frames split across chunks, `:` comments / keep-alives, multi-line `data:` (joined with "\n"),
 *     CRLF / CR / LF line ends and `event:` names are handled by eventsource-parser. An event that is not
 *     terminated by a blank line when the body ends is dropped (truncated), as the SSE spec says.
 *     `[DONE]` arrives as a normal message: test it with `isDone`. Each body chunk that completes
 *     messages becomes one batch of the stream.
 *   isDone(message) → boolean                        the OpenAI `data: [DONE]` sentinel
 *   parseSseJson(provider, message) → JsonObject | MalformedResponse
 *   decodeSseJson(provider, message) → Effect<JsonObject, MalformedResponse>
 */
import { type JsonObject, MalformedResponse } from "@switchyard/core"
import * as Cause from "effect/Cause"
import * as Channel from "effect/Channel"
import * as Effect from "effect/Effect"
import * as Scope from "effect/Scope"
import * as Stream from "effect/Stream"
import { SseDecoder, type SseMessage } from "./decoder.js"

export type { SseMessage } from "./decoder.js"

type Batch = readonly [SseMessage, ...Array<SseMessage>]

/** One pull per body chunk (plain `Effect.callback`, no per-chunk AbortController or channel layers). */
export const sseMessages = <E>(
  body: AsyncIterable<Uint8Array | string>,
  onError: (cause: unknown) => E,
): Stream.Stream<SseMessage, E> =>
  Stream.fromChannel(
    Channel.fromTransform((_, scope) =>
      Effect.suspend(() => {
        const iter = body[Symbol.asyncIterator]()
        const decoder = new SseDecoder()
        let ended = false
        let pulling = false
        const read: Effect.Effect<Batch, E | Cause.Done> = Effect.callback((resume) => {
          pulling = true
          iter.next().then(
            (r) => {
              pulling = false
              if (r.done) {
                ended = true
                decoder.end()
              } else decoder.feed(r.value)
              resume(pull)
            },
            (e: unknown) => {
              pulling = false
              ended = true
              resume(Effect.fail(onError(e)))
            },
          )
        })
        const pull: Effect.Effect<Batch, E | Cause.Done> = Effect.suspend(() => {
          const batch = decoder.take()
          if (batch !== undefined) return Effect.succeed(batch)
          return ended ? Cause.done() : read
        })
        // `return()` may not settle until a pending `next()` does: only await it when idle
        const close = Effect.suspend(() => {
          if (iter.return === undefined) return Effect.void
          if (pulling) {
            iter.return().catch(() => {})
            return Effect.void
          }
          return Effect.promise(() => iter.return!())
        })
        return Effect.as(Scope.addFinalizer(scope, close), pull)
      }),
    ),
  )

export const isDone = (m: SseMessage): boolean => m.data.trim() === "[DONE]"

const isObject = (u: unknown): u is JsonObject => typeof u === "object" && u !== null && !Array.isArray(u)

/** Parse one message's data as a JSON object; anything else is a MalformedResponse (returned, not thrown). */
export const parseSseJson = (provider: string, m: SseMessage): JsonObject | MalformedResponse => {
  try {
    const v: unknown = JSON.parse(m.data)
    if (isObject(v)) return v
  } catch {
    // fall through
  }
  return new MalformedResponse({
    provider,
    status: 200,
    message: `stream event is not a JSON object: ${m.data.slice(0, 120)}`,
  })
}

/** Parse one message's data as a JSON object; anything else is a MalformedResponse. */
export const decodeSseJson = (provider: string, m: SseMessage): Effect.Effect<JsonObject, MalformedResponse> => {
  const v = parseSseJson(provider, m)
  return v instanceof MalformedResponse ? Effect.fail(v) : Effect.succeed(v)
}
