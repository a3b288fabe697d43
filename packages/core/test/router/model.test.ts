import { Effect, Exit, Fiber, ManagedRuntime, Stream } from "effect"
import { TestClock } from "effect/testing"
import fc from "fast-check"
import { describe, expect, it } from "vitest"
import {
  CapacityMeter,
  type CapacityShape,
  type JsonObject,
  type Priority,
  Router,
  type RouteTrace,
} from "../../src/index.js"
import {
  type Behavior,
  FakeUpstream,
  fail,
  modelCatalog,
  ok,
  provisioned,
  type RouterEnv,
  rateLimited,
  requestOf,
  routerEnv,
  serverError,
  standard,
  stream,
} from "./support.js"

const MAX_ATTEMPTS = 3

const catalog = modelCatalog(
  "gemini",
  [
    standard("a", { capacity: { tokensPerMinute: 1_000 } }),
    standard("b", { price: { prompt: 2, completion: 3 } }),
    provisioned({ capacity: { tokensPerMinute: 1_200 }, outputWeight: 2 }),
  ],
  { maxAttempts: MAX_ATTEMPTS, maxRetrySleepMs: 1_000, escalation: "allow", admission: true },
)
const SLUGS = ["a", "b", "vertex/pt"] as const
const TRACKED = catalog.endpoints.filter((e) => e.capacity !== undefined)

interface Sent {
  readonly rid: string
  readonly streamed: boolean
  readonly priority: Priority
  readonly optIn: boolean
  readonly fiber: Fiber.Fiber<{ readonly trace: RouteTrace; readonly chunks: ReadonlyArray<JsonObject> }, unknown>
}

interface Real {
  readonly rt: ManagedRuntime.ManagedRuntime<RouterEnv, never>
  readonly upstream: FakeUpstream
  readonly sent: Array<Sent>
  readonly violations: Array<string>
}

interface Model {
  now: number
  sent: number
}

/**
 * Watches every admission made with `admission: true` and records one that leaves the bucket above
 * its limit (1 − headroom). It delegates to the real in-memory meter: nothing is replaced.
 */
const watchedCapacity =
  (violations: Array<string>) =>
  (inner: CapacityShape): CapacityShape => ({
    ...inner,
    reserve: (endpoint, charge, options) =>
      Effect.tap(inner.reserve(endpoint, charge, options), (a) =>
        a._tag === "Admitted" && options.admission
          ? Effect.map(inner.utilization(endpoint), (u) => {
              if (u !== undefined && u > 1 - options.headroom + 1e-9)
                violations.push(`admitted ${endpoint.id} to ${u} (limit ${1 - options.headroom})`)
            })
          : Effect.void,
      ),
  })

const callsOf = (r: Real, rid: string) =>
  r.upstream.calls.filter((c) => (c.body.metadata as { rid?: string } | undefined)?.rid === rid)

/** Invariants over everything that has happened so far. */
const check = (r: Real): void => {
  expect(r.violations).toEqual([])
  for (const s of r.sent) {
    const calls = callsOf(r, s.rid)
    expect(calls.length).toBeLessThanOrEqual(MAX_ATTEMPTS)
    if (s.priority === "batch") expect(calls.filter((c) => c.slug === "vertex/pt")).toEqual([])
    if (s.streamed) {
      const firstContent = Math.min(...calls.map((c) => c.firstContentAt ?? Number.POSITIVE_INFINITY))
      expect(calls.filter((c) => c.at > firstContent)).toEqual([])
    }
    const exit = s.fiber.pollUnsafe()
    if (exit === undefined || !Exit.isSuccess(exit)) continue
    const { trace, chunks } = exit.value
    if (!s.optIn && trace.servedBy === "vertex/pt") expect(trace.escalated).toBe(true)
    if (s.streamed) {
      // Never a silent end: the stream finishes with finish_reason "stop" or an in-band error chunk.
      const finishes = chunks.flatMap((c) =>
        ((c.choices as Array<{ finish_reason?: string | null }> | undefined) ?? [])
          .map((x) => x.finish_reason)
          .filter((f) => f !== null && f !== undefined),
      )
      expect(finishes.length).toBe(1)
      expect(["stop", "error"]).toContain(finishes[0])
      // the serving provider is reported once, on the first chunk (clients concatenate repeated strings)
      expect(chunks.filter((c) => "provider" in c)).toHaveLength(1)
      expect(typeof chunks[0]?.provider).toBe("string")
    }
  }
}

const step = async (r: Real, ms: number): Promise<void> => {
  await r.rt.runPromise(TestClock.adjust(ms))
}

/** `count` identical requests at the same instant. */
class Send implements fc.AsyncCommand<Model, Real> {
  constructor(
    readonly count: number,
    readonly streamed: boolean,
    readonly priority: Priority,
    readonly optIn: boolean,
    readonly hedge: boolean,
  ) {}
  check = () => true
  toString = () =>
    `Send(${this.count}× ${this.streamed ? "stream" : "chat"}, ${this.priority}${this.optIn ? ", high_availability" : ""}${this.hedge ? ", hedge" : ""})`
  async run(m: Model, r: Real) {
    for (let i = 0; i < this.count; i++) this.one(m, r)
    await step(r, 0)
    check(r)
  }
  private one(m: Model, r: Real) {
    const rid = `r${m.sent++}`
    const body: JsonObject = {
      model: "gemini",
      messages: [{ role: "user", content: "hi" }],
      metadata: { rid },
      provider: {
        priority: this.priority,
        ...(this.optIn ? { high_availability: true } : {}),
        ...(this.hedge ? { hedge: true } : {}),
      },
      ...(this.streamed ? { stream: true } : {}),
    }
    const request = requestOf(body)
    const program = Effect.flatMap(Router, (router) =>
      this.streamed
        ? Effect.flatMap(router.stream(request), (routed) =>
            Effect.flatMap(Stream.runCollect(routed.chunks), (chunks) =>
              Effect.map(routed.trace, (trace) => ({ trace, chunks: chunks as ReadonlyArray<JsonObject> })),
            ),
          )
        : Effect.map(router.route(request), (result) => ({
            trace: result.trace,
            chunks: [] as ReadonlyArray<JsonObject>,
          })),
    )
    r.sent.push({
      rid,
      streamed: this.streamed,
      priority: this.priority,
      optIn: this.optIn,
      fiber: r.rt.runFork(program),
    })
  }
}

class Advance implements fc.AsyncCommand<Model, Real> {
  constructor(readonly ms: number) {}
  check = () => true
  toString = () => `Advance(${this.ms})`
  async run(m: Model, r: Real) {
    await step(r, this.ms)
    m.now += this.ms
    check(r)
  }
}

/** The client of one earlier request goes away (its fiber is interrupted). */
class Cancel implements fc.AsyncCommand<Model, Real> {
  constructor(readonly index: number) {}
  check = (m: Readonly<Model>) => m.sent > 0
  toString = () => `Cancel(${this.index})`
  async run(_m: Model, r: Real) {
    const target = r.sent[this.index % r.sent.length]
    if (target !== undefined) await r.rt.runPromise(Fiber.interrupt(target.fiber))
    check(r)
  }
}

class SetUpstream implements fc.AsyncCommand<Model, Real> {
  constructor(
    readonly slug: string,
    readonly label: string,
    readonly behavior: Behavior,
  ) {}
  check = () => true
  toString = () => `${this.label}(${this.slug})`
  async run(_m: Model, r: Real) {
    r.upstream.always(this.slug, this.behavior)
    check(r)
  }
}

const duration = fc.oneof(
  fc.constantFrom(0, 1, 10, 99, 100, 999, 1_000, 5_000, 59_999, 60_000),
  fc.integer({ min: 0, max: 70_000 }),
)
const slug = fc.constantFrom(...SLUGS)
const behavior = fc.oneof(
  fc.constant(stream({ tokens: 3, chunkMs: 50 })),
  fc.constant(fail(serverError, 20)),
  fc.constantFrom(undefined, 300, 5_000, 60_000).map((ra) => fail(rateLimited(ra))),
  fc.constant(stream({ tokens: 4, failAfter: 2, chunkMs: 20 })),
  fc.constant(ok({ latencyMs: 2_000 })),
)
const send = fc
  .tuple(
    fc.integer({ min: 1, max: 8 }),
    fc.boolean(),
    fc.constantFrom<Priority>("default", "batch", "critical"),
    fc.boolean(),
    fc.boolean(),
  )
  .map(([n, s, p, o, h]) => new Send(n, s, p, o, h))
const advance = duration.map((ms) => new Advance(ms))
// Sends and time steps are listed more than once to weigh them over upstream changes.
const commands = [
  send,
  send,
  send,
  advance,
  advance,
  fc.nat().map((i) => new Cancel(i)),
  slug.map((s) => new SetUpstream(s, "Fails", fail(serverError, 20))),
  slug.map((s) => new SetUpstream(s, "Recovers", stream({ tokens: 3, chunkMs: 50 }))),
  fc
    .tuple(slug, fc.constantFrom(undefined, 300, 5_000, 60_000))
    .map(([s, ra]) => new SetUpstream(s, `RateLimits[${ra}]`, fail(rateLimited(ra)))),
  slug.map((s) => new SetUpstream(s, "CutsStreams", stream({ tokens: 4, failAfter: 2, chunkMs: 20 }))),
  slug.map((s) => new SetUpstream(s, "Slow", ok({ latencyMs: 2_000 }))),
]

describe("router model-based invariants", () => {
  it("holds its guarantees under any sequence of requests, time and upstream behaviour", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(behavior, { minLength: 3, maxLength: 3 }),
        fc.commands(commands, { maxCommands: 50 }),
        async (initial, cmds) => {
          const upstream = new FakeUpstream()
          for (const [i, s] of SLUGS.entries()) upstream.always(s, initial[i]!)
          const violations: Array<string> = []
          const rt = ManagedRuntime.make(routerEnv(catalog, upstream, { capacity: watchedCapacity(violations) }))
          const real: Real = { rt, upstream, sent: [], violations }
          try {
            await rt.runPromise(Effect.void)
            await fc.asyncModelRun(() => ({ model: { now: 0, sent: 0 }, real }), cmds)
            // Let every request finish and every bucket drain.
            for (let i = 0; i < 20; i++) await step(real, 60_000)
            for (const s of real.sent) expect(s.fiber.pollUnsafe()).toBeDefined()
            check(real)
            const capacity = await rt.runPromise(Effect.map(CapacityMeter, (c) => c))
            expect(await rt.runPromise(capacity.openReservations())).toBe(0)
            for (const e of TRACKED) expect(await rt.runPromise(capacity.utilization(e))).toBe(0)
          } finally {
            await rt.dispose()
          }
        },
      ),
      { numRuns: 100 },
    )
  })
})
