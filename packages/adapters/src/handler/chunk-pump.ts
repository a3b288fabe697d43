import { type Context, Effect, Exit, type Fiber, Stream } from "effect"

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
  private waiting: ((batch: ReadonlyArray<A> | undefined) => void) | undefined
  private ended = false
  private failure: { readonly cause: unknown } | undefined

  constructor(stream: Stream.Stream<A, unknown>, context: Context.Context<never>) {
    this.fiber = Effect.runForkWith(context)(
      Stream.runForEachArray(stream, (batch) =>
        Effect.callback<void>((resume) => {
          this.offer(batch, () => resume(Effect.void))
        }),
      ),
    )
    this.fiber.addObserver((exit) => {
      this.ended = true
      if (Exit.isFailure(exit) && !this.closed) this.failure = { cause: exit.cause }
      this.wake(undefined)
    })
  }

  private closed = false

  private offer(batch: ReadonlyArray<A>, release: () => void): void {
    this.release = release
    if (this.waiting !== undefined) this.wake(batch)
    else this.batch = batch
  }

  private wake(batch: ReadonlyArray<A> | undefined): void {
    const waiting = this.waiting
    if (waiting === undefined) return
    this.waiting = undefined
    waiting(batch)
  }

  /** The next batch, or `undefined` once the stream has ended. Rejects if the stream failed or died. */
  next(): Promise<ReadonlyArray<A> | undefined> {
    const ready = this.batch
    if (ready !== undefined) {
      this.batch = undefined
      return Promise.resolve(ready)
    }
    // the previous batch is consumed: let the stream produce the next one
    const release = this.release
    this.release = undefined
    release?.()
    if (this.batch !== undefined) {
      const b = this.batch
      this.batch = undefined
      return Promise.resolve(b)
    }
    if (this.ended) return this.failure ? Promise.reject(this.failure.cause) : Promise.resolve(undefined)
    return new Promise((resolve, reject) => {
      this.waiting = (batch) => {
        if (batch === undefined && this.failure) reject(this.failure.cause)
        else resolve(batch)
      }
    })
  }

  /** Stop: interrupt the stream (its finalizers run) and resolve a pending `next()` with the end. */
  close(): Promise<void> {
    if (this.ended) return Promise.resolve()
    this.closed = true
    return new Promise((resolve) => {
      this.fiber.addObserver(() => resolve())
      this.fiber.interruptUnsafe()
    })
  }
}
