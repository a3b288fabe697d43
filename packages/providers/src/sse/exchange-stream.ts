/**
 * The messages of an `SseExchange` as an Effect `Stream`: one batch per body chunk, pulled straight
 * from the exchange (a single channel, no per-chunk combinators). Closing the stream — its end,
 * its failure, or the consumer's interruption — cancels the exchange (aborts the upstream request).
 *
 *   sseExchangeMessages(exchange, onError) → Stream<SseMessage, E>
 *   exchangeSource(stream) → { exchange, onError } | undefined
 *     for a stream made by `sseExchangeMessages`: lets a decoder on top read the exchange directly
 *     (one callback per body chunk instead of a pull per layer). Such a decoder owns the exchange:
 *     it must cancel it when its own stream closes.
 */
import * as Cause from "effect/Cause"
import * as Channel from "effect/Channel"
import * as Effect from "effect/Effect"
import * as Scope from "effect/Scope"
import * as Stream from "effect/Stream"
import type { SseMessage } from "./decoder.js"
import type { SseBatch, SseExchange } from "./dispatch.js"

export interface ExchangeSource {
  readonly exchange: SseExchange
  readonly onError: (cause: unknown) => unknown
}

const sources = new WeakMap<Stream.Stream<SseMessage, unknown>, ExchangeSource>()

export const exchangeSource = <E>(
  stream: Stream.Stream<SseMessage, E>,
): { readonly exchange: SseExchange; readonly onError: (cause: unknown) => E } | undefined =>
  sources.get(stream) as { readonly exchange: SseExchange; readonly onError: (cause: unknown) => E } | undefined

export const sseExchangeMessages = <E>(
  exchange: SseExchange,
  onError: (cause: unknown) => E,
): Stream.Stream<SseMessage, E> => {
  const stream = Stream.fromChannel(
    Channel.fromTransform((_, scope) => {
      const pull: Effect.Effect<SseBatch, E | Cause.Done> = Effect.callback((resume) => {
        exchange.read((error, batch) => {
          if (batch !== undefined) resume(Effect.succeed(batch))
          else if (error !== undefined) resume(Effect.fail(onError(error)))
          else resume(Cause.done())
        })
      })
      return Effect.as(
        Scope.addFinalizer(
          scope,
          Effect.sync(() => exchange.cancel()),
        ),
        pull,
      )
    }),
  )
  sources.set(stream, { exchange, onError })
  return stream
}
