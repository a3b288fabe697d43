/**
 * The one bridge from a streamed HTTP exchange to an Effect `Stream`: every plugin's chunks are pulled
 * straight from the undici dispatcher handler (`SseExchange`), one body chunk's batch of SSE messages per
 * pull, converted in place (no per-message combinators, no intermediate message stream).
 *
 *   SseMessages                          what `Transport.requestSse` hands a plugin: the exchange's batches
 *                                        and how its errors map (`read`, `cancel`, `onError`)
 *   sseBatches(messages, convert, end)   → Stream<A, ProviderError>
 *     convert(batch, out)  appends the batch's outputs to `out`; returns an error to end the stream with
 *                          (after the outputs already in `out` went out)
 *     end(out)             the body ended: closing outputs, or the error a cut stream ends with
 *   messageStream(messages)              → Stream<SseMessage, ProviderError> (the messages as they are)
 *
 * Closing the stream — its end, its failure, or the consumer's interruption — cancels the exchange (aborts
 * the upstream request).
 */
import type { ProviderError } from "@switchyard/core"
import * as Cause from "effect/Cause"
import * as Channel from "effect/Channel"
import * as Effect from "effect/Effect"
import * as Scope from "effect/Scope"
import * as Stream from "effect/Stream"
import type { SseMessage } from "./decoder.js"
import type { SseBatch, SseReadCallback } from "./dispatch.js"

export type { SseBatch, SseReadCallback } from "./dispatch.js"

export interface SseMessages {
  /** The next batch, `(undefined, undefined)` at the end of the body, or the body's error; one read at a time. */
  readonly read: (done: SseReadCallback) => void
  /** Abort the exchange; no callback runs after it. */
  readonly cancel: () => void
  /** A body error (socket reset, idle timeout) as the plugin's error. */
  readonly onError: (cause: unknown) => ProviderError
}

type Out<A> = readonly [A, ...Array<A>]

export const sseBatches = <A>(
  messages: SseMessages,
  convert: (batch: SseBatch, out: Array<A>) => ProviderError | undefined,
  end: (out: Array<A>) => ProviderError | undefined,
): Stream.Stream<A, ProviderError> =>
  Stream.fromChannel(
    Channel.fromTransform((_, scope) => {
      /** An error met mid-batch or at the end: the outputs before it go out first. */
      let failure: ProviderError | undefined
      let ended = false
      const pull: Effect.Effect<Out<A>, ProviderError | Cause.Done> = Effect.callback((resume) => {
        if (failure !== undefined) {
          resume(Effect.fail(failure))
          return
        }
        if (ended) {
          resume(Cause.done())
          return
        }
        const onBatch = (error: Error | undefined, batch: SseBatch | undefined): void => {
          const out: Array<A> = []
          if (batch !== undefined) failure = convert(batch, out)
          else if (error !== undefined) failure = messages.onError(error)
          else {
            ended = true
            failure = end(out)
          }
          if (out.length > 0) resume(Effect.succeed(out as unknown as Out<A>))
          else if (failure !== undefined) resume(Effect.fail(failure))
          else if (ended) resume(Cause.done())
          else messages.read(onBatch)
        }
        messages.read(onBatch)
      })
      return Effect.as(
        Scope.addFinalizer(
          scope,
          Effect.sync(() => messages.cancel()),
        ),
        pull,
      )
    }),
  )

const copy = (batch: SseBatch, out: Array<SseMessage>): undefined => {
  for (const m of batch) out.push(m)
  return undefined
}

/** The messages as they arrive (a plugin that needs no conversion, tests). */
export const messageStream = (messages: SseMessages): Stream.Stream<SseMessage, ProviderError> =>
  sseBatches(messages, copy, () => undefined)
