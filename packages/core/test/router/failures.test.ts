import { Clock, Effect, Fiber } from "effect"
import { TestClock } from "effect/testing"
import { describe, expect, it } from "vitest"
import {
  AuthFailed,
  BadRequest,
  CapacityMeter,
  type ChatResult,
  ContentFiltered,
  ContextLengthExceeded,
  DeadlineExceeded,
  InvalidRequest,
  ModelNotFound,
  NoEndpoint,
  NotFound,
  type ProviderClient,
  type ProviderError,
  Router,
  UpstreamFailed,
} from "../../src/index.js"
import {
  byPrice,
  catalogOf,
  chat,
  FakeUpstream,
  fail,
  failureOf,
  hang,
  ok,
  ptCatalog,
  rateLimited,
  requestOf,
  route,
  runRouter,
  serverError,
  successOf,
  twoCatalog,
} from "./support.js"

const twoModels = (routing: Record<string, unknown> = {}) =>
  catalogOf({
    providers: [
      { slug: "a", kind: "fake" },
      { slug: "b", kind: "fake" },
      { slug: "c", kind: "fake" },
    ],
    models: [
      {
        id: "m",
        endpoints: [
          { provider: "a", price: { prompt: 1, completion: 1 }, contextLength: 100_000 },
          { provider: "b", price: { prompt: 2, completion: 2 }, contextLength: 100_000 },
        ],
      },
      { id: "n", endpoints: [{ provider: "c", price: { prompt: 1, completion: 1 }, contextLength: 200_000 }] },
    ],
    routing,
  })

describe("failures and fallbacks", () => {
  it("does not retry a 400 and reports it with the upstream's param", async () => {
    const upstream = new FakeUpstream()
      .always(
        "a",
        fail((p) => new BadRequest({ provider: p, status: 400, message: "bad temperature", param: "temperature" })),
      )
      .always("b", ok())
    const error = await runRouter(twoCatalog(), upstream, Effect.map(route(byPrice()), failureOf))
    expect(error).toBeInstanceOf(UpstreamFailed)
    const e = error as UpstreamFailed
    expect([e.httpStatus, e.upstreamStatus, e.error, e.param]).toEqual([400, 400, "BadRequest", "temperature"])
    expect(upstream.callsTo("b")).toBe(0)
  })

  it("moves to the next model on a context-length error, skipping the rest of the first model", async () => {
    const upstream = new FakeUpstream()
      .always(
        "a",
        fail((p) => new ContextLengthExceeded({ provider: p, status: 400, message: "too long" })),
      )
      .always("b", ok())
      .always("c", ok())
    const result = await runRouter(twoModels(), upstream, Effect.map(route(byPrice({}, { models: ["n"] })), successOf))
    expect(result.body.provider).toBe("c")
    expect(result.body.model).toBe("n")
    expect(upstream.callsTo("b")).toBe(0)
  })

  it("falls back to the model's next endpoint when an endpoint's own key is refused (401) or it has no such model (404)", async () => {
    for (const error of [
      (p: string) => new AuthFailed({ provider: p, status: 401, message: "Incorrect API key provided" }),
      (p: string) => new AuthFailed({ provider: p, status: 403, message: "unsupported_country_region_territory" }),
      (p: string) => new NotFound({ provider: p, status: 404, message: "model gone", modelNotSupported: true }),
    ]) {
      const upstream = new FakeUpstream().always("a", fail(error)).always("b", ok())
      const result = await runRouter(twoCatalog(), upstream, Effect.map(route(byPrice()), successOf))
      expect(result.body.provider).toBe("b")
      expect(result.trace.attempts.map((x) => [x.endpoint, x.outcome])).toEqual([
        ["m@a", "upstream_error"],
        ["m@b", "success"],
      ])
    }
  })

  it("answers the endpoint's error when every endpoint refuses its key, each tried once", async () => {
    const refused = fail((p) => new AuthFailed({ provider: p, status: 401, message: "Incorrect API key provided" }))
    const upstream = new FakeUpstream().always("a", refused).always("b", refused)
    const error = await runRouter(twoCatalog(), upstream, Effect.map(route(byPrice()), failureOf))
    expect(error).toBeInstanceOf(UpstreamFailed)
    expect([(error as UpstreamFailed).httpStatus, (error as UpstreamFailed).error]).toEqual([502, "AuthFailed"])
    expect([upstream.callsTo("a"), upstream.callsTo("b")]).toEqual([1, 1])
  })

  it("moves a request the model refused (400, content filter) to the next model in models[], not to the model's other endpoints", async () => {
    for (const error of [
      (p: string) => new BadRequest({ provider: p, status: 400, message: "bad temperature", param: "temperature" }),
      (p: string) => new ContentFiltered({ provider: p, status: 400, message: "flagged" }),
    ]) {
      const upstream = new FakeUpstream().always("a", fail(error)).always("b", ok()).always("c", ok())
      const result = await runRouter(
        twoModels(),
        upstream,
        Effect.map(route(byPrice({}, { models: ["n"] })), successOf),
      )
      expect([result.body.provider, result.body.model]).toEqual(["c", "n"])
      expect(upstream.callsTo("b")).toBe(0)
    }
  })

  it("returns the last model's error when every model in models[] refuses the request", async () => {
    const upstream = new FakeUpstream()
      .always(
        "a",
        fail((p) => new BadRequest({ provider: p, status: 400, message: "bad", param: "temperature" })),
      )
      .always(
        "c",
        fail((p) => new BadRequest({ provider: p, status: 422, message: "worse", param: "top_p" })),
      )
    const error = await runRouter(twoModels(), upstream, Effect.map(route(byPrice({}, { models: ["n"] })), failureOf))
    expect(error).toBeInstanceOf(UpstreamFailed)
    const e = error as UpstreamFailed
    expect([e.httpStatus, e.provider, e.param]).toEqual([422, "c", "top_p"])
    expect(upstream.callsTo("b")).toBe(0)
  })

  it("returns the last error that was not a rate limit when attempts fail differently", async () => {
    const upstream = new FakeUpstream().always("a", fail(serverError)).always("b", fail(rateLimited(10_000)))
    const error = await runRouter(twoCatalog(), upstream, Effect.map(route(byPrice()), failureOf))
    expect(error).toBeInstanceOf(UpstreamFailed)
    const e = error as UpstreamFailed
    expect([e.httpStatus, e.error]).toEqual([502, "UpstreamServerError"])
    expect(e.trace.attempts.map((a) => a.outcome)).toEqual(["upstream_error", "rate_limited"])
  })

  it("never makes more upstream calls than maxAttempts", async () => {
    const upstream = new FakeUpstream().always("a", fail(serverError)).always("b", fail(serverError))
    const error = await runRouter(twoCatalog({ maxAttempts: 3 }), upstream, Effect.map(route(byPrice()), failureOf))
    expect(error).toBeInstanceOf(UpstreamFailed)
    // a, b, then the lone retry of b: three calls, no fourth.
    expect(upstream.calls.length).toBe(3)
  })

  it("stops retrying once retries exceed the budget's share of recent traffic", async () => {
    const upstream = new FakeUpstream().always("a", fail(serverError)).always("b", ok())
    const out = await runRouter(
      twoCatalog({ retryBudget: 0 }),
      upstream,
      Effect.gen(function* () {
        const outcomes: Array<string> = []
        for (let i = 0; i < 15; i++) {
          const exit = yield* route(byPrice(), {}, 200)
          outcomes.push(exit._tag === "Success" ? String(exit.value.body.provider) : failureOf(exit)._tag)
        }
        return outcomes
      }),
      { health: { breaker: { failureThreshold: 1_000, minimumRequests: 1_000 } } },
    )
    // The budget floor (10 retries per 10 s) is spent by the first ten fallbacks; then no more retries.
    expect(out).toEqual([...Array(10).fill("b"), ...Array(5).fill("UpstreamFailed")])
    expect(upstream.callsTo("b")).toBe(10)
  })

  it("fails with NoEndpoint when the constraints leave nothing, and ModelNotFound / InvalidRequest early", async () => {
    const upstream = new FakeUpstream()
    const errors = await runRouter(
      twoCatalog(),
      upstream,
      Effect.all([
        Effect.map(route(byPrice({ only: ["nowhere"] })), failureOf),
        Effect.map(route({ model: "unknown", messages: [{ role: "user", content: "x" }] }), failureOf),
        Effect.map(route({ messages: [{ role: "user", content: "x" }] }), failureOf),
      ]),
    )
    expect(errors[0]).toBeInstanceOf(NoEndpoint)
    expect((errors[0] as NoEndpoint).excluded.map((x) => x.reasons)).toEqual([
      ["allowed_providers"],
      ["allowed_providers"],
    ])
    expect(errors[1]).toBeInstanceOf(ModelNotFound)
    expect(errors[2]).toBeInstanceOf(InvalidRequest)
    expect(upstream.calls.length).toBe(0)
  })
})

describe("deadlines and cancellation", () => {
  it("fails with DeadlineExceeded at the request deadline and cancels the upstream call", async () => {
    const upstream = new FakeUpstream().always("a", hang)
    const error = await runRouter(twoCatalog(), upstream, Effect.map(route(byPrice(), { timeoutMs: 1_000 }), failureOf))
    expect(error).toBeInstanceOf(DeadlineExceeded)
    const e = error as DeadlineExceeded
    expect(e.trace.endedAt).toBe(1_000)
    expect(e.trace.attempts.map((a) => [a.endpoint, a.outcome])).toEqual([["m@a", "timeout"]])
    expect(upstream.interrupted).toEqual(["a"])
    expect(upstream.callsTo("b")).toBe(0)
  })

  it("times out one attempt and falls back within the deadline", async () => {
    const upstream = new FakeUpstream().always("a", hang).always("b", ok())
    const result = await runRouter(
      twoCatalog({ attemptTimeoutMs: 500 }),
      upstream,
      Effect.map(route(byPrice()), successOf),
    )
    expect(result.body.provider).toBe("b")
    expect(upstream.calls.map((c) => [c.slug, c.at])).toEqual([
      ["a", 0],
      ["b", 500],
    ])
  })

  it("hands a client that enforces its own deadline the attempt limit; at the limit the router falls back", async () => {
    const upstream = new FakeUpstream().always("b", ok())
    const handed: Array<{ at: number; timeoutMs: number }> = []
    let cancelledAt: number | undefined
    // an upstream that never answers, cut by the deadline the router hands it (no fiber of the router's)
    const selfTimed: ProviderClient = {
      enforcesDeadline: true,
      chat: (call) =>
        Effect.flatMap(Clock.currentTimeMillis, (at) =>
          Effect.callback<ChatResult, ProviderError>((resume) => {
            const deadline = call.deadline!
            handed.push({ at, timeoutMs: deadline.timeoutMs })
            deadline.arm(() =>
              resume(
                Effect.flatMap(Clock.currentTimeMillis, (now) => {
                  cancelledAt = now
                  return Effect.fail(deadline.error())
                }),
              ),
            )
          }),
        ),
      stream: upstream.client.stream,
    }
    const result = await runRouter(
      twoCatalog({ attemptTimeoutMs: 500 }),
      upstream,
      Effect.map(route(byPrice()), successOf),
      { clients: { a: selfTimed } },
    )
    expect(handed).toEqual([{ at: 0, timeoutMs: 500 }])
    expect(cancelledAt).toBe(500)
    expect(result.body.provider).toBe("b")
    expect(result.trace.attempts.map((a) => [a.endpoint, a.outcome, a.endedAt])).toEqual([
      ["m@a", "timeout", 500],
      ["m@b", "success", 600],
    ])
  })

  it("refunds capacity and cancels the upstream when the client goes away", async () => {
    const catalog = ptCatalog({}, 10_000)
    const pt = catalog.endpointsById.get("gemini@vertex/pt")!
    const upstream = new FakeUpstream().always("vertex/pt", hang)
    const out = await runRouter(
      catalog,
      upstream,
      Effect.gen(function* () {
        const router = yield* Router
        const capacity = yield* CapacityMeter
        const fiber = yield* Effect.forkChild(router.route(requestOf(chat({ provider: { high_availability: true } }))))
        yield* TestClock.adjust(10)
        const during = { open: yield* capacity.openReservations(pt.id), utilization: yield* capacity.utilization(pt) }
        yield* Fiber.interrupt(fiber)
        const after = { open: yield* capacity.openReservations(pt.id), utilization: yield* capacity.utilization(pt) }
        return { during, after }
      }),
    )
    expect(out.during.open).toBe(1)
    expect(out.during.utilization).toBeGreaterThan(0)
    expect(out.after).toEqual({ open: 0, utilization: 0 })
    expect(upstream.interrupted).toEqual(["vertex/pt"])
  })
})
