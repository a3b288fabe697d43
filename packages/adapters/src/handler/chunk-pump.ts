import type * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import type * as Fiber from "effect/Fiber"
import * as Stream from "effect/Stream"

/** Gets the next batch (`undefined`: the stream ended) or, when the stream failed or died, its cause. */
export type PumpReader<A> = (
  failure: { readonly cause: unknown } | undefined,
  batch: ReadonlyArray<A> | undefined,
) => void

/**
 * Consume an Effect `Stream` from plain async code with one fiber for the whole stream (instead of a
 * fiber per pull): the fiber hands each batch the stream emits to the reader and waits until the
 * reader has taken it (backpressure), then pulls the next one. `close()` interrupts the fiber, which
 * runs the stream's finalizers (and so cancels the upstream request).
 */
export class ChunkPump<A> {
  private readonly fiber: Fiber.Fiber<void, unknown>
  private batch: ReadonlyArray<A> | undefined
  /** Lets the stream's fiber pull the next batch. */
  private release: (() => void) | undefined
  /** A reader waiting for the next batch. */
  private waiting: PumpReader<A> | undefined
  private ended = false
  private closed = false
  private failure: { readonly cause: unknown } | undefined

  constructor(stream: Stream.Stream<A, unknown>, context: Context.Context<never>) {
    this.fiber = Effect.runForkWith(context)(
      Stream.runForEachArray(stream, (batch) => {
        if (this.waiting === undefined) {
          // no reader yet: keep the batch for the next read
          this.batch = batch
          return this.held
        }
        // a reader is waiting: hand the batch over; a reader that asks again at once (a socket that
        // took the write) lets the stream go on without suspending the fiber
        this.wake(batch)
        return this.waiting === undefined ? this.held : Effect.void
      }),
    )
    this.fiber.addObserver((exit) => {
      this.ended = true
      if (Exit.isFailure(exit) && !this.closed) this.failure = { cause: exit.cause }
      this.wake(undefined)
    })
  }

  /** The fiber, its batch handed over or kept, waits here until the reader asks for the next one. */
  private readonly held = Effect.callback<void>((resume) => {
    this.release = () => resume(Effect.void)
  })

  private wake(batch: ReadonlyArray<A> | undefined): void {
    const waiting = this.waiting
    if (waiting === undefined) return
    this.waiting = undefined
    if (batch === undefined && this.failure !== undefined) waiting(this.failure, undefined)
    else waiting(undefined, batch)
  }

  /**
   * The next batch (`undefined` once the stream has ended), or the failure, to `reader` — at once when
   * it is ready, else later. One read at a time. No Promise: a stream waiting on its upstream holds
   * only the reader.
   */
  read(reader: PumpReader<A>): void {
    const ready = this.batch
    if (ready !== undefined) {
      this.batch = undefined
      reader(undefined, ready)
      return
    }
    // the previous batch is consumed: let the stream produce the next one
    const release = this.release
    this.release = undefined
    release?.()
    const now = this.batch as ReadonlyArray<A> | undefined
    if (now !== undefined) {
      this.batch = undefined
      reader(undefined, now)
      return
    }
    if (this.ended) {
      reader(this.failure, undefined)
      return
    }
    this.waiting = reader
  }

  /** Stop: interrupt the stream (its finalizers run) and give a pending reader the end. */
  close(): Promise<void> {
    if (this.ended) return Promise.resolve()
    this.closed = true
    return new Promise((resolve) => {
      this.fiber.addObserver(() => resolve())
      this.fiber.interruptUnsafe()
    })
  }
}
