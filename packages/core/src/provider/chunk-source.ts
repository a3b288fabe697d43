/**
 * A chunk stream read by pulling, with plain callbacks: the one bridge a streamed answer takes from the
 * upstream's HTTP exchange, through the router, to the client's socket — no fiber, Promise or Effect per
 * chunk, and nothing held while it waits on the upstream but the reader's callback.
 *
 *   source.read(done)    the next batch (never empty) → done(undefined, batch); the end → done(undefined,
 *                        undefined); a failure → done(error, undefined). One read at a time; `done` may run
 *                        before `read` returns. Reads after the end (or the failure) get the end.
 *                        Backpressure: nothing is pulled from upstream until the next read.
 *   source.cancel()      stop reading: the upstream request is aborted, no callback runs afterwards;
 *                        idempotent, and harmless after the end.
 *   chunkStream(source)  the same chunks as an Effect `Stream` (closing it cancels the source)
 *   readBatches(source, onBatch, onEnd)  read it batch after batch on its callbacks, without recursing
 *
 * A source that died (a defect in the code producing it, not an upstream failure) reports a `StreamDefect`;
 * `chunkStream` turns it back into the defect.
 */
import * as Cause from "effect/Cause"
import * as Channel from "effect/Channel"
import * as Effect from "effect/Effect"
import * as Scope from "effect/Scope"
import * as Stream from "effect/Stream"

/** Called with the next batch, `(undefined, undefined)` at the end, or `(error, undefined)`. */
export type ChunkRead<A, E> = (error: E | undefined, batch: ReadonlyArray<A> | undefined) => void

export interface ChunkSource<A, E> {
  readonly read: (done: ChunkRead<A, E>) => void
  readonly cancel: () => void
}

/** A source that died: a bug (a defect, an interruption it did not ask for), never an upstream failure. */
export class StreamDefect {
  readonly _tag = "StreamDefect"
  constructor(readonly cause: Cause.Cause<unknown>) {}
}

/** A source's chunks as an Effect `Stream`: one read per pull; closing the stream cancels the source. */
export const chunkStream = <A, E>(source: ChunkSource<A, E | StreamDefect>): Stream.Stream<A, E> =>
  Stream.fromChannel(
    Channel.fromTransform((_, scope) => {
      const pull = Effect.callback<readonly [A, ...Array<A>], E | Cause.Done>((resume) => {
        source.read((error, batch) => {
          if (batch !== undefined) resume(Effect.succeed(batch as readonly [A, ...Array<A>]))
          else if (error instanceof StreamDefect) resume(Effect.failCause(error.cause as Cause.Cause<E>))
          else if (error !== undefined) resume(Effect.fail(error))
          else resume(Cause.done())
        })
      })
      return Effect.as(
        Scope.addFinalizer(
          scope,
          Effect.sync(() => source.cancel()),
        ),
        pull,
      )
    }),
  )

const NEVER_STOPPED = (): boolean => false

/**
 * Read `source` batch after batch on its callbacks: `onBatch` for each (`false`: read no more), then `onEnd`
 * once at its end (`undefined`) or failure. Nothing more is read, and no callback runs, once `stopped()`. A source
 * may call back before `read` returns: the reads loop instead of recursing.
 */
export const readBatches = <A, E>(
  source: ChunkSource<A, E>,
  onBatch: (batch: ReadonlyArray<A>) => boolean,
  onEnd: (error: E | undefined) => void,
  stopped: () => boolean = NEVER_STOPPED,
): void => {
  let reading = false
  let again = false
  let over = false
  const done: ChunkRead<A, E> = (error, batch) => {
    if (over || stopped()) return
    if (batch === undefined) {
      over = true
      onEnd(error)
    } else if (onBatch(batch)) next()
    else over = true
  }
  const next = (): void => {
    if (reading) {
      again = true
      return
    }
    reading = true
    do {
      again = false
      if (!over && !stopped()) source.read(done)
    } while (again)
    reading = false
  }
  next()
}
