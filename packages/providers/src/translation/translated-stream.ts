import type { JsonObject, ProviderError } from "@switchyard/core"
import * as Effect from "effect/Effect"
import type * as Result from "effect/Result"
import * as Stream from "effect/Stream"
import { decodeSseJson, type SseMessage } from "../sse/sse.js"

/** A stateful provider-stream → OpenAI-chunk translator (Gemini, Anthropic). */
export interface StreamTranslator {
  /** One upstream event (a parsed `data:` payload) → zero or more OpenAI chunks, or the stream's error. */
  readonly push: (event: unknown) => Result.Result<Array<JsonObject>, ProviderError>
  /** The upstream body ended → closing chunks, or an error if the stream was cut before its finish. */
  readonly end: () => Result.Result<Array<JsonObject>, ProviderError>
}

/** Run parsed upstream events through a translator; the translator decides how the stream ends. */
export const translateEvents = <E>(
  events: Stream.Stream<unknown, E>,
  translator: StreamTranslator,
): Stream.Stream<JsonObject, E | ProviderError> =>
  events.pipe(
    Stream.mapEffect((event) => Effect.fromResult(translator.push(event))),
    Stream.concat(Stream.suspend(() => Stream.fromEffect(Effect.fromResult(translator.end())))),
    Stream.flattenIterable,
  )

/** SSE messages → OpenAI chunks: each `data:` is JSON (else MalformedResponse), then translated. */
export const translateSse = (
  provider: string,
  messages: Stream.Stream<SseMessage, ProviderError>,
  translator: StreamTranslator,
): Stream.Stream<JsonObject, ProviderError> =>
  translateEvents(messages.pipe(Stream.mapEffect((m) => decodeSseJson(provider, m))), translator)
