import type { Endpoint, LiveStateOptions, Reservation } from "@switchyard/core"
import fc from "fast-check"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { makeKeys, type RedisTuning } from "../src/index.js"
import { type RedisCluster, startRedisCluster } from "../src/testing/redis-server.js"
import { CAPACITY, spreadEndpoints } from "./support/cluster.js"
import { reserveOnce, reserveStep } from "./support/reservers.js"
import { buildServices, run, type Services } from "./support/services.js"

// The live state on a real Redis Cluster (3 masters): endpoints whose keys live on different nodes,
// several replicas (each its own cluster client), one view — and not one CROSSSLOT error on any node.

let cluster: RedisCluster
/** One tokens-per-minute endpoint served by each master (index = node). */
let spread: ReadonlyArray<Endpoint>
const ADMIT = { admission: true, headroom: 0 }

beforeAll(async () => {
  cluster = await startRedisCluster()
  spread = await spreadEndpoints(cluster)
}, 60_000)
afterAll(() => cluster?.stop())

let fleetNo = 0
const fleet = (k: number, extra: RedisTuning = {}, options: LiveStateOptions = {}) => {
  const prefix = `cl${fleetNo++}:`
  return Promise.all(
    Array.from({ length: k }, (_, i) =>
      buildServices(
        { cluster: { nodes: cluster.nodes }, prefix, timeoutMs: 2_000, replicaId: `r${i}`, ...extra },
        options,
      ),
    ),
  )
}
const closeAll = (xs: ReadonlyArray<Services>) => Promise.all(xs.map((x) => x.close()))
const healthy = (xs: ReadonlyArray<Services>) => {
  for (const x of xs) expect(x.live.status()).toEqual({ backend: "redis", state: "ok", errors: 0 })
}

describe("a Redis Cluster: one live state, keys of one slot per command", () => {
  it("the endpoints' keys are on three different masters (the setup the other tests rely on)", async () => {
    const keys = makeKeys("cl:")
    const nodes = await Promise.all(spread.map((e) => cluster.nodeOf(keys.state(e.id))))
    expect(nodes).toEqual([0, 1, 2])
    // one endpoint's keys share its slot
    for (const e of spread) {
      const node = await cluster.nodeOf(keys.state(e.id))
      expect(await cluster.nodeOf(keys.reservations(e.id))).toBe(node)
      expect(await cluster.nodeOf(keys.stats(e.id, 123))).toBe(node)
    }
  })

  it("two replicas admit, settle, share a cooldown and read one snapshot across endpoints on different nodes", async () => {
    const [a, b] = (await fleet(2, { snapshotCacheMs: 0 })) as [Services, Services]
    try {
      const now = 1_700_000_000_000
      const [e0, e1, e2] = spread as [Endpoint, Endpoint, Endpoint]
      // a reserves on two endpoints (two nodes); b sees both levels in one snapshot of all three
      const r0 = await run(a.live.admit(e0, 1_500, ADMIT, now))
      const r1 = await run(a.live.admit(e1, 3_000, ADMIT, now))
      expect([r0._tag, r1._tag]).toEqual(["Admitted", "Admitted"])
      const seen = await run(b.live.read(spread, [0, 0, 0], now))
      expect(seen.predicted[0]).toBeCloseTo(0.25, 6)
      expect(seen.predicted[1]).toBeCloseTo(0.5, 6)
      expect(seen.predicted[2]).toBe(0)
      // b's admissions count against the level a left: e1 has room for 3 000 more, not 3 001
      expect((await run(b.live.admit(e1, 3_001, ADMIT, now)))._tag).toBe("Refused")
      expect((await run(b.live.admit(e2, 6_000, ADMIT, now)))._tag).toBe("Admitted")
      // a settles e1 lower: b's next snapshot has the lower level
      const held = (r1 as { reservation: Reservation }).reservation
      await run(
        a.capacity.settle(held, { promptTokens: 1_000, completionTokens: 0, cachedTokens: 0, reasoningTokens: 0 }, now),
      )
      await run(a.health.read(e1.id)) // what a sent has landed (one round trip on the same connection)
      const after = await run(b.live.read(spread, [0, 0, 0], now))
      expect(after.predicted[1]).toBeCloseTo(1_000 / CAPACITY, 6)
      expect(after.predicted[2]).toBeCloseTo(1, 6)
      // a 429 with retry-after seen by a cools e1 (and only e1) for b
      await run(a.health.record(e1.id, { _tag: "RateLimited", retryAfterMs: 5_000 }, false, now))
      await run(a.health.read(e1.id))
      const cooled = await run(b.live.read(spread, [0, 0, 0], now + 1))
      expect(cooled.health.map((h) => h.cooldownUntil)).toEqual([undefined, now + 5_000, undefined])
      expect(await run(b.live.admit(e1, 10, ADMIT, now + 1))).toMatchObject({ _tag: "Blocked", reason: "cooldown" })
      expect((await run(b.live.admit(e0, 10, ADMIT, now + 1)))._tag).toBe("Admitted")
      healthy([a, b])
    } finally {
      await closeAll([a, b])
    }
  })

  it("K concurrent reservers on two endpoints on different nodes never take either above its capacity", async () => {
    const targets = [spread[0]!, spread[2]!]
    const step = fc.tuple(fc.nat(1), reserveStep)
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 2, max: 4 }),
        fc.array(
          fc.tuple(
            // turns of steps on either endpoint, each turn issued at once (one batch per endpoint and replica)
            fc.array(fc.array(step, { minLength: 1, maxLength: 4 }), { minLength: 1, maxLength: 3 }),
            fc.integer({ min: 0, max: 30_000 }),
          ),
          { minLength: 1, maxLength: 5 },
        ),
        async (k, rounds) => {
          const replicas = await fleet(k)
          try {
            let now = 1_700_000_000_000
            for (const [steps, advance] of rounds) {
              now += advance
              await Promise.all(
                replicas.map(async (r) => {
                  for (const turn of steps)
                    await Promise.all(turn.map(([on, s]) => reserveOnce(r, targets[on]!, s, now)))
                }),
              )
              const levels = await run(replicas[0]!.live.read(targets, [0, 0], now))
              for (const level of levels.predicted) expect(level).toBeLessThanOrEqual(1 + 1e-9)
            }
            healthy(replicas)
          } finally {
            await closeAll(replicas)
          }
        },
      ),
      { numRuns: 10 },
    )
  }, 120_000)

  it("stats, the retry budget and conversation affinity are the fleet's on a cluster too", async () => {
    const replicas = await fleet(3, {}, { affinity: { ttlMs: 60_000 } })
    try {
      const [a, b] = replicas as [Services, Services, Services]
      const now = 1_700_000_000_000
      // retry budget: floor 10 + 0.5 × 30 requests = 25 units for the fleet (its slots share one tag, one slot)
      for (const r of replicas) for (let i = 0; i < 10; i++) await run(r.budget.recordRequest(now))
      const taken = await Promise.all(
        replicas.map(async (r) => {
          let n = 0
          for (let i = 0; i < 20; i++) if (await run(r.budget.tryAcquire("retry", 0.5, now))) n++
          return n
        }),
      )
      expect(taken.reduce((x, y) => x + y, 0)).toBe(25)
      // affinity: its own key (own slot), found by another replica's snapshot read
      await run(a.affinity.remember("conversation-1", spread[1]!.id))
      await run(a.health.read(spread[1]!.id))
      expect((await run(b.live.read(spread, [1, 1, 1], Date.now(), "conversation-1"))).affinity).toBe(spread[1]!.id)
      healthy(replicas)
    } finally {
      await closeAll(replicas)
    }
    // stats: samples of endpoints on every node, recorded on different replicas, merged on each
    const stats = await fleet(2, { statsFlushMs: 20, statsCacheMs: 20 }, { stats: { minSamples: 1 } })
    try {
      const [a, b] = stats as [Services, Services]
      const now = Date.now()
      for (const [i, e] of spread.entries()) {
        for (let n = 0; n <= i; n++)
          await run(a.stats.record(e.id, { outcome: "success", ttftMs: 100, latencyMs: 500 }, now))
        await run(b.stats.record(e.id, { outcome: "failure" }, now))
      }
      // published every statsFlushMs, merged summaries cached for statsCacheMs and refreshed in the background:
      // each replica's reads reach the fleet's counts
      const ids = spread.map((e) => e.id)
      for (const r of stats)
        await expect
          .poll(async () => (await run(r.stats.readMany(ids, Date.now()))).map((x) => [x.successes, x.failures]), {
            timeout: 10_000,
          })
          .toEqual([
            [1, 1],
            [2, 1],
            [3, 1],
          ])
      healthy(stats)
    } finally {
      await closeAll(stats)
    }
  }, 30_000)

  it("a master that lost the function library (FUNCTION FLUSH) gets it again from the first call there", async () => {
    const [a, b] = (await fleet(2, { snapshotCacheMs: 0 })) as [Services, Services]
    try {
      const e2 = spread[2]!
      await cluster.admin(2).call("FUNCTION", "FLUSH")
      expect(await cluster.admin(2).call("FUNCTION", "LIST")).toEqual([])
      expect((await run(a.live.admit(e2, 3_000, ADMIT, 1_700_000_000_000)))._tag).toBe("Admitted")
      // decided by Redis (the other replica sees the reservation), not by a's local fallback
      expect((await run(b.live.read([e2], [0], 1_700_000_000_000))).predicted[0]).toBeCloseTo(0.5, 6)
      expect(await cluster.admin(2).call("FUNCTION", "LIST")).not.toEqual([])
      healthy([a, b])
    } finally {
      await closeAll([a, b])
    }
  })

  it("no node answered any command with CROSSSLOT (or any other error but ioredis's CLIENT SETINFO)", async () => {
    for (let i = 0; i < cluster.nodes.length; i++) {
      const info = String(await cluster.admin(i).call("INFO", "errorstats"))
      // ERR: ioredis names its library (CLIENT SETINFO) on each connection, which Redis < 7.2 does not know
      const codes = [...info.matchAll(/errorstat_([A-Z]+):/g)].map((m) => m[1])
      expect(codes.filter((code) => code !== "ERR")).toEqual([])
    }
  })
})
