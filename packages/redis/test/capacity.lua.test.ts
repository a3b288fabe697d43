import type { CapacitySignals, Reservation } from "@switchyard/core"
import { Effect } from "effect"
import fc from "fast-check"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { type RedisServer, startRedis } from "../src/testing/redis-server.js"
import { buildServices, endpoints, run, type Services } from "./support/services.js"
import { runTurn } from "./support/turn.js"

// The Lua bucket (reserve/settle/release/observe) against the TypeScript one: the same random
// sequences, at the same instants, through the CapacityMeter of each store; every result and every
// reading afterwards must be identical (IEEE doubles on both sides, numbers passed as %.17g). Part of the
// steps come as turns: several operations issued at once on the Redis store (one `syBatch` call per endpoint,
// applied in issue order) and one after the other on the in-memory store.

let server: RedisServer
/** A server without Redis Functions (as before Redis 7): the scripts go by EVALSHA. */
let noFunctions: RedisServer
beforeAll(async () => {
  server = await startRedis()
  noFunctions = await startRedis({ args: ["--rename-command", "FUNCTION", ""] })
})
afterAll(() => Promise.all([server.stop(), noFunctions.stop()]))

const EPS = endpoints()
let admin: ReturnType<RedisServer["admin"]> | undefined
/** Script calls the server has run so far (FCALL). */
const fcalls = async () => {
  admin ??= server.admin()
  return Number(/cmdstat_fcall:calls=(\d+)/.exec(String(await admin.call("INFO", "commandstats")))?.[1] ?? 0)
}
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
type Step = Op | { readonly k: "turn"; readonly ops: ReadonlyArray<Exclude<Op, { k: "advance" }>> }

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

const inTurn = op.filter((o): o is Exclude<Op, { k: "advance" }> => o.k !== "advance")
const step: fc.Arbitrary<Step> = fc.oneof(
  { weight: 3, arbitrary: op },
  {
    weight: 1,
    arbitrary: fc.record({ k: fc.constant("turn" as const), ops: fc.array(inTurn, { minLength: 2, maxLength: 8 }) }),
  },
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
  it.each([
    ["FCALL", () => server],
    ["EVALSHA (a server without Redis Functions)", () => noFunctions],
  ])(
    "gives the same admission, wait and utilization for every step of random sequences (%s)",
    async (how, on) => {
      let runNo = 0
      await fc.assert(
        fc.asyncProperty(
          fc.array(step, { minLength: 1, maxLength: 30 }),
          fc.integer({ min: 1_600_000_000_000, max: 1_900_000_000_000 }),
          async (steps, start) => {
            const memory = await buildServices(undefined)
            const redis = await buildServices({ url: on().url, prefix: `cap${runNo++}:`, timeoutMs: 2_000 })
            try {
              let now = start
              const open: Array<readonly [Reservation, Reservation]> = []
              const pairOf = (nth: number) => open[nth % Math.max(1, open.length)]
              /** One operation on one store (`side` 0: memory, 1: Redis): its result, if it has one. */
              const apply = (o: Exclude<Op, { k: "advance" }>, side: 0 | 1, s: Services): Effect.Effect<unknown> => {
                switch (o.k) {
                  case "reserve":
                    return Effect.map(
                      s.capacity.reserve(EPS[o.ep]!, o.charge, { admission: o.admission, headroom: o.headroom }, now),
                      (a) => (a._tag === "Admitted" ? a.reservation : a),
                    )
                  case "settle":
                  case "release": {
                    const pair = pairOf(o.nth)
                    if (pair === undefined) return Effect.void
                    // Settling or releasing twice is part of the sequence: both stores must ignore the second.
                    return o.k === "release"
                      ? s.capacity.release(pair[side], now)
                      : s.capacity.settle(
                          pair[side],
                          {
                            promptTokens: o.prompt,
                            completionTokens: o.completion,
                            cachedTokens: Math.min(o.cached, o.prompt),
                            reasoningTokens: 0,
                          },
                          now,
                        )
                  }
                  case "observe":
                    return s.capacity.observe(EPS[o.ep]!, o.signals, { rateLimited: o.rateLimited }, now)
                }
              }
              for (const st of steps) {
                if (st.k === "advance") {
                  now += st.ms
                  continue
                }
                const ops = st.k === "turn" ? st.ops : [st]
                const [a, b] = await runTurn(
                  ops,
                  (o) => run(apply(o, 0, memory)),
                  (o) => run(apply(o, 1, redis)),
                )
                ops.forEach((o, i) => {
                  if (o.k !== "reserve") return
                  const [x, y] = [a[i] as { _tag?: string }, b[i] as { _tag?: string }]
                  if (x._tag === undefined && y._tag === undefined) open.push([x as Reservation, y as Reservation])
                  expect(norm(y._tag === undefined ? "Admitted" : y)).toEqual(
                    norm(x._tag === undefined ? "Admitted" : x),
                  )
                })
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
      // the scripts ran the way the test says
      const stats = String(await on().admin().call("INFO", "commandstats"))
      expect(stats).toMatch(how === "FCALL" ? /cmdstat_fcall:/ : /cmdstat_evalsha:/)
      if (how !== "FCALL") expect(stats).not.toMatch(/cmdstat_fcall:/)
    },
    120_000,
  )

  it("sends one endpoint's operations of one turn as one script call, each reservation answered on its own", async () => {
    const redis = await buildServices({ url: server.url, prefix: "turn:", timeoutMs: 2_000 })
    try {
      const e = EPS[0]! // 6 000 tokens per minute
      const now = Date.now() // openReservations counts the unexpired ones at the clock's now
      const first = await run(redis.capacity.reserve(e, 1_000, { admission: true, headroom: 0 }, now))
      if (first._tag !== "Admitted") throw new Error("the first reservation was refused")
      const before = await fcalls()
      // one turn: a release of the first reservation, then seven reservations of 1 000 tokens: the release frees
      // its 1 000 first (issue order), so six are admitted and the seventh is refused
      const turn = await Promise.all([
        run(Effect.as(redis.capacity.release(first.reservation, now), "released")),
        ...Array.from({ length: 7 }, () =>
          run(redis.capacity.reserve(e, 1_000, { admission: true, headroom: 0 }, now)),
        ),
      ])
      expect(await fcalls()).toBe(before + 1)
      expect(turn.map((r) => (typeof r === "string" ? r : r._tag))).toEqual([
        "released",
        ...Array.from({ length: 6 }, () => "Admitted"),
        "Refused",
      ])
      const ids = turn.flatMap((r) => (typeof r !== "string" && r._tag === "Admitted" ? [r.reservation.id] : []))
      expect(new Set(ids).size).toBe(6)
      expect(await run(redis.capacity.openReservations(e.id))).toBe(6)
      expect(await run(redis.capacity.utilization(e, now))).toBeCloseTo(1, 9)
    } finally {
      await redis.close()
    }
  })

  it("closes a reservation once and adjusts nothing for one past its TTL (each replica keeps its own), and shows each replica's open ones to the others", async () => {
    const ttl = { url: server.url, prefix: "held:", timeoutMs: 2_000, reservationTtlMs: 1_000 }
    const a = await buildServices({ ...ttl, replicaId: "a" })
    const b = await buildServices({ ...ttl, replicaId: "b" })
    try {
      const e = EPS[0]! // 6 000 tokens per minute: 100 drain each second
      const now = Date.now()
      const [r1, r2] = await Promise.all(
        [1, 2].map(() => run(a.capacity.reserve(e, 3_000, { admission: true, headroom: 0 }, now))),
      )
      if (r1?._tag !== "Admitted" || r2?._tag !== "Admitted") throw new Error("a reservation was refused")
      expect(await run(b.capacity.openReservations(e.id))).toBe(2)
      expect(await run(b.capacity.utilization(e, now))).toBeCloseTo(1, 9)
      // released twice: the second adjusts nothing
      await run(a.capacity.release(r1.reservation, now))
      await run(a.capacity.release(r1.reservation, now))
      expect(await run(a.capacity.utilization(e, now))).toBeCloseTo(0.5, 9)
      expect(await run(b.capacity.openReservations(e.id))).toBe(1)
      // released at its expiry: it was dropped, the 3 000 tokens drain like any charge
      await run(a.capacity.release(r2.reservation, now + 1_000))
      expect(await run(a.capacity.utilization(e, now + 1_000))).toBeCloseTo(2_900 / 6_000, 9)
      expect(await run(a.capacity.openReservations(e.id))).toBe(0)
    } finally {
      await a.close()
      await b.close()
    }
  })

  it("settles a reservation under the limits it was taken with when the catalog changed them, in the same turn as reservations under the new limits", async () => {
    const memory = await buildServices(undefined)
    const redis = await buildServices({ url: server.url, prefix: "relimit:", timeoutMs: 2_000 })
    try {
      const before = EPS[0]! // 6 000 tokens per minute
      // the same endpoint after a configuration reload halved its capacity
      const after = { ...before, capacity: { ...before.capacity, tokensPerMinute: 3_000 } }
      const now = Date.now()
      const taken = await Promise.all(
        [memory, redis].map((s) => run(s.capacity.reserve(before, 2_000, { admission: true, headroom: 0 }, now))),
      )
      const [m, r] = taken.map((a) => {
        if (a._tag !== "Admitted") throw new Error("the first reservation was refused")
        return a.reservation
      })
      const calls = await fcalls()
      const usage = { promptTokens: 500, completionTokens: 200, cachedTokens: 0, reasoningTokens: 0 }
      const turn = (s: typeof memory, reservation: Reservation) => [
        () => run(Effect.as(s.capacity.settle(reservation, usage, now + 10), "settled")),
        () => run(s.capacity.reserve(after, 1_500, { admission: true, headroom: 0 }, now + 10)),
        () => run(s.capacity.reserve(after, 1_500, { admission: true, headroom: 0 }, now + 10)),
      ]
      const [inMemory, onRedis] = await runTurn(
        [0, 1, 2],
        (i) => turn(memory, m!)[i]!(),
        (i) => turn(redis, r!)[i]!(),
      )
      const tags = (xs: ReadonlyArray<unknown>) =>
        xs.map((x) => (typeof x === "string" ? x : (x as { _tag: string })._tag))
      expect(tags(onRedis)).toEqual(tags(inMemory))
      // the settle ran under 6 000 tokens a minute and the reservations under 3 000: two calls, in issue order
      expect(await fcalls()).toBe(calls + 2)
      for (const e of [before, after])
        for (const t of [now + 10, now + 20_000])
          expect(await run(redis.capacity.predict(e, 0, t))).toEqual(await run(memory.capacity.predict(e, 0, t)))
    } finally {
      await memory.close()
      await redis.close()
    }
  })
})
