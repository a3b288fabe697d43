import { Effect } from "effect"
import { describe, expect, it } from "vitest"
import { AllRateLimited, type JsonObject } from "../../src/index.js"
import {
  byPrice,
  consume,
  FakeUpstream,
  fail,
  failureOf,
  rateLimited,
  requestOf,
  runRouter,
  settle,
  stream,
  successOf,
  text,
  twoCatalog,
} from "./support.js"

const streamed = (provider: JsonObject = {}) => requestOf(byPrice(provider, { stream: true }))

describe("streaming", () => {
  it("streams chunks with `provider` on the first chunk only, the model used, and usage with cost", async () => {
    const upstream = new FakeUpstream().always("a", stream({ tokens: 3 }))
    const out = await runRouter(twoCatalog(), upstream, Effect.map(settle(consume(streamed())), successOf))
    expect(out.chunks[0]?.provider).toBe("a")
    expect(out.chunks.filter((c) => "provider" in c)).toHaveLength(1)
    expect(out.chunks.every((c) => c.model === "m")).toBe(true)
    expect(text(out.chunks)).toBe("a-0 a-1 a-2 ")
    const last = out.chunks[out.chunks.length - 1]!
    expect(last.usage).toEqual({
      prompt_tokens: 10,
      completion_tokens: 3,
      total_tokens: 13,
      cost: (10 + 3) / 1_000_000,
      cost_details: {
        prompt: 10 / 1_000_000,
        cache_read: 0,
        cache_write: 0,
        completion: 3 / 1_000_000,
        request: 0,
        cache_savings: 0,
      },
    })
    expect(out.trace.usage?.completionTokens).toBe(3)
    expect(out.trace.attempts.map((a) => a.outcome)).toEqual(["success"])
    expect(out.open).toBe(0)
    expect(upstream.calls[0]?.body.stream_options).toEqual({ include_usage: true })
  })

  it("an upstream's own `provider` on every chunk (OpenRouter): removed from every chunk, reported once as `upstream_provider`", async () => {
    const upstream = new FakeUpstream().always("a", stream({ tokens: 3, upstreamProvider: "Mistral" }))
    const out = await runRouter(twoCatalog(), upstream, Effect.map(settle(consume(streamed())), successOf))
    expect(out.chunks.length).toBeGreaterThan(3)
    expect(out.chunks.map((c) => c.provider)).toEqual(out.chunks.map((_, i) => (i === 0 ? "a" : undefined)))
    expect(out.chunks.map((c) => c.upstream_provider)).toEqual(
      out.chunks.map((_, i) => (i === 0 ? "Mistral" : undefined)),
    )
    // a client that merges chunk fields (concatenating strings) ends with one name each
    const merged: Record<string, string> = {}
    for (const c of out.chunks)
      for (const k of ["provider", "upstream_provider"] as const)
        if (typeof c[k] === "string") merged[k] = (merged[k] ?? "") + c[k]
    expect(merged).toEqual({ provider: "a", upstream_provider: "Mistral" })
  })

  it("falls back to the next endpoint when a stream fails before its first token", async () => {
    const upstream = new FakeUpstream().always("a", stream({ failAfter: 0 })).always("b", stream({ tokens: 2 }))
    const out = await runRouter(twoCatalog(), upstream, Effect.map(settle(consume(streamed())), successOf))
    expect(text(out.chunks)).toBe("b-0 b-1 ")
    expect(out.chunks[0]?.provider).toBe("b")
    expect(out.chunks.some((c) => JSON.stringify(c).includes("a-"))).toBe(false)
    expect(out.trace.attempts.map((a) => [a.endpoint, a.outcome])).toEqual([
      ["m@a", "upstream_error"],
      ["m@b", "success"],
    ])
    expect(upstream.closedStreams).toEqual(["a", "b"])
  })

  it("falls back when the upstream refuses the stream before any chunk", async () => {
    const upstream = new FakeUpstream().always("a", fail(rateLimited(10_000))).always("b", stream({ tokens: 1 }))
    const out = await runRouter(twoCatalog(), upstream, Effect.map(settle(consume(streamed())), successOf))
    expect(text(out.chunks)).toBe("b-0 ")
  })

  it("ends a stream that fails after its first token with an error chunk and never falls back", async () => {
    const upstream = new FakeUpstream().always("a", stream({ tokens: 4, failAfter: 2 })).always("b", stream())
    const out = await runRouter(twoCatalog(), upstream, Effect.map(settle(consume(streamed())), successOf))
    expect(text(out.chunks)).toBe("a-0 a-1 ")
    const last = out.chunks[out.chunks.length - 1]!
    expect(last.choices).toEqual([{ index: 0, delta: { content: "" }, finish_reason: "error" }])
    expect(last.error).toMatchObject({ code: 502, metadata: { error_type: "server" } })
    expect("provider" in last).toBe(false)
    expect(upstream.callsTo("b")).toBe(0)
    expect(out.trace.attempts.map((a) => a.outcome)).toEqual(["stream_error"])
    expect(out.open).toBe(0)
  })

  it("falls back when the first token does not arrive within the first-token timeout", async () => {
    const upstream = new FakeUpstream().always("a", stream({ headersMs: 30_000 })).always("b", stream({ tokens: 1 }))
    const out = await runRouter(
      twoCatalog({ firstTokenTimeoutMs: 1_000 }),
      upstream,
      Effect.map(settle(consume(streamed())), successOf),
    )
    expect(text(out.chunks)).toBe("b-0 ")
    expect(upstream.calls.map((c) => [c.slug, c.at])).toEqual([
      ["a", 0],
      ["b", 1_000],
    ])
    expect(out.trace.attempts[0]?.outcome).toBe("timeout")
  })

  it("settles capacity and records a cancelled attempt when the consumer stops early", async () => {
    const upstream = new FakeUpstream().always("a", stream({ tokens: 10 }))
    const out = await runRouter(twoCatalog(), upstream, Effect.map(settle(consume(streamed(), 2)), successOf))
    expect(out.chunks).toHaveLength(2)
    expect(out.trace.attempts.map((a) => a.outcome)).toEqual(["cancelled"])
    expect(out.open).toBe(0)
    expect(upstream.closedStreams).toEqual(["a"])
  })

  it("fails with a typed error (not a stream) when no attempt reaches its first token", async () => {
    const upstream = new FakeUpstream()
      .always("a", fail(rateLimited(3_000)))
      .always("b", stream({ failAfter: 0, error: rateLimited(5_000) }))
    const error = await runRouter(twoCatalog(), upstream, Effect.map(settle(consume(streamed())), failureOf))
    expect(error).toBeInstanceOf(AllRateLimited)
    // a's 3 s cooldown started at 0; b's stream failed at 20 ms (two 10 ms chunks): 2 980 ms left.
    expect((error as AllRateLimited).retryAfterMs).toBe(2_980)
    expect((error as AllRateLimited).trace.endedAt).toBe(20)
  })
})
