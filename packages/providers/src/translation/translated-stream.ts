import { type ChunkSource, type JsonObject, MalformedResponse, type ProviderError } from "@switchyard/core"
import * as Effect from "effect/Effect"
import * as Result from "effect/Result"
import * as Stream from "effect/Stream"
import type { Redactor } from "../errors/redact.js"
import { type SseMessages, sseSource } from "../sse/exchange-stream.js"
import { parseSseJson } from "../sse/sse.js"

/** A stateful provider-stream → OpenAI-chunk translator (Gemini, Anthropic). */
export interface StreamTranslator {
  /** One upstream event (a parsed `data:` payload) → zero or more OpenAI chunks, or the stream's error. */
  readonly push: (event: unknown) => Result.Result<Array<JsonObject>, ProviderError>
  /** The upstream body ended → closing chunks, or an error if the stream was cut before its finish. */
  readonly end: () => Result.Result<Array<JsonObject>, ProviderError>
  /**
   * The upstream sent its stream's terminal event (Anthropic's `message_stop`): the stream ends there (`end` gives
   * its closing chunks), whatever the body does next. Absent: the stream ends with the body.
   */
  readonly complete?: boolean
}

const into = (
  r: Result.Result<Array<JsonObject>, ProviderError>,
  out: Array<JsonObject>,
): ProviderError | undefined => {
  if (Result.isFailure(r)) return r.failure
  for (const chunk of r.success) out.push(chunk)
  return undefined
}

/** Events already parsed (Google's JSON-array answer) through a translator; the translator decides the end. */
export const translateEvents = <E>(
  events: Stream.Stream<unknown, E>,
  translator: StreamTranslator,
): Stream.Stream<JsonObject, E | ProviderError> =>
  events.pipe(
    Stream.mapEffect((event) => Effect.fromResult(translator.push(event))),
    Stream.concat(Stream.suspend(() => Stream.fromEffect(Effect.fromResult(translator.end())))),
    Stream.flattenIterable,
  )

/**
 * An exchange's SSE messages → OpenAI chunks, on the one SSE bridge (`sseSource`): each `data:` is JSON
 * (else MalformedResponse), then translated; an error ends the stream after the chunks before it.
 */
export const translateSse = (
  provider: string,
  messages: SseMessages,
  translator: StreamTranslator,
  redact: Redactor,
): ChunkSource<JsonObject, ProviderError> =>
  sseSource<JsonObject>(
    messages,
    (batch, out) => {
      for (const m of batch) {
        const event = parseSseJson(provider, m, redact)
        if (event instanceof MalformedResponse) return event
        const failure = into(translator.push(event), out)
        if (failure !== undefined) return failure
      }
      return undefined
    },
    (out) => into(translator.end(), out),
    () => translator.complete === true,
  )
