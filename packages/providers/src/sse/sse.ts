/**
 * Server-sent events over a streamed HTTP body, without buffering the body.
 *
 *   sseMessages(body, onError) → Stream<SseMessage, E>
 *     body: any AsyncIterable of bytes (an undici body, `HttpResponse.body`), read lazily chunk by chunk.
 *     Frames split across chunks, `:` comments / keep-alives, multi-line `data:` (joined with "\n"),
 *     CRLF / CR / LF line ends and `event:` names are handled by eventsource-parser. An event that is not
 *     terminated by a blank line when the body ends is dropped (truncated), as the SSE spec says.
 *     `[DONE]` arrives as a normal message: test it with `isDone`.
 *   isDone(message) → boolean                        the OpenAI `data: [DONE]` sentinel
 *   decodeSseJson(provider, message) → Effect<JsonObject, MalformedResponse>
 */
import { type JsonObject, MalformedResponse } from "@switchyard/core"
import { Effect, Stream } from "effect"
import { createParser } from "eventsource-parser"

export interface SseMessage {
  /** The `event:` name, undefined when the frame had none. */
  readonly event: string | undefined
  /** The `data:` payload (several `data:` lines joined by "\n"). */
  readonly data: string
}

export const sseMessages = <E>(
  body: AsyncIterable<Uint8Array | string>,
  onError: (cause: unknown) => E,
): Stream.Stream<SseMessage, E> =>
  Stream.suspend(() => {
    const decoder = new TextDecoder()
    let pending: Array<SseMessage> = []
    const parser = createParser({
      onEvent: (m) => {
        pending.push({ event: m.event, data: m.data })
      },
    })
    const drain = (): ReadonlyArray<SseMessage> => {
      const out = pending
      pending = []
      return out
    }
    const feed = (chunk: Uint8Array | string): ReadonlyArray<SseMessage> => {
      parser.feed(typeof chunk === "string" ? chunk : decoder.decode(chunk, { stream: true }))
      return drain()
    }
    const flush = Stream.suspend(() => {
      const rest = decoder.decode()
      if (rest !== "") parser.feed(rest)
      return Stream.make(drain())
    })
    return Stream.fromAsyncIterable(body, onError).pipe(Stream.map(feed), Stream.concat(flush), Stream.flattenIterable)
  })

export const isDone = (m: SseMessage): boolean => m.data.trim() === "[DONE]"

const isObject = (u: unknown): u is JsonObject => typeof u === "object" && u !== null && !Array.isArray(u)

/** Parse one message's data as a JSON object; anything else is a MalformedResponse. */
export const decodeSseJson = (provider: string, m: SseMessage): Effect.Effect<JsonObject, MalformedResponse> => {
  try {
    const v: unknown = JSON.parse(m.data)
    if (isObject(v)) return Effect.succeed(v)
  } catch {
    // fall through
  }
  return Effect.fail(
    new MalformedResponse({
      provider,
      status: 200,
      message: `stream event is not a JSON object: ${m.data.slice(0, 120)}`,
    }),
  )
}
