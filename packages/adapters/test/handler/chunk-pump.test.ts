import { Context, Effect, Stream } from "effect"
import { describe, expect, it } from "vitest"
import { ChunkPump } from "../../src/handler/chunk-pump.js"

const ctx = Context.empty() as Context.Context<never>

/** The pump's next batch as a Promise: `undefined` once the stream has ended; rejects if it failed or died. */
const next = <A>(pump: ChunkPump<A>): Promise<ReadonlyArray<A> | undefined> =>
  new Promise((resolve, reject) => {
    pump.read((failure, batch) => {
      if (failure !== undefined) reject(failure.cause)
      else resolve(batch)
    })
  })

describe("ChunkPump", () => {
  it("delivers every batch in order, then the end", async () => {
    const pump = new ChunkPump(Stream.fromIterable([1, 2, 3, 4, 5]).pipe(Stream.rechunk(2)), ctx)
    const seen: Array<ReadonlyArray<number>> = []
    for (let b = await next(pump); b !== undefined; b = await next(pump)) seen.push(b)
    expect(seen).toEqual([[1, 2], [3, 4], [5]])
  })

  it("pulls the next batch only when the reader asks (backpressure)", async () => {
    let pulled = 0
    const source = Stream.fromEffect(Effect.sync(() => ++pulled)).pipe(Stream.forever)
    const pump = new ChunkPump(source, ctx)
    await next(pump)
    await new Promise((r) => setTimeout(r, 20))
    expect(pulled).toBeLessThanOrEqual(2)
    await pump.close()
  })

  it("close() interrupts the stream and runs its finalizers; a pending next() ends", async () => {
    let finalized = false
    const source = Stream.concat(Stream.make("first"), Stream.never).pipe(
      Stream.ensuring(
        Effect.sync(() => {
          finalized = true
        }),
      ),
    )
    const pump = new ChunkPump(source, ctx)
    expect(await next(pump)).toEqual(["first"])
    const pending = next(pump)
    await pump.close()
    expect(await pending).toBeUndefined()
    expect(finalized).toBe(true)
  })

  it("a stream that dies rejects next()", async () => {
    const pump = new ChunkPump(Stream.concat(Stream.make(1), Stream.die(new Error("boom"))), ctx)
    expect(await next(pump)).toEqual([1])
    await expect(next(pump)).rejects.toBeDefined()
  })
})
