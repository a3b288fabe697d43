import type { CapacitySignals, Reservation } from "@switchyard/core"
import fc from "fast-check"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { type RedisServer, startRedis } from "../src/testing/redis-server.js"
import { buildServices, endpoints, run, type Services } from "./support/services.js"

// The Lua bucket (reserve/settle/release/observe) against the TypeScript one: the same random
// sequences, at the same instants, through the CapacityMeter of each store; every result and every
// reading afterwards must be identical (IEEE doubles on both sides, numbers passed as %.17g).

let server: RedisServer
beforeAll(async () => {
  server = await startRedis()
})
afterAll(() => server.stop())

const EPS = endpoints()
const opt = <T>(arb: fc.Arbitrary<T>) => fc.option(arb, { nil: undefined })
const ms = fc.oneof(fc.constantFrom(0, 1, 999, 10_000, 59_999, 60_000), fc.integer({ min: 0, max: 90_000 }))

type Op =
  | {
      readonly k: "reserve"
      readonly ep: number
      readonly charge: number
      readonly admission: boolean
      readonly headroom: number
    }
  | {
      readonly k: "settle"
      readonly nth: number
      readonly prompt: number
      readonly completion: number
      readonly cached: number
    }
  | { readonly k: "release"; readonly nth: number }
  | { readonly k: "observe"; readonly ep: number; readonly signals: CapacitySignals; readonly rateLimited: boolean }
  | { readonly k: "advance"; readonly ms: number }

const signals: fc.Arbitrary<CapacitySignals> = fc
  .record({
    retryAfterMs: opt(fc.integer({ min: 0, max: 20_000 })),
    remainingTokens: opt(fc.integer({ min: -5, max: 20_000 })),
    limitTokens: opt(fc.integer({ min: -1, max: 20_000 })),
    remainingRequests: opt(fc.integer({ min: 0, max: 50 })),
    limitRequests: opt(fc.integer({ min: 0, max: 50 })),
    utilization: opt(fc.double({ min: 0, max: 1.5, noNaN: true })),
  })
  .map((s) => Object.fromEntries(Object.entries(s).filter(([, v]) => v !== undefined)) as CapacitySignals)

const op: fc.Arbitrary<Op> = fc.oneof(
  {
    weight: 5,
    arbitrary: fc.record({
      k: fc.constant("reserve" as const),
      ep: fc.nat(3),
      charge: fc.double({ min: 0, max: 8_000, noNaN: true }),
      admission: fc.boolean(),
      headroom: fc.constantFrom(0, 0.1, 0.25),
    }),
  },
  {
    weight: 2,
    arbitrary: fc.record({
      k: fc.constant("settle" as const),
      nth: fc.nat(20),
      prompt: fc.nat(3_000),
      completion: fc.nat(3_000),
      cached: fc.nat(500),
    }),
  },
  { weight: 2, arbitrary: fc.record({ k: fc.constant("release" as const), nth: fc.nat(20) }) },
  {
    weight: 2,
    arbitrary: fc.record({ k: fc.constant("observe" as const), ep: fc.nat(3), signals, rateLimited: fc.boolean() }),
  },
  { weight: 3, arbitrary: fc.record({ k: fc.constant("advance" as const), ms }) },
)

/** -0 and 0 are the same reading. */
const norm = (x: unknown): unknown =>
  typeof x === "number"
    ? x + 0
    : Array.isArray(x)
      ? x.map(norm)
      : x && typeof x === "object"
        ? Object.fromEntries(Object.entries(x).map(([k, v]) => [k, norm(v)]))
        : x

const readings = async (s: Services, now: number) => {
  const out: Array<unknown> = []
  for (const e of EPS) {
    out.push(await run(s.capacity.predict(e, 0, now)))
    out.push(await run(s.capacity.predict(e, 700, now)))
    out.push(await run(s.capacity.availableIn(e, 1_500, { admission: true, headroom: 0.1 }, now)))
  }
  return norm(out)
}

describe("Lua bucket = TypeScript bucket", () => {
  it("gives the same admission, wait and utilization for every step of random sequences", async () => {
    let runNo = 0
    await fc.assert(
      fc.asyncProperty(
        fc.array(op, { minLength: 1, maxLength: 30 }),
        fc.integer({ min: 1_600_000_000_000, max: 1_900_000_000_000 }),
        async (ops, start) => {
          const memory = await buildServices(undefined)
          const redis = await buildServices({ url: server.url, prefix: `cap${runNo++}:`, timeoutMs: 2_000 })
          try {
            let now = start
            const open: Array<readonly [Reservation, Reservation]> = []
            for (const o of ops) {
              let results: Array<unknown> = []
              switch (o.k) {
                case "advance":
                  now += o.ms
                  break
                case "reserve": {
                  const opts = { admission: o.admission, headroom: o.headroom }
                  const a = await run(memory.capacity.reserve(EPS[o.ep]!, o.charge, opts, now))
                  const b = await run(redis.capacity.reserve(EPS[o.ep]!, o.charge, opts, now))
                  results = [a._tag === "Admitted" ? "Admitted" : a, b._tag === "Admitted" ? "Admitted" : b]
                  if (a._tag === "Admitted" && b._tag === "Admitted") open.push([a.reservation, b.reservation])
                  break
                }
                case "settle":
                case "release": {
                  const pair = open[o.nth % Math.max(1, open.length)]
                  if (pair === undefined) break
                  const usage =
                    o.k === "settle"
                      ? {
                          promptTokens: o.prompt,
                          completionTokens: o.completion,
                          cachedTokens: Math.min(o.cached, o.prompt),
                          reasoningTokens: 0,
                        }
                      : undefined
                  // Settling or releasing twice is part of the sequence: both stores must ignore the second.
                  if (usage === undefined) {
                    await run(memory.capacity.release(pair[0], now))
                    await run(redis.capacity.release(pair[1], now))
                  } else {
                    await run(memory.capacity.settle(pair[0], usage, now))
                    await run(redis.capacity.settle(pair[1], usage, now))
                  }
                  break
                }
                case "observe":
                  await run(memory.capacity.observe(EPS[o.ep]!, o.signals, { rateLimited: o.rateLimited }, now))
                  await run(redis.capacity.observe(EPS[o.ep]!, o.signals, { rateLimited: o.rateLimited }, now))
                  break
              }
              expect(norm(results[1])).toEqual(norm(results[0]))
              expect(await readings(redis, now)).toEqual(await readings(memory, now))
            }
            expect(redis.live.status().state).toBe("ok")
          } finally {
            await memory.close()
            await redis.close()
          }
        },
      ),
      { numRuns: 60 },
    )
  }, 120_000)
})
