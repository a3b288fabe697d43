import type { HealthReport, Reservation, Usage } from "@switchyard/core"
import { Effect } from "effect"
import fc from "fast-check"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { type RedisServer, startRedis } from "../src/testing/redis-server.js"
import { buildServices, endpoints, run, type Services } from "./support/services.js"
import { runTurn } from "./support/turn.js"

// The Lua breaker + cooldowns (acquire, record, and the combined admit gate) against the TypeScript
// Health: same random sequences, same instants; every permit, entry and view must be identical. Part of the
// steps come as turns: several operations issued at once on the Redis store (one `syBatch` call per endpoint,
// applied in issue order) and one after the other in memory.

let server: RedisServer
beforeAll(async () => {
  server = await startRedis()
})
afterAll(() => server.stop())

const EPS = endpoints()
const options = {
  health: {
    breaker: {
      failureThreshold: 2,
      failureRatio: 0.5,
      minimumRequests: 4,
      ratioWindowMs: 5_000,
      openMs: 3_000,
      probeTimeoutMs: 4_000,
    },
    defaultCooldownMs: 700,
    quotaCooldownMs: 5_000,
  },
}
const ms = fc.oneof(
  fc.constantFrom(0, 1, 699, 700, 2_999, 3_000, 3_999, 4_000, 5_000),
  fc.integer({ min: 0, max: 8_000 }),
)
const report: fc.Arbitrary<HealthReport> = fc.oneof(
  fc.constant({ _tag: "Success" as const }),
  fc.constant({ _tag: "Failure" as const }),
  fc.record({ _tag: fc.constant("Failure" as const), retryAfterMs: fc.integer({ min: 0, max: 4_000 }) }),
  fc.constant({ _tag: "RateLimited" as const }),
  fc.record({ _tag: fc.constant("RateLimited" as const), retryAfterMs: fc.integer({ min: 0, max: 4_000 }) }),
  fc.constant({ _tag: "RateLimited" as const, quota: true }),
  fc.constant({ _tag: "Abandoned" as const }),
)
type Op =
  | { readonly k: "acquire"; readonly ep: number }
  | { readonly k: "admit"; readonly ep: number; readonly charge: number }
  | { readonly k: "record"; readonly ep: number; readonly report: HealthReport; readonly probe: boolean }
  | { readonly k: "advance"; readonly ms: number }
  | { readonly k: "turn"; readonly ops: ReadonlyArray<Exclude<Op, { k: "advance" | "turn" }>> }
const op: fc.Arbitrary<Op> = fc.oneof(
  { weight: 3, arbitrary: fc.record({ k: fc.constant("acquire" as const), ep: fc.nat(1) }) },
  {
    weight: 1,
    arbitrary: fc.record({
      k: fc.constant("admit" as const),
      ep: fc.nat(1),
      charge: fc.integer({ min: 0, max: 4_000 }),
    }),
  },
  {
    weight: 3,
    arbitrary: fc.record({ k: fc.constant("record" as const), ep: fc.nat(1), report, probe: fc.boolean() }),
  },
  { weight: 3, arbitrary: fc.record({ k: fc.constant("advance" as const), ms }) },
)
const inTurn = op.filter((o): o is Exclude<Op, { k: "advance" | "turn" }> => o.k !== "advance" && o.k !== "turn")
const step: fc.Arbitrary<Op> = fc.oneof(
  { weight: 4, arbitrary: op },
  {
    weight: 1,
    arbitrary: fc.record({ k: fc.constant("turn" as const), ops: fc.array(inTurn, { minLength: 2, maxLength: 8 }) }),
  },
)

const entryOf = (e: { _tag: string; reservation?: Reservation }) => {
  const { reservation: _r, ...rest } = e
  return rest
}

/** Apply `ops` to the in-memory and the Redis Health; compare every answer and view. */
const compare = async (ops: ReadonlyArray<Op>, start: number, prefix: string) => {
  const memory = await buildServices(undefined, options)
  // admission leases off: an admission from a lease is decided here, on the lease (see the README's "Leases"), not on
  // the bucket as the in-memory meter decides it; this compares the ports, each admission decided in Lua
  const redis = await buildServices({ url: server.url, prefix, timeoutMs: 2_000, leaseMs: 0 }, options)
  try {
    let now = start
    const ids = EPS.slice(0, 2).map((e) => e.id)
    const answers: Array<unknown> = []
    /** One operation on one store: its answer (acquire, admit), else undefined. */
    const apply = (o: Exclude<Op, { k: "advance" | "turn" }>, s: typeof memory): Effect.Effect<unknown, unknown> => {
      switch (o.k) {
        case "acquire":
          return s.health.acquire(ids[o.ep]!, now)
        case "admit":
          return Effect.map(s.live.admit(EPS[o.ep]!, o.charge, { admission: true, headroom: 0 }, now), entryOf)
        case "record":
          return s.health.record(ids[o.ep]!, o.report, o.probe, now)
      }
    }
    for (const o of ops) {
      if (o.k === "advance") {
        now += o.ms
        continue
      }
      const turn = o.k === "turn" ? o.ops : [o]
      const [a, b] = await runTurn(
        turn,
        (x) => run(apply(x, memory)),
        (x) => run(apply(x, redis)),
      )
      expect(b).toEqual(a)
      for (const x of a) if (x !== undefined) answers.push(x)
      expect(await run(redis.health.readMany(ids, now))).toEqual(await run(memory.health.readMany(ids, now)))
    }
    expect(redis.live.status().state).toBe("ok")
    return answers
  } finally {
    await memory.close()
    await redis.close()
  }
}

describe("Lua breaker and cooldowns = TypeScript Health", () => {
  it("gives the same permits, admissions and views for every step of random sequences", async () => {
    let runNo = 0
    await fc.assert(
      fc.asyncProperty(
        fc.array(step, { minLength: 1, maxLength: 60 }),
        fc.integer({ min: 1_600_000_000_000, max: 1_900_000_000_000 }),
        (ops, start) => compare(ops, start, `h${runNo++}:`).then(() => undefined),
      ),
      { numRuns: 200 },
    )
  }, 120_000)

  it("agrees at the breaker's boundaries: open until openMs, one probe until probeTimeoutMs, closed on success", async () => {
    const F: Op = { k: "record", ep: 0, report: { _tag: "Failure" }, probe: false }
    const acquire: Op = { k: "acquire", ep: 0 }
    const answers = await compare(
      [
        F,
        F,
        acquire,
        { k: "advance", ms: 2_999 },
        acquire,
        { k: "advance", ms: 1 },
        acquire,
        acquire,
        { k: "advance", ms: 3_999 },
        acquire,
        { k: "advance", ms: 1 },
        acquire,
        { k: "record", ep: 0, report: { _tag: "Success" }, probe: true },
        acquire,
      ],
      1_700_000_000_000,
      "edge:",
    )
    expect(
      answers.map((a) => (a as { _tag: string; probe?: boolean }).probe ?? (a as { reason?: string }).reason),
    ).toEqual(["breaker_open", "breaker_open", true, "breaker_open", "breaker_open", true, false])
  })

  it("applies the successes of one batch each at its own instant, between bucket operations, as one after the other in memory", async () => {
    // one endpoint's records at different instants, settles and releases between them, all issued at once on Redis
    // (one batch: the successes joined into runs) and one after the other in memory; the windows, the ratio and the
    // opening are judged at each record's own instant in both
    const item = fc.record({
      dt: fc.oneof(fc.constantFrom(0, 0, 1, 1_000, 2_500, 3_000, 5_000), fc.integer({ min: 0, max: 2_500 })),
      what: fc.oneof(
        { weight: 6, arbitrary: fc.constant("success" as const) },
        { weight: 2, arbitrary: fc.constantFrom("failure" as const, "rateLimited" as const, "abandoned" as const) },
        { weight: 3, arbitrary: fc.constantFrom("settle" as const, "release" as const) },
      ),
      probe: fc.boolean(),
    })
    // a ratio that a success can reach (two failures in six records), after more consecutive failures than that
    const runOptions = {
      health: {
        ...options.health,
        breaker: { ...options.health.breaker, failureThreshold: 5, minimumRequests: 6, failureRatio: 0.3 },
      },
    }
    let runNo = 0
    await fc.assert(
      fc.asyncProperty(
        fc.array(item, { minLength: 1, maxLength: 40 }),
        fc.integer({ min: 1_600_000_000_000, max: 1_900_000_000_000 }),
        async (items, start) => {
          const memory = await buildServices(undefined, runOptions)
          const redis = await buildServices(
            { url: server.url, prefix: `runs${runNo++}:`, timeoutMs: 2_000, leaseMs: 0 },
            runOptions,
          )
          try {
            const e = EPS[0]!
            // reservations to close in the batch (bucket operations between the records), one per settle or release
            const closing = items.filter((x) => x.what === "settle" || x.what === "release").length
            const held: Array<readonly [Reservation, Reservation]> = []
            for (let i = 0; i < closing; i++) {
              const [m, r] = await Promise.all(
                [memory, redis].map((s) =>
                  run(s.capacity.reserve(e, 100, { admission: false, headroom: 0 }, start)).then((a) => {
                    if (a._tag !== "Admitted") throw new Error("a reservation of the test was refused")
                    return a.reservation
                  }),
                ),
              )
              held.push([m!, r!])
            }
            let now = start
            let next = 0
            const steps = items.map((x) => {
              now += x.dt
              return { ...x, now, pair: x.what === "settle" || x.what === "release" ? held[next++]! : undefined }
            })
            const usage: Usage = { promptTokens: 40, completionTokens: 20, cachedTokens: 0, reasoningTokens: 0 }
            const apply = (x: (typeof steps)[number], side: 0 | 1, s: Services) => {
              const reports: Record<string, HealthReport> = {
                success: { _tag: "Success" },
                failure: { _tag: "Failure" },
                rateLimited: { _tag: "RateLimited" },
                abandoned: { _tag: "Abandoned" },
              }
              if (x.pair !== undefined)
                return run(
                  x.what === "settle"
                    ? s.capacity.settle(x.pair[side], usage, x.now)
                    : s.capacity.release(x.pair[side], x.now),
                )
              return run(s.health.record(e.id, reports[x.what]!, x.probe, x.now))
            }
            await runTurn(
              steps,
              (x) => apply(x, 0, memory),
              (x) => apply(x, 1, redis),
            )
            for (const t of [now, now + 1, now + 3_000, now + 6_000]) {
              expect(await run(redis.health.read(e.id, t))).toEqual(await run(memory.health.read(e.id, t)))
              expect(await run(redis.capacity.utilization(e, t))).toBeCloseTo(
                (await run(memory.capacity.utilization(e, t)))!,
                9,
              )
            }
            // the window's counts show in what failures after the batch do
            for (let i = 0; i < 5; i++) {
              for (const s of [memory, redis]) await run(s.health.record(e.id, { _tag: "Failure" }, false, now))
              expect(await run(redis.health.read(e.id, now))).toEqual(await run(memory.health.read(e.id, now)))
            }
            expect(redis.live.status().state).toBe("ok")
          } finally {
            await memory.close()
            await redis.close()
          }
        },
      ),
      { numRuns: 300 },
    )
  }, 120_000)
})
