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
const pair = (bookkeepingMs: number) => {
  const prefix = `books${fleetNo++}:`
  return Promise.all(
    ["a", "b"].map((replicaId) =>
      buildServices({ url: server.url, prefix, timeoutMs: 2_000, replicaId, leaseMs: 0, bookkeepingMs }),
    ),
  )
}
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

  it("of several endpoints goes in one script call, each endpoint's as its own call would have left it", async () => {
    const [a, b] = await pair(60_000)
    const admin = server.admin()
    const calls = async () =>
      Number(/cmdstat_fcall:calls=(\d+)/.exec(String(await admin.call("INFO", "commandstats")))?.[1] ?? 0)
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
