import * as Cause from "effect/Cause"
import type * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import type * as Fiber from "effect/Fiber"
import * as Stream from "effect/Stream"
import { type ChunkRead, type ChunkSource, StreamDefect } from "./chunk-source.js"

/**
 * An Effect `Stream` read as a `ChunkSource` (for streams made with Effect combinators — the simulated
 * upstream, a plugin without the transport's SSE bridge), with one fiber for the whole stream instead of
 * one per pull: the fiber hands each batch the stream emits to the reader and waits until the reader asks
 * again (backpressure; one batch may wait ready), then pulls the next one. `cancel()` interrupts the
 * fiber, which runs the stream's finalizers. A failure is read as the error, a defect as a `StreamDefect`.
 */
export const sourceOfStream = <A, E>(
  stream: Stream.Stream<A, E>,
  context: Context.Context<never>,
): ChunkSource<A, E | StreamDefect> => new StreamSource(stream, context)

class StreamSource<A, E> implements ChunkSource<A, E | StreamDefect> {
  private readonly fiber: Fiber.Fiber<void, E>
  private batch: ReadonlyArray<A> | undefined
  /** Lets the stream's fiber pull the next batch. */
  private release: (() => void) | undefined
  /** A reader waiting for the next batch. */
  private waiting: ChunkRead<A, E | StreamDefect> | undefined
  private ended = false
  private cancelled = false
  private failure: E | StreamDefect | undefined

  constructor(stream: Stream.Stream<A, E>, context: Context.Context<never>) {
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
      if (Exit.isFailure(exit) && !this.cancelled) {
        const error = Cause.findError(exit.cause)
        this.failure = error._tag === "Success" ? error.success : new StreamDefect(exit.cause)
      }
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
    if (batch === undefined) this.end(waiting)
    else waiting(undefined, batch)
  }

  read(reader: ChunkRead<A, E | StreamDefect>): void {
    if (this.cancelled) return
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
      this.end(reader)
      return
    }
    this.waiting = reader
  }

  /** The failure once, then the end. */
  private end(reader: ChunkRead<A, E | StreamDefect>): void {
    const failure = this.failure
    this.failure = undefined
    reader(failure, undefined)
  }

  cancel(): void {
    if (this.cancelled) return
    this.cancelled = true
    this.waiting = undefined
    if (!this.ended) this.fiber.interruptUnsafe()
  }
}
