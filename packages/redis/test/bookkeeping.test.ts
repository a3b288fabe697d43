import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { type RedisServer, startRedis } from "../src/testing/redis-server.js"
import { buildServices, endpoints, endpointWith, run, type Services } from "./support/services.js"
import { sleep } from "./support/wait.js"

// Bookkeeping alone (a release here) waits at most `bookkeepingMs` for company; a decision sends it at once, first.

let server: RedisServer
beforeAll(async () => {
  server = await startRedis()
})
afterAll(() => server.stop())

const CAPACITY = 60_000
const E = endpointWith("books", { tokensPerMinute: CAPACITY })
const STRICT = { admission: true, headroom: 0 }
const NOW = 1_700_000_000_000
let fleetNo = 0
const pair = (bookkeepingMs: number, extra: Record<string, unknown> = {}) => {
  const prefix = `books${fleetNo++}:`
  return Promise.all(
    ["a", "b"].map((replicaId) =>
      buildServices({ url: server.url, prefix, timeoutMs: 2_000, replicaId, leaseMs: 0, bookkeepingMs, ...extra }),
    ),
  )
}
let admin: ReturnType<RedisServer["admin"]> | undefined
/** How many script calls (`FCALL`) the server has run. */
const calls = async () => {
  admin ??= server.admin()
  return Number(/cmdstat_fcall:calls=(\d+)/.exec(String(await admin.call("INFO", "commandstats")))?.[1] ?? 0)
}
/** What replica `r` plans on for `E` at `at`: its predicted utilization. */
const predicted = async (r: Services, at: number) => (await run(r.live.read([E], [0], at))).predicted[0]!
/** The shared level in tokens as `b` reads it (nothing of `a`'s is flushed by it). */
const level = async (b: Services) => (await run(b.capacity.utilization(E, NOW)))! * CAPACITY

describe("bookkeeping alone", () => {
  it("reaches Redis within bookkeepingMs with nothing else to send", async () => {
    const [a, b] = await pair(5)
    try {
      const r = await run(a!.capacity.reserve(E, 1_000, STRICT, NOW))
      if (r._tag !== "Admitted") throw new Error("refused")
      expect(await level(b!)).toBe(1_000)
      await run(a!.capacity.release(r.reservation, NOW))
      await sleep(100)
      expect(await level(b!)).toBe(0)
    } finally {
      await Promise.all([a!.close(), b!.close()])
    }
  })

  it("waits for the next decision, which sends it first, or for the replica's shutdown", async () => {
    const [a, b] = await pair(60_000)
    try {
      const r = await run(a!.capacity.reserve(E, 1_000, STRICT, NOW))
      if (r._tag !== "Admitted") throw new Error("refused")
      await run(a!.capacity.release(r.reservation, NOW))
      await sleep(100)
      // not sent yet: alone, it waits
      expect(await level(b!)).toBe(1_000)
      // a decision takes it along, ahead of itself
      expect((await run(a!.capacity.reserve(E, 500, STRICT, NOW)))._tag).toBe("Admitted")
      expect(await level(b!)).toBe(500)
      const r2 = await run(a!.capacity.reserve(E, 200, STRICT, NOW))
      if (r2._tag !== "Admitted") throw new Error("refused")
      await run(a!.capacity.release(r2.reservation, NOW))
      await a!.close()
      expect(await level(b!)).toBe(500)
    } finally {
      await b!.close()
    }
  })

  it("reads along the cached snapshot past a quarter of its life: the next plans are made from it, with no read of their own", async () => {
    const [a, b] = await pair(5, { snapshotCacheMs: 1_000 })
    try {
      expect(await predicted(b!, NOW)).toBe(0) // b's cache holds the empty bucket read at NOW
      // replica a takes half the endpoint's capacity
      expect((await run(a!.capacity.reserve(E, CAPACITY / 2, STRICT, NOW)))._tag).toBe("Admitted")
      // past a quarter of the cache's life, not half: planned from the cache, no read starts
      expect(await predicted(b!, NOW + 300)).toBe(0)
      await sleep(50)
      const before = await calls()
      // b's bookkeeping alone leaves after bookkeepingMs, and reads the cached hash along: one call
      await run(b!.health.record(E.id, { _tag: "Success" }, false, NOW + 300))
      await sleep(100)
      expect((await calls()) - before).toBe(1)
      // the next plans see a's reservation (drained to their own now) from the cache, without a call
      expect(await predicted(b!, NOW + 400)).toBeCloseTo((CAPACITY / 2 - 400) / CAPACITY, 9)
      expect((await calls()) - before).toBe(1)
    } finally {
      await Promise.all([a!.close(), b!.close()])
    }
  })

  it("goes with the read a plan starts once the cache is half its life old: one call for both, the bookkeeping first", async () => {
    const [a, b] = await pair(60_000, { snapshotCacheMs: 1_000 })
    try {
      expect(await predicted(b!, NOW)).toBe(0)
      // b holds a reservation, a takes half the endpoint's capacity
      const r = await run(b!.capacity.reserve(E, 6_000, STRICT, NOW))
      if (r._tag !== "Admitted") throw new Error("refused")
      expect((await run(a!.capacity.reserve(E, CAPACITY / 2, STRICT, NOW)))._tag).toBe("Admitted")
      // b's release is bookkeeping alone: it waits (bookkeepingMs is a minute)
      await run(b!.capacity.release(r.reservation, NOW + 100))
      await sleep(50)
      const before = await calls()
      // past half the cache's life: planned from the cache, and the release leaves with the background read
      expect(await predicted(b!, NOW + 600)).toBe(0)
      await sleep(100)
      expect((await calls()) - before).toBe(1)
      // the read saw a's reservation and not b's released one (drained to the plan's now), and planning from it costs
      // no call
      expect(await predicted(b!, NOW + 700)).toBeCloseTo((CAPACITY / 2 - 700) / CAPACITY, 9)
      expect((await calls()) - before).toBe(1)
    } finally {
      await Promise.all([a!.close(), b!.close()])
    }
  })

  it("goes along with a decision on any endpoint: one call for the turn", async () => {
    const [a, b] = await pair(60_000)
    try {
      const [e1, e2] = endpoints().slice(0, 2)
      const r = await run(a!.capacity.reserve(e1!, 1_000, STRICT, NOW))
      if (r._tag !== "Admitted") throw new Error("refused")
      // a release on e1: bookkeeping alone, it waits (bookkeepingMs is a minute)
      await run(a!.capacity.release(r.reservation, NOW))
      await sleep(50)
      expect(await run(b!.capacity.utilization(e1!, NOW))).toBeGreaterThan(0)
      // a decision on e2 takes it along, in the same call
      const before = await calls()
      expect((await run(a!.capacity.reserve(e2!, 500, STRICT, NOW)))._tag).toBe("Admitted")
      expect((await calls()) - before).toBe(1)
      expect(await run(b!.capacity.utilization(e1!, NOW))).toBe(0)
      expect(await run(b!.capacity.openReservations(e1!.id))).toBe(0)
    } finally {
      await Promise.all([a!.close(), b!.close()])
    }
  })

  it("of several endpoints goes in one script call, each endpoint's as its own call would have left it", async () => {
    const [a, b] = await pair(60_000)
    try {
      const eps = endpoints().slice(0, 3)
      const taken = await Promise.all(eps.map((e) => run(a!.capacity.reserve(e, 1_000, STRICT, NOW))))
      const before = await calls()
      // bookkeeping on three endpoints (a release and a success each, one endpoint also a failure ratio's worth of
      // successes), then a read: everything queued goes first, the three endpoints' bookkeeping in one call
      for (const [i, e] of eps.entries()) {
        const r = taken[i]!
        if (r._tag !== "Admitted") throw new Error("refused")
        await run(a!.capacity.release(r.reservation, NOW + i))
        await run(a!.health.record(e.id, { _tag: "Success" }, false, NOW + i))
      }
      await run(
        a!.health.readMany(
          eps.map((e) => e.id),
          NOW,
        ),
      )
      expect((await calls()) - before).toBe(1)
      // the releases reached each endpoint's bucket and each endpoint's count of a's open reservations
      for (const e of eps) {
        expect(await run(b!.capacity.utilization(e, NOW + 10))).toBe(0)
        expect(await run(b!.capacity.openReservations(e.id))).toBe(0)
      }
    } finally {
      await Promise.all([a!.close(), b!.close()])
    }
  })
})
