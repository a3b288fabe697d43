import { Cause, Context, Effect, Exit, Stream } from "effect"
import { describe, expect, it } from "vitest"
import { type ChunkSource, chunkStream, StreamDefect } from "../../src/provider/chunk-source.js"
import { sourceOfStream } from "../../src/provider/stream-source.js"

const ctx = Context.empty() as Context.Context<never>

/** The source's next batch as a Promise: `undefined` at the end; rejects with the error it reads. */
const next = <A, E>(source: ChunkSource<A, E>): Promise<ReadonlyArray<A> | undefined> =>
  new Promise((resolve, reject) => {
    source.read((error, batch) => {
      if (error !== undefined) reject(error)
      else resolve(batch)
    })
  })

describe("sourceOfStream", () => {
  it("delivers every batch in order, then the end (and the end again)", async () => {
    const source = sourceOfStream(Stream.fromIterable([1, 2, 3, 4, 5]).pipe(Stream.rechunk(2)), ctx)
    const seen: Array<ReadonlyArray<number>> = []
    for (let b = await next(source); b !== undefined; b = await next(source)) seen.push(b)
    expect(seen).toEqual([[1, 2], [3, 4], [5]])
    expect(await next(source)).toBeUndefined()
  })

  it("pulls the next batch only when the reader asks (backpressure)", async () => {
    let pulled = 0
    const source = sourceOfStream(Stream.fromEffect(Effect.sync(() => ++pulled)).pipe(Stream.forever), ctx)
    await next(source)
    await new Promise((r) => setTimeout(r, 20))
    expect(pulled).toBeLessThanOrEqual(2)
    source.cancel()
  })

  it("cancel() interrupts the stream and runs its finalizers; a pending read gets no callback", async () => {
    let finalized = false
    const stream = Stream.concat(Stream.make("first"), Stream.never).pipe(
      Stream.ensuring(
        Effect.sync(() => {
          finalized = true
        }),
      ),
    )
    const source = sourceOfStream(stream, ctx)
    expect(await next(source)).toEqual(["first"])
    let called = false
    source.read(() => {
      called = true
    })
    source.cancel()
    await new Promise((r) => setTimeout(r, 20))
    expect(finalized).toBe(true)
    expect(called).toBe(false)
  })

  it("a failure is read as the error, then the end; a defect as a StreamDefect", async () => {
    const failing = sourceOfStream(Stream.concat(Stream.make(1), Stream.fail("nope")), ctx)
    expect(await next(failing)).toEqual([1])
    await expect(next(failing)).rejects.toBe("nope")
    expect(await next(failing)).toBeUndefined()
    const dying = sourceOfStream(Stream.concat(Stream.make(1), Stream.die(new Error("boom"))), ctx)
    expect(await next(dying)).toEqual([1])
    await expect(next(dying)).rejects.toBeInstanceOf(StreamDefect)
  })
})

describe("chunkStream", () => {
  it("reads a source as a stream: its batches, its failure, a StreamDefect as the defect itself", async () => {
    const ok = await Effect.runPromise(Stream.runCollect(chunkStream(sourceOfStream(Stream.make(1, 2, 3), ctx))))
    expect(ok).toEqual([1, 2, 3])
    const failed = await Effect.runPromiseExit(
      Stream.runCollect(chunkStream(sourceOfStream(Stream.concat(Stream.make(1), Stream.fail("nope")), ctx))),
    )
    expect(failed).toMatchObject({ _tag: "Failure" })
    const died = await Effect.runPromiseExit(
      Stream.runCollect(chunkStream(sourceOfStream(Stream.die(new Error("boom")), ctx))),
    )
    expect(Exit.isFailure(died) && Cause.hasDies(died.cause)).toBe(true)
  })

  it("closing the stream early cancels the source", async () => {
    let cancelled = 0
    const source: ChunkSource<number, never> = {
      read: (done) => done(undefined, [1]),
      cancel: () => {
        cancelled++
      },
    }
    const head = await Effect.runPromise(Stream.runHead(chunkStream(source)))
    expect(head).toMatchObject({ _tag: "Some", value: 1 })
    expect(cancelled).toBe(1)
  })
})
