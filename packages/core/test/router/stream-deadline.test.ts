import { Effect } from "effect"
import { describe, expect, it } from "vitest"
import {
  byPrice,
  consume,
  FakeUpstream,
  requestOf,
  runRouter,
  settle,
  stream,
  successOf,
  text,
  twoCatalog,
} from "./support.js"

describe("streaming past the request deadline", () => {
  it("ends a committed stream at the deadline with an in-band timeout chunk, closes the upstream, refunds capacity", async () => {
    // a chunk every second, 10 of them; the request may take 3.5 s (and its first attempt all of it:
    // no time kept for a fallback)
    const upstream = new FakeUpstream().always("a", stream({ tokens: 10, chunkMs: 1_000 })).always("b", stream())
    const out = await runRouter(
      twoCatalog({ requestTimeoutMs: 3_500, attemptTimeoutMs: 3_500, firstTokenTimeoutMs: 3_500, fallbackReserve: 0 }),
      upstream,
      Effect.map(settle(consume(requestOf(byPrice({}, { stream: true })))), successOf),
    )
    // the role chunk at 1 s, tokens at 2 s and 3 s; the deadline at 3.5 s cuts the wait for the next one
    expect(text(out.chunks)).toBe("a-0 a-1 ")
    const last = out.chunks[out.chunks.length - 1]!
    expect(last.choices).toEqual([{ index: 0, delta: { content: "" }, finish_reason: "error" }])
    expect(last.error).toMatchObject({ message: "The request deadline passed mid-stream" })
    expect(out.trace.attempts.map((a) => a.outcome)).toEqual(["stream_error"])
    expect(upstream.callsTo("b")).toBe(0)
    expect(upstream.closedStreams).toEqual(["a"])
    expect(out.open).toBe(0)
  })
})
