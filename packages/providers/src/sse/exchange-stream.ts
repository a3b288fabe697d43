/**
 * The one bridge from a streamed HTTP exchange to core's `ChunkSource`: every plugin's chunks are pulled
 * straight from the undici dispatcher handler (`SseExchange`), one body chunk's batch of SSE messages per
 * read, converted in place (no per-message combinators, no intermediate message stream, no fiber) — the
 * router reads the source and hands it on to the client's socket the same way.
 *
 *   SseMessages                         what `Transport.requestSse` hands a plugin: the exchange's batches
 *                                       and how its errors map (`read`, `cancel`, `onError`)
 *   sseSource(messages, convert, end)   → ChunkSource<A, ProviderError> (`sourcedChunks(source)` from core
 *                                       makes a ChatStream's `source` and `chunks` of it)
 *     convert(batch, out)  appends the batch's outputs to `out`; returns an error to end the stream with
 *                          (after the outputs already in `out` went out)
 *     end(out)             the body ended: closing outputs, or the error a cut stream ends with
 *     complete()           (optional) the stream's terminal event came (`[DONE]`, Anthropic's `message_stop`):
 *                          the consumer gets its end now (after `end(out)`), whatever the body does next; the
 *                          rest of the body is read and dropped, so its connection is kept for the next request,
 *                          for at most `DRAIN_MS`, then the exchange is aborted (an upstream that holds the
 *                          response open after its last event costs a socket for a second, not the client its
 *                          request deadline)
 *   messageStream(messages)             → Stream<SseMessage, ProviderError> (the messages as they are)
 *
 * Cancelling the source — or closing a stream of it — cancels the exchange (aborts the upstream request);
 * so does its end or failure.
 */
import { type ChunkRead, type ChunkSource, chunkStream, type ProviderError } from "@switchyard/core"
import type * as Stream from "effect/Stream"
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

/** How long the rest of a body is read after the stream's terminal event before the exchange is aborted. */
export const DRAIN_MS = 1_000

export const sseSource = <A>(
  messages: SseMessages,
  convert: (batch: SseBatch, out: Array<A>) => ProviderError | undefined,
  end: (out: Array<A>) => ProviderError | undefined,
  complete?: () => boolean,
): ChunkSource<A, ProviderError> => new SseSource(messages, convert, end, complete)

class SseSource<A> implements ChunkSource<A, ProviderError> {
  /** An error met mid-batch or at the end: the outputs before it go out first. */
  private failure: ProviderError | undefined = undefined
  private ended = false
  private cancelled = false
  /** The exchange was cancelled (it is, once, at the end, at a failure, or when the source is cancelled). */
  private stopped = false
  private reader: ChunkRead<A, ProviderError> | undefined = undefined
  /** The terminal event came and the consumer has its end: what is left of the body is read and dropped. */
  private draining = false
  private drainTimer: ReturnType<typeof setTimeout> | undefined = undefined
  private readonly onBatch = (error: Error | undefined, batch: SseBatch | undefined): void =>
    this.draining ? this.drained(batch) : this.batch(error, batch)

  constructor(
    private readonly messages: SseMessages,
    private readonly convert: (batch: SseBatch, out: Array<A>) => ProviderError | undefined,
    private readonly finish: (out: Array<A>) => ProviderError | undefined,
    private readonly complete: (() => boolean) | undefined,
  ) {}

  read(done: ChunkRead<A, ProviderError>): void {
    if (this.cancelled) return
    const failure = this.failure
    if (failure !== undefined) {
      this.failure = undefined
      this.ended = true
      done(failure, undefined)
    } else if (this.ended) done(undefined, undefined)
    else {
      this.reader = done
      this.messages.read(this.onBatch)
    }
  }

  private batch(error: Error | undefined, batch: SseBatch | undefined): void {
    const out: Array<A> = []
    if (batch !== undefined) {
      this.failure = this.convert(batch, out)
      if (this.failure === undefined && this.complete?.() === true) {
        this.ended = true
        this.failure = this.finish(out)
        this.draining = this.failure === undefined
      }
    } else if (error !== undefined) this.failure = this.messages.onError(error)
    else {
      this.ended = true
      this.failure = this.finish(out)
    }
    if (this.failure !== undefined || (this.ended && !this.draining)) this.stop()
    if (this.draining) this.drain()
    if (out.length > 0) this.deliver(undefined, out)
    else if (this.failure !== undefined) {
      const failure = this.failure
      this.failure = undefined
      this.ended = true
      this.deliver(failure, undefined)
    } else if (this.ended) this.deliver(undefined, undefined)
    // every message of the batch was dropped: read on
    else this.messages.read(this.onBatch)
  }

  private deliver(error: ProviderError | undefined, out: ReadonlyArray<A> | undefined): void {
    const reader = this.reader
    this.reader = undefined
    reader?.(error, out)
  }

  cancel(): void {
    this.cancelled = true
    this.reader = undefined
    // the consumer is done with a completed stream: the drain goes on (it ends the exchange itself)
    if (!this.draining) this.stop()
  }

  /**
   * Read the rest of the body and drop it. A body that ends at once (the usual case: the end of the body came with
   * the terminal event) needs no timer; the timer is set only if the drain still waits after this turn.
   */
  private drain(): void {
    this.messages.read(this.onBatch)
    queueMicrotask(() => {
      if (this.draining && this.drainTimer === undefined) {
        this.drainTimer = setTimeout(() => this.drained(undefined), DRAIN_MS)
        this.drainTimer.unref?.()
      }
    })
  }

  /** A batch read while draining (dropped: read on), or the end of the drain (the body's end or error, the timer). */
  private drained(batch: SseBatch | undefined): void {
    if (!this.draining) return
    if (batch !== undefined) {
      this.messages.read(this.onBatch)
      return
    }
    this.draining = false
    clearTimeout(this.drainTimer)
    this.stop()
  }

  private stop(): void {
    if (this.stopped) return
    this.stopped = true
    this.messages.cancel()
  }
}

const copy = (batch: SseBatch, out: Array<SseMessage>): undefined => {
  for (const m of batch) out.push(m)
  return undefined
}

/** The messages as they arrive (a plugin that needs no conversion, tests). */
export const messageStream = (messages: SseMessages): Stream.Stream<SseMessage, ProviderError> =>
  chunkStream(sseSource(messages, copy, () => undefined))
