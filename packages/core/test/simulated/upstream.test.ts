import { Clock, Effect, Exit, Fiber, Random, Result, Stream } from "effect"
import { TestClock } from "effect/testing"
import { describe, expect, it } from "vitest"
import { readBatches } from "../../src/provider/chunk-source.js"
import type { ChatResult, ChatStream } from "../../src/provider/contract.js"
import { type ProviderError, UpstreamTimeout } from "../../src/provider/errors.js"
import { textOf } from "../../src/simulated/text.js"
import { makeSimulatedUpstream } from "../../src/simulated/upstream.js"
import { forkVirtual, makeVirtualTime, type VirtualTime } from "../../src/simulated/virtual-time.js"
import { body, endpointOf, quantile, runTest } from "./support.js"

/** Fork and run the child at once, so its admission happens before the parent continues. */
const start = <A, E>(eff: Effect.Effect<A, E>) => Effect.forkChild(eff, { startImmediately: true })

const constant = { latency: 100, throughput: 50, seed: "t" } as const

describe("simulated upstream: capacity as a leaky bucket", () => {
  // 60 000 tokens/min = 1 token/ms; each request charges 10 000 prompt + 1 000 max_tokens = 11 000.
  const ep = endpointOf({ pool: "provisioned" })
  const req = { body: body(10_000, 1_000, { max_tokens: 1_000 }), endpoint: ep }

  it("admits until the bucket is full, then answers 429 with the time until the request fits", () =>
    runTest(
      Effect.gen(function* () {
        const up = yield* makeSimulatedUpstream("sim", { ...constant, capacity: { tokensPerMinute: 60_000 } })
        const fibers = []
        for (let i = 0; i < 5; i++) fibers.push(yield* start(up.client.chat(req)))
        const refused = yield* Effect.flip(up.client.chat(req))
        expect(refused._tag).toBe("RateLimited")
        expect(refused.status).toBe(429)
        // level 55 000 + 11 000 − 60 000 = 6 000 tokens over, draining 1 token/ms
        expect(refused._tag === "RateLimited" && refused.retryAfterMs).toBe(6_000)
        expect(refused.message).toContain("Provisioned Throughput")
        yield* TestClock.adjust(5_999)
        const stillRefused = yield* Effect.flip(up.client.chat(req))
        expect(stillRefused._tag === "RateLimited" && stillRefused.retryAfterMs).toBe(1)
        yield* TestClock.adjust(1)
        const ok = yield* start(up.client.chat(req))
        yield* TestClock.adjust(60_000)
        expect((yield* Fiber.join(ok)).usage.completionTokens).toBe(1_000)
        for (const f of fibers) yield* Fiber.join(f)
        const [probe] = yield* up.probe
        expect(probe?.rateLimited).toBe(2)
      }),
    ))

  it("drains continuously at the capacity rate and reports utilization", () =>
    runTest(
      Effect.gen(function* () {
        const up = yield* makeSimulatedUpstream("sim", { ...constant, capacity: { tokensPerMinute: 60_000 } })
        const first = yield* start(up.client.chat(req))
        const second = yield* start(up.client.chat(req))
        expect((yield* up.probe)[0]?.utilization).toBeCloseTo(22_000 / 60_000, 9)
        yield* TestClock.adjust(10_000)
        expect((yield* up.probe)[0]?.utilization).toBeCloseTo(12_000 / 60_000, 9)
        yield* TestClock.adjust(12_000)
        expect((yield* up.probe)[0]?.utilization).toBe(0)
        yield* Fiber.join(first)
        yield* Fiber.join(second)
      }),
    ))

  it("corrects the max_tokens estimate by the tokens actually produced", () =>
    runTest(
      Effect.gen(function* () {
        const up = yield* makeSimulatedUpstream("sim", { ...constant, capacity: { tokensPerMinute: 60_000 } })
        // charged 10 000 + 1 000 at admission, produces 100 tokens: corrected to 10 100
        const r = yield* start(up.client.chat({ body: body(10_000, 100, { max_tokens: 1_000 }), endpoint: ep }))
        expect((yield* up.probe)[0]?.utilization).toBeCloseTo(11_000 / 60_000, 9)
        const doneAt = 100 + (99 * 1000) / 50 // ttft + 99 tokens at 50 tok/s
        yield* TestClock.adjust(doneAt)
        yield* Fiber.join(r)
        expect((yield* up.probe)[0]?.utilization).toBeCloseTo((10_100 - doneAt) / 60_000, 9)
      }),
    ))

  it("weighs output tokens by outputWeight and meters requests per minute", () =>
    runTest(
      Effect.gen(function* () {
        const up = yield* makeSimulatedUpstream("sim", {
          ...constant,
          outputWeight: 4,
          capacity: { tokensPerMinute: 1_000_000, requestsPerMinute: 2 },
        })
        const small = { body: body(100, 10, { max_tokens: 10 }), endpoint: ep }
        yield* start(up.client.chat(small))
        expect((yield* up.probe)[0]?.utilization).toBeCloseTo(140 / 1_000_000, 12)
        yield* start(up.client.chat(small))
        const third = yield* Effect.flip(up.client.chat(small))
        expect(third._tag === "RateLimited" && third.retryAfterMs).toBe(30_000)
      }),
    ))

  it("answers a standard pool's 429 with the pay-as-you-go message", () =>
    runTest(
      Effect.gen(function* () {
        const up = yield* makeSimulatedUpstream("sim", { ...constant, capacity: { tokensPerMinute: 1_000 } })
        const std = endpointOf()
        yield* start(up.client.chat({ body: body(900, 100, { max_tokens: 100 }), endpoint: std }))
        const e = yield* Effect.flip(up.client.chat({ body: body(900, 100, { max_tokens: 100 }), endpoint: std }))
        expect(e.message).toBe("Resource exhausted, please try again later.")
      }),
    ))

  it("uses the catalog endpoint's capacity when the options set none", () =>
    runTest(
      Effect.gen(function* () {
        const up = yield* makeSimulatedUpstream("sim", constant)
        const metered = endpointOf({ capacity: { tokensPerMinute: 1_000 } })
        yield* start(up.client.chat({ body: body(900, 100, { max_tokens: 100 }), endpoint: metered }))
        const e = yield* Effect.flip(up.client.chat({ body: body(10, 10, { max_tokens: 10 }), endpoint: metered }))
        expect(e._tag).toBe("RateLimited")
      }),
    ))
})

describe("simulated upstream: responses", () => {
  const ep = endpointOf({ upstreamModel: "upstream-model-1" })

  it("answers an OpenAI chat.completion after TTFT + tokens / throughput, capped by max_tokens", () =>
    runTest(
      Effect.gen(function* () {
        const up = yield* makeSimulatedUpstream("sim", constant)
        const f = yield* start(
          Effect.zip(
            up.client.chat({ body: body(20, 500, { max_tokens: 51 }), endpoint: ep }),
            Clock.currentTimeMillis,
          ),
        )
        yield* TestClock.adjust(100_000)
        const [r, doneAt] = yield* Fiber.join(f)
        expect(doneAt).toBe(100 + (50 * 1000) / 50)
        expect(r.body.object).toBe("chat.completion")
        expect(r.body.model).toBe("upstream-model-1")
        const choice = (r.body.choices as Array<{ message: { content: string }; finish_reason: string }>)[0]!
        expect(choice.finish_reason).toBe("length")
        expect(choice.message.content.split(" ")).toHaveLength(51)
        expect(r.body.usage).toMatchObject({ prompt_tokens: 20, completion_tokens: 51, total_tokens: 71 })
        expect(r.usage).toEqual({ promptTokens: 20, completionTokens: 51, cachedTokens: 0, reasoningTokens: 0 })
        expect(r.requestId).toMatch(/^sim-sim-\d+$/)
      }),
    ))

  it("estimates prompt tokens from the messages and samples the length when the request does not fix them", () =>
    runTest(
      Effect.gen(function* () {
        const up = yield* makeSimulatedUpstream("sim", { ...constant, outputTokens: 42 })
        const f = yield* start(
          up.client.chat({
            body: { model: "m", messages: [{ role: "user", content: "x".repeat(400) }] },
            endpoint: ep,
          }),
        )
        yield* TestClock.adjust(100_000)
        const r = yield* Fiber.join(f)
        // the one prompt estimate: 400 characters ÷ 4 + 4 tokens of message overhead
        expect(r.usage.promptTokens).toBe(104)
        expect(r.usage.completionTokens).toBe(42)
        const choice = (r.body.choices as Array<{ finish_reason: string }>)[0]!
        expect(choice.finish_reason).toBe("stop")
      }),
    ))

  it("streams the role chunk and the first token at TTFT, content deltas spaced by the throughput, then finish and usage", () =>
    runTest(
      Effect.gen(function* () {
        const up = yield* makeSimulatedUpstream("sim", { ...constant, streamChunkTokens: 5 })
        const s = yield* up.client.stream({ body: body(10, 12, { stream: true }), endpoint: ep })
        const f = yield* start(
          s.chunks.pipe(
            Stream.mapEffect((c) => Effect.map(Clock.currentTimeMillis, (t) => [t, c] as const)),
            Stream.runCollect,
          ),
        )
        yield* TestClock.adjust(10_000)
        const got = yield* Fiber.join(f)
        const times = got.map(([t]) => t)
        // token j is out at 100 + j·20 ms; chunks end at tokens 0 (with the role), 5, 10 and 11
        expect(times).toEqual([100, 100, 200, 300, 320, 320, 320])
        const chunks = got.map(
          ([, c]) =>
            c as {
              choices: Array<{ delta: { role?: string; content?: string }; finish_reason: string | null }>
              usage: unknown
            },
        )
        expect(chunks[0]!.choices[0]!.delta.role).toBe("assistant")
        const contents = chunks.slice(1, 5).map((c) => c.choices[0]!.delta.content)
        expect(contents.map((c) => c!.split(" ").filter(Boolean).length)).toEqual([1, 5, 5, 1])
        expect(contents.join("")).toBe(textOf(12))
        expect(chunks[5]!.choices[0]!.finish_reason).toBe("stop")
        expect(chunks[6]!.choices).toEqual([])
        expect(chunks[6]!.usage).toMatchObject({ prompt_tokens: 10, completion_tokens: 12 })
        expect((yield* up.probe)[0]).toMatchObject({ completed: 1, promptTokens: 10, completionTokens: 12 })
      }),
    ))

  it("fails a non-streamed call at its deadline when the answer would come later (enforcesDeadline)", () =>
    runTest(
      Effect.gen(function* () {
        const up = yield* makeSimulatedUpstream("sim", { ...constant, overheadMs: 50 })
        expect(up.client.enforcesDeadline).toBe(true)
        const expired = () =>
          new UpstreamTimeout({ provider: "sim", status: 0, message: "too slow", phase: "attempt" }) as ProviderError
        const deadline = (timeoutMs: number) => ({ timeoutMs, arm: () => () => {}, error: expired })
        // 12 output tokens: due at 50 + 100 + 11 × 20 = 370 ms
        const late = yield* start(
          Effect.flip(up.client.chat({ body: body(10, 12), endpoint: ep, deadline: deadline(300) })),
        )
        const onTime = yield* start(up.client.chat({ body: body(10, 12), endpoint: ep, deadline: deadline(370) }))
        const early = yield* start(
          Effect.flip(up.client.chat({ body: body(10, 12), endpoint: ep, deadline: deadline(20) })),
        )
        yield* TestClock.adjust(20)
        expect((yield* Fiber.join(early)).message).toBe("too slow")
        yield* TestClock.adjust(280)
        expect(late.pollUnsafe()).toBeDefined()
        expect((yield* Fiber.join(late))._tag).toBe("UpstreamTimeout")
        yield* TestClock.adjust(70)
        expect((yield* Fiber.join(onTime)).usage.completionTokens).toBe(12)
        // the timed-out calls were admitted (one) or not (the one cut before admission), never completed
        expect((yield* up.probe)[0]).toMatchObject({ requests: 2, completed: 1 })
      }),
    ))

  it("can cut a stream mid-way with a connection reset (midStreamFailureRate)", () =>
    runTest(
      Effect.gen(function* () {
        const up = yield* makeSimulatedUpstream("sim", { ...constant, midStreamFailureRate: 1, streamChunkTokens: 1 })
        const s = yield* up.client.stream({ body: body(10, 40, { stream: true }), endpoint: ep })
        const seen: Array<unknown> = []
        const f = yield* start(Effect.flip(s.chunks.pipe(Stream.runForEach((c) => Effect.sync(() => seen.push(c))))))
        yield* TestClock.adjust(10_000)
        const e = yield* Fiber.join(f)
        expect(e._tag).toBe("TransportError")
        expect(e._tag === "TransportError" && e.kind).toBe("reset")
        expect(seen.length).toBeGreaterThanOrEqual(1)
        expect(seen.length).toBeLessThan(41)
        expect(JSON.stringify(seen)).not.toContain('"finish_reason":"stop"')
        expect((yield* up.probe)[0]?.midStreamFailures).toBe(1)
      }),
    ))

  it("fails errorRate of admitted requests with a 500", () =>
    runTest(
      Effect.gen(function* () {
        const up = yield* makeSimulatedUpstream("sim", { ...constant, errorRate: 0.2 })
        const fibers = []
        for (let i = 0; i < 2_000; i++)
          fibers.push(yield* start(Effect.result(up.client.chat({ body: body(10, 5), endpoint: ep }))))
        yield* TestClock.adjust(10_000)
        let failed = 0
        for (const f of fibers) {
          const r = yield* Fiber.join(f)
          if (r._tag === "Failure") {
            failed++
            expect(r.failure._tag).toBe("UpstreamServerError")
            expect(r.failure.status).toBe(500)
          }
        }
        expect(failed / 2_000).toBeGreaterThan(0.17)
        expect(failed / 2_000).toBeLessThan(0.23)
      }),
    ))
})

describe("simulated upstream: outages", () => {
  const ep = endpointOf()
  const at = (ms: number) => TestClock.setTime(ms)

  it("answers 503 inside [startMs, endMs) and serves outside it", () =>
    runTest(
      Effect.gen(function* () {
        const up = yield* makeSimulatedUpstream("sim", { ...constant, outages: [{ startMs: 1_000, endMs: 2_000 }] })
        const call = Effect.result(up.client.chat({ body: body(1, 1), endpoint: ep }))
        const tags: Array<string> = []
        for (const t of [999, 1_000, 1_999, 2_000]) {
          yield* at(t)
          const f = yield* start(call)
          yield* TestClock.adjust(500)
          const r = yield* Fiber.join(f)
          tags.push(r._tag === "Success" ? "ok" : `${r.failure._tag}:${r.failure.status}`)
        }
        expect(tags).toEqual(["ok", "UpstreamServerError:503", "UpstreamServerError:503", "ok"])
      }),
    ))

  it("refuses connections or hangs, as the window's kind says", () =>
    runTest(
      Effect.gen(function* () {
        const up = yield* makeSimulatedUpstream("sim", {
          ...constant,
          outages: [
            { startMs: 0, endMs: 1_000, kind: "connect" },
            { startMs: 1_000, endMs: 2_000, kind: "hang" },
          ],
        })
        const e = yield* Effect.flip(up.client.stream({ body: body(1, 1), endpoint: ep }))
        expect(e._tag === "TransportError" && e.kind).toBe("connect")
        yield* at(1_500)
        const hung = yield* start(up.client.chat({ body: body(1, 1), endpoint: ep }))
        yield* TestClock.adjust(3_600_000)
        expect(hung.pollUnsafe()).toBeUndefined()
      }),
    ))

  it("measures windows from startAt when given", () =>
    runTest(
      Effect.gen(function* () {
        const up = yield* makeSimulatedUpstream("sim", {
          ...constant,
          startAt: 10_000,
          outages: [{ startMs: 0, endMs: 5 }],
        })
        const ok = yield* start(up.client.chat({ body: body(1, 1), endpoint: ep }))
        yield* TestClock.adjust(1_000)
        yield* Fiber.join(ok)
        yield* at(10_001)
        const e = yield* Effect.flip(up.client.chat({ body: body(1, 1), endpoint: ep }))
        expect(e.status).toBe(503)
      }),
    ))
})

describe("simulated upstream: determinism and distributions", () => {
  const ep = endpointOf()
  const trace = (options: Parameters<typeof makeSimulatedUpstream>[1]) =>
    runTest(
      Effect.gen(function* () {
        const up = yield* makeSimulatedUpstream("sim", options)
        const fibers = []
        for (let i = 0; i < 200; i++) {
          fibers.push(
            yield* start(
              Effect.zip(Effect.result(up.client.chat({ body: body(10, 30), endpoint: ep })), Clock.currentTimeMillis),
            ),
          )
        }
        yield* TestClock.adjust(600_000)
        const out: Array<string> = []
        for (const f of fibers) {
          const [r, t] = yield* Fiber.join(f)
          out.push(`${t}:${r._tag === "Success" ? r.success.usage.completionTokens : r.failure._tag}`)
        }
        return out
      }),
    )

  const noisy = {
    latency: { type: "lognormal", median: 300, p90: 900 },
    throughput: { type: "uniform", min: 20, max: 80 },
    errorRate: 0.1,
  } as const

  it("gives the same results for the same seed and different ones for another", async () => {
    const a = await trace({ ...noisy, seed: 7 })
    const b = await trace({ ...noisy, seed: 7 })
    const c = await trace({ ...noisy, seed: 8 })
    expect(a).toEqual(b)
    expect(c).not.toEqual(a)
  })

  it("uses the caller's seeded Random when the options carry no seed", async () => {
    const run = (seed: string) =>
      runTest(
        Effect.gen(function* () {
          const up = yield* makeSimulatedUpstream("sim", noisy)
          const f = yield* start(
            Effect.zip(up.client.chat({ body: body(1, 5), endpoint: ep }), Clock.currentTimeMillis),
          )
          yield* TestClock.adjust(600_000)
          return (yield* Fiber.join(f))[1]
        }).pipe(Random.withSeed(seed)),
      )
    expect(await run("a")).toBe(await run("a"))
    expect(await run("a")).not.toBe(await run("b"))
  })

  it("samples time to first token and throughput as configured (lognormal median/p90)", () =>
    runTest(
      Effect.gen(function* () {
        const up = yield* makeSimulatedUpstream("sim", {
          latency: { type: "lognormal", median: 400, p90: 1_000 },
          throughput: { type: "lognormal", median: 60, p90: 90 },
          streamChunkTokens: 50,
          seed: "dist",
        })
        const n = 4_000
        const ttfts: Array<number> = []
        const tps: Array<number> = []
        for (let i = 0; i < n; i++) {
          yield* start(
            Effect.gen(function* () {
              const s = yield* up.client.stream({ body: body(1, 101, { stream: true }), endpoint: ep })
              const times: Array<number> = []
              yield* Stream.runForEach(s.chunks, () => Effect.map(Clock.currentTimeMillis, (t) => void times.push(t)))
              ttfts.push(times[0]!)
              tps.push(100_000 / (times.at(-1)! - times[0]!))
            }),
          )
        }
        yield* TestClock.adjust(3_600_000)
        expect(ttfts).toHaveLength(n)
        expect(quantile(ttfts, 0.5) / 400).toBeGreaterThan(0.93)
        expect(quantile(ttfts, 0.5) / 400).toBeLessThan(1.07)
        expect(quantile(ttfts, 0.9) / 1_000).toBeGreaterThan(0.92)
        expect(quantile(ttfts, 0.9) / 1_000).toBeLessThan(1.08)
        expect(quantile(tps, 0.5) / 60).toBeGreaterThan(0.95)
        expect(quantile(tps, 0.5) / 60).toBeLessThan(1.05)
        expect(quantile(tps, 0.9) / 90).toBeGreaterThan(0.95)
        expect(quantile(tps, 0.9) / 90).toBeLessThan(1.05)
      }),
    ))
})

describe("simulated upstream on the virtual clock (its own callbacks, no fiber per wait)", () => {
  const ep = endpointOf({ pool: "provisioned" })
  /** Run `eff` in `vt` until nothing is left; its value. */
  const run = <A>(vt: VirtualTime, eff: Effect.Effect<A, unknown>): A => {
    const fiber = forkVirtual(vt, eff)
    vt.runAll()
    const exit = fiber.pollUnsafe()
    if (exit === undefined || !Exit.isSuccess(exit)) throw new Error(`did not succeed: ${String(exit)}`)
    return exit.value
  }

  it("hands out each batch at the instant TestClock gives it", () => {
    const vt = makeVirtualTime(0)
    const times = run(
      vt,
      Effect.gen(function* () {
        const up = yield* makeSimulatedUpstream("sim", { ...constant, streamChunkTokens: 5 })
        const s = yield* up.client.stream({ body: body(10, 12, { stream: true }), endpoint: ep })
        return yield* s.chunks.pipe(
          Stream.mapEffect(() => Clock.currentTimeMillis),
          Stream.runCollect,
        )
      }),
    )
    expect(times).toEqual([100, 100, 200, 300, 320, 320, 320])
    expect(vt.pending()).toBe(0)
  })

  it("chatOn answers as chat does, at the same instants, on the clock's callbacks (no fiber)", () => {
    // Two upstreams with the same seed get the same calls at the same instants: one through `chat` (a fiber per
    // call), the other through `chatOn`. Rate limits, drawn 500s, overhead, deadlines cut before and after
    // admission, and outages (refused connections, hangs up to the deadline or forever) all occur.
    const options = {
      latency: { type: "lognormal", median: 300, p90: 900 },
      throughput: { type: "uniform", min: 20, max: 90 },
      errorRate: 0.1,
      capacity: { tokensPerMinute: 40_000 },
      overheadMs: 40,
      seed: "chat-on",
      outages: [
        { startMs: 4_000, endMs: 5_000, kind: "hang" },
        { startMs: 7_000, endMs: 7_500, kind: "connect" },
        { startMs: 9_000, endMs: 9_300 },
      ],
    } as const
    const expired = () =>
      new UpstreamTimeout({ provider: "sim", status: 0, message: "too slow", phase: "attempt" }) as ProviderError
    const calls = Array.from({ length: 400 }, (_, i) => ({
      at: i * 31,
      call: {
        body: body(200 + ((i * 397) % 3_000), 50 + ((i * 131) % 400), { max_tokens: 300 }),
        endpoint: ep,
        // no deadline, one cut during the overhead, one during the answer, a generous one
        ...(i % 4 === 0
          ? {}
          : { deadline: { timeoutMs: [0, 30, 700, 20_000][i % 4]!, arm: () => () => {}, error: expired } }),
      },
    }))
    const seen = (r: Result.Result<ChatResult, ProviderError>): string =>
      Result.isSuccess(r)
        ? `ok ${r.success.requestId} ${r.success.usage.completionTokens} ${JSON.stringify(r.success.body)}`
        : `${r.failure._tag} ${r.failure.message}`

    const viaEffect = makeVirtualTime(0)
    const up1 = run(viaEffect, makeSimulatedUpstream("sim", options))
    const log1: Array<string> = []
    for (const [i, c] of calls.entries())
      viaEffect.schedule(c.at, () =>
        forkVirtual(viaEffect, Effect.result(up1.client.chat(c.call))).addObserver((exit) => {
          if (Exit.isSuccess(exit)) log1.push(`${i}@${viaEffect.now()} ${seen(exit.value)}`)
        }),
      )
    viaEffect.runUntil(60_000)

    const onCallbacks = makeVirtualTime(0)
    const up2 = run(onCallbacks, makeSimulatedUpstream("sim", options))
    const log2: Array<string> = []
    for (const [i, c] of calls.entries())
      onCallbacks.schedule(c.at, () => {
        up2.client.chatOn!(c.call, onCallbacks.clock, (r) => log2.push(`${i}@${onCallbacks.now()} ${seen(r)}`))
      })
    onCallbacks.runUntil(60_000)

    for (const kind of ["ok", "RateLimited", "UpstreamServerError", "UpstreamTimeout", "TransportError"])
      expect(log2.some((line) => line.split(" ")[1] === kind)).toBe(true)
    expect(log2.length).toBeLessThan(calls.length) // the hangs without a deadline never end
    expect(log2).toEqual(log1)
    expect(up2.probeAt(60_000)).toEqual(up1.probeAt(60_000))
  })

  it("streamOn opens as stream does, and its chunks come at the same instants", () => {
    const options = {
      latency: { type: "lognormal", median: 300, p90: 900 },
      throughput: { type: "uniform", min: 20, max: 90 },
      errorRate: 0.1,
      midStreamFailureRate: 0.1,
      capacity: { tokensPerMinute: 40_000 },
      overheadMs: 40,
      streamChunkTokens: 7,
      seed: "stream-on",
      outages: [{ startMs: 7_000, endMs: 7_500, kind: "connect" }],
    } as const
    const calls = Array.from({ length: 200 }, (_, i) => ({
      at: i * 53,
      call: { body: body(200 + ((i * 397) % 3_000), 20 + ((i * 131) % 120), { stream: true }), endpoint: ep },
    }))
    /** Read a stream's source to its end, logging each batch (or the failure) with its instant. */
    const readAll = (vt: VirtualTime, log: Array<string>, i: number, s: ChatStream) =>
      readBatches(
        s.source!,
        (batch) => {
          log.push(`${i}@${vt.now()} ${JSON.stringify(batch)}`)
          return true
        },
        (error) => log.push(`${i}@${vt.now()} end ${error === undefined ? "" : error.message}`),
      )
    const opened = (vt: VirtualTime, log: Array<string>, i: number, r: Result.Result<ChatStream, ProviderError>) => {
      if (Result.isFailure(r)) log.push(`${i}@${vt.now()} ${r.failure._tag} ${r.failure.message}`)
      else {
        log.push(`${i}@${vt.now()} open ${r.success.requestId}`)
        readAll(vt, log, i, r.success)
      }
    }

    const viaEffect = makeVirtualTime(0)
    const up1 = run(viaEffect, makeSimulatedUpstream("sim", options))
    const log1: Array<string> = []
    for (const [i, c] of calls.entries())
      viaEffect.schedule(c.at, () =>
        forkVirtual(viaEffect, Effect.result(up1.client.stream(c.call))).addObserver((exit) => {
          if (Exit.isSuccess(exit)) opened(viaEffect, log1, i, exit.value)
        }),
      )
    viaEffect.runAll()

    const onCallbacks = makeVirtualTime(0)
    const up2 = run(onCallbacks, makeSimulatedUpstream("sim", options))
    const log2: Array<string> = []
    for (const [i, c] of calls.entries())
      onCallbacks.schedule(c.at, () => {
        up2.client.streamOn!(c.call, onCallbacks.clock, (r) => opened(onCallbacks, log2, i, r))
      })
    onCallbacks.runAll()

    const all = log2.join("\n")
    for (const what of ["open", "RateLimited", "UpstreamServerError", "TransportError", "connection reset"])
      expect(all).toContain(what)
    expect(log2).toEqual(log1)
    expect(up2.probeAt(onCallbacks.now())).toEqual(up1.probeAt(viaEffect.now()))
  })

  it("a chatOn call cancelled mid-wait calls back no more and leaves no timer", () => {
    const vt = makeVirtualTime(0)
    const up = run(vt, makeSimulatedUpstream("sim", { ...constant, overheadMs: 50 }))
    const ends: Array<number> = []
    const cancelInOverhead = up.client.chatOn!({ body: body(10, 12), endpoint: ep }, vt.clock, () =>
      ends.push(vt.now()),
    )
    const cancelInAnswer = up.client.chatOn!({ body: body(10, 12), endpoint: ep }, vt.clock, () => ends.push(vt.now()))
    up.client.chatOn!({ body: body(10, 12), endpoint: ep }, vt.clock, () => ends.push(vt.now()))
    vt.runUntil(20)
    cancelInOverhead()
    vt.runUntil(100)
    cancelInAnswer()
    vt.runAll()
    // 50 overhead + 100 TTFT + 11 × 20 ms
    expect(ends).toEqual([370])
    expect(vt.pending()).toBe(0)
    expect(up.probeAt(vt.now())[0]).toMatchObject({ requests: 2, completed: 1 })
  })

  it("a stream its reader cancels mid-wait calls back no more, leaves no timer and is settled", () => {
    const vt = makeVirtualTime(0)
    const { up, source } = run(
      vt,
      Effect.gen(function* () {
        const up = yield* makeSimulatedUpstream("sim", { ...constant, streamChunkTokens: 5 })
        const s = yield* up.client.stream({ body: body(10, 12, { stream: true }), endpoint: ep })
        return { up, source: s.source! }
      }),
    )
    const seen: Array<number> = []
    source.read(() => seen.push(vt.now()))
    vt.runUntil(150)
    expect(seen).toEqual([100])
    source.read(() => seen.push(vt.now())) // the next batch is due at 200
    source.cancel()
    vt.runAll()
    expect(seen).toEqual([100])
    expect(vt.pending()).toBe(0)
    expect(run(vt, up.probe)[0]).toMatchObject({ requests: 1, completed: 0, promptTokens: 10 })
  })
})
