import { chunkStream, MalformedResponse, type ProviderError, TransportError } from "@switchyard/core"
import { Effect, Stream } from "effect"
import { describe, expect, it } from "vitest"
import type { SseBatch, SseReadCallback } from "../../src/sse/dispatch.js"
import { type SseMessages, sseSource } from "../../src/sse/exchange-stream.js"
import { failureOf, successOf } from "../conformance/run.js"

/** A source that answers reads from a script: batches, then an error or the end of the body. */
const scripted = (steps: ReadonlyArray<SseBatch | Error | "end">) => {
  let i = 0
  const state = { cancelled: 0, reads: 0 }
  const messages: SseMessages = {
    read: (done: SseReadCallback) => {
      state.reads++
      const step = steps[i++] ?? "end"
      queueMicrotask(() => {
        if (step === "end") done(undefined, undefined)
        else if (step instanceof Error) done(step, undefined)
        else done(undefined, step)
      })
    },
    cancel: () => {
      state.cancelled++
    },
    onError: (e) => new TransportError({ provider: "p", status: 200, message: (e as Error).message, kind: "reset" }),
  }
  return { messages, state }
}
const batch = (...data: Array<string>): SseBatch => data.map((d) => ({ event: undefined, data: d })) as never
const malformed = new MalformedResponse({ provider: "p", status: 200, message: "bad" })

/** data "x" → output "x"; "skip" → nothing; "bad" → the batch ends with `malformed` */
const convert = (b: SseBatch, out: Array<string>): ProviderError | undefined => {
  for (const m of b) {
    if (m.data === "bad") return malformed
    if (m.data !== "skip") out.push(m.data)
  }
  return undefined
}
const collect = (s: Stream.Stream<string, ProviderError>) => Effect.runPromiseExit(Stream.runCollect(s))

describe("sseSource (read as a stream)", () => {
  it("converts batch by batch, skips batches with no output, adds the closing outputs, cancels at the end", async () => {
    const { messages, state } = scripted([batch("a", "b"), batch("skip"), batch("c"), "end"])
    const out = successOf(await collect(chunkStream(sseSource(messages, convert, (o) => void o.push("closing")))))
    expect(out).toEqual(["a", "b", "c", "closing"])
    expect(state.cancelled).toBe(1)
  })

  it("an error mid-batch ends the stream after the outputs before it", async () => {
    const { messages } = scripted([batch("a", "bad", "never"), batch("never")])
    const exit = await collect(
      Stream.catch(chunkStream(sseSource(messages, convert, () => undefined)), (e) => Stream.make(`failed: ${e._tag}`)),
    )
    expect(successOf(exit)).toEqual(["a", "failed: MalformedResponse"])
  })

  it("a body error arrives through onError; a cut stream fails with what `end` says", async () => {
    const broken = scripted([batch("a"), new Error("socket hang up")])
    expect(failureOf(await collect(chunkStream(sseSource(broken.messages, convert, () => undefined))))).toMatchObject({
      _tag: "TransportError",
      message: "socket hang up",
    })
    const cut = scripted([batch("a"), "end"])
    expect(failureOf(await collect(chunkStream(sseSource(cut.messages, convert, () => malformed))))).toBe(malformed)
  })

  it("closing the stream early cancels the exchange and reads no further", async () => {
    const { messages, state } = scripted([batch("a"), batch("b"), batch("c")])
    const head = successOf(
      await Effect.runPromiseExit(Stream.runHead(chunkStream(sseSource(messages, convert, () => undefined)))),
    )
    expect(head).toMatchObject({ value: "a" })
    expect(state.cancelled).toBe(1)
    expect(state.reads).toBe(1)
  })
})
