import { type LiveStateOptions, makeMemoryStats, type StatsSample } from "@switchyard/core"
import fc from "fast-check"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { type RedisServer, startRedis } from "../src/testing/redis-server.js"
import { reserveOnce, reserveStep } from "./support/reservers.js"
import { buildServices, endpoints, run, type Services } from "./support/services.js"
import { sleep } from "./support/wait.js"

// Several replicas (each its own connection and replica id) on one Redis: one view of capacity,
// health, stats and the retry budget.

let server: RedisServer
beforeAll(async () => {
  server = await startRedis()
})
afterAll(() => server.stop())

const [TPM] = endpoints()
const CAPACITY = TPM!.capacity!.tokensPerMinute!
let fleetNo = 0
const fleet = async (k: number, extra: Record<string, unknown> = {}, options: LiveStateOptions = {}) => {
  const prefix = `fleet${fleetNo++}:`
  return Promise.all(
    Array.from({ length: k }, (_, i) =>
      buildServices({ url: server.url, prefix, timeoutMs: 2_000, replicaId: `r${i}`, ...extra }, options),
    ),
  )
}
const closeAll = (xs: ReadonlyArray<Services>) => Promise.all(xs.map((x) => x.close()))
/**
 * Wait until what `r` wrote has reached Redis: bookkeeping is sent without waiting for the reply, and
 * a read on the same connection is answered after it. (Between replicas, "at once" is one round trip.)
 */
const landed = (r: Services) => run(r.health.read(TPM!.id))

describe("many replicas, one Redis", () => {
  it("K concurrent reservers on random interleavings never take an endpoint above its capacity", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 2, max: 5 }),
        fc.array(
          fc.tuple(
            // turns of steps: the steps of one turn are issued at once (one batch per replica)
            fc.array(fc.array(reserveStep, { minLength: 1, maxLength: 4 }), { minLength: 1, maxLength: 4 }),
            fc.integer({ min: 0, max: 30_000 }),
          ),
          { minLength: 1, maxLength: 6 },
        ),
        async (k, rounds) => {
          const replicas = await fleet(k)
          try {
            let now = 1_700_000_000_000
            for (const [steps, advance] of rounds) {
              now += advance
              // Every replica fires its turns at once: Redis orders them however the sockets deliver.
              await Promise.all(
                replicas.map(async (r) => {
                  for (const turn of steps) await Promise.all(turn.map((s) => reserveOnce(r, TPM!, s, now)))
                }),
              )
              const level = await run(replicas[0]!.capacity.utilization(TPM!, now))
              expect(level! * CAPACITY).toBeLessThanOrEqual(CAPACITY + 1e-6)
            }
            for (const r of replicas) expect(r.live.status().state).toBe("ok")
          } finally {
            await closeAll(replicas)
          }
        },
      ),
      { numRuns: 25 },
    )
  }, 120_000)

  it("a 429 with retry-after seen by one replica cools the endpoint for the others at once", async () => {
    const [a, b] = await fleet(2)
    try {
      const now = 1_700_000_000_000
      await run(a!.health.record(TPM!.id, { _tag: "RateLimited", retryAfterMs: 5_000 }, false, now))
      await run(a!.capacity.observe(TPM!, { retryAfterMs: 5_000 }, { rateLimited: true }, now))
      await landed(a!)
      expect(await run(b!.health.acquire(TPM!.id, now + 1))).toEqual({
        _tag: "Blocked",
        reason: "cooldown",
        untilMs: now + 5_000,
      })
      expect(await run(b!.live.admit(TPM!, 10, { admission: true, headroom: 0 }, now + 1))).toMatchObject({
        _tag: "Blocked",
        reason: "cooldown",
      })
      const reads = await run(b!.live.read([TPM!], [0], now + 1))
      expect(reads.health[0]!.cooldownUntil).toBe(now + 5_000)
      expect(reads.predicted[0]).toBeGreaterThanOrEqual(1)
      expect((await run(b!.live.admit(TPM!, 10, { admission: true, headroom: 0 }, now + 5_000)))._tag).toBe("Admitted")
    } finally {
      await closeAll([a!, b!])
    }
  })

  it("reads the plans' snapshot again in the background once it is half snapshotCacheMs old: no plan waits for it, none is made from older hashes", async () => {
    const [a, b] = await fleet(2, { snapshotCacheMs: 1_000 })
    try {
      const t0 = 1_700_000_000_000
      const predicted = async (at: number) => (await run(b!.live.read([TPM!], [0], at))).predicted[0]!
      expect(await predicted(t0)).toBe(0) // b's cache now holds the empty bucket read at t0
      // replica a takes half the endpoint's capacity
      expect((await run(a!.capacity.reserve(TPM!, CAPACITY / 2, { admission: true, headroom: 0 }, t0)))._tag).toBe(
        "Admitted",
      )
      // within half the cache's life b plans on what it read at t0, without a round trip
      expect(await predicted(t0 + 400)).toBe(0)
      // past half of it: still planned from the cache (no wait), and a read starts in the background
      expect(await predicted(t0 + 600)).toBe(0)
      // which lands without any plan waiting for it: a's reservation shows, drained to each plan's now
      for (let i = 0; (await predicted(t0 + 700)) === 0; i++) {
        if (i > 500) throw new Error("the background read never landed")
        await sleep(10)
      }
      expect(await predicted(t0 + 700)).toBeCloseTo((CAPACITY / 2 - (700 * CAPACITY) / 60_000) / CAPACITY, 9)
      // past the cache's whole life (no plan in between started a read): the plan waits for a fresh read
      expect(
        (await run(a!.capacity.reserve(TPM!, CAPACITY / 4, { admission: true, headroom: 0 }, t0 + 700)))._tag,
      ).toBe("Admitted")
      const after = await predicted(t0 + 1_601)
      expect(after).toBeCloseTo((CAPACITY * 0.75 - (1_601 * CAPACITY) / 60_000) / CAPACITY, 9)
    } finally {
      await closeAll([a!, b!])
    }
  })

  it("does not cache a snapshot read sent before this replica's own news", async () => {
    const [b] = await fleet(1, { snapshotCacheMs: 1_000 })
    try {
      const t0 = 1_700_000_000_000
      await run(b!.live.read([TPM!], [0], t0))
      // past half the cache's life: this plan starts a background read, and in the same tick the replica learns of
      // a 429 with retry-after (news: its cached entry is dropped); the read, sent before the news, must not be kept
      await Promise.all([
        run(b!.live.read([TPM!], [0], t0 + 600)),
        run(b!.capacity.observe(TPM!, { retryAfterMs: 5_000 }, { rateLimited: true }, t0 + 600)),
      ])
      await sleep(50)
      expect((await run(b!.live.read([TPM!], [0], t0 + 650))).predicted[0]).toBeGreaterThanOrEqual(1)
    } finally {
      await b!.close()
    }
  })

  it("only one replica in the fleet gets the half-open probe", async () => {
    const replicas = await fleet(4, {})
    try {
      const now = 1_700_000_000_000
      for (let i = 0; i < 5; i++) await run(replicas[0]!.health.record(TPM!.id, { _tag: "Failure" }, false, now))
      await landed(replicas[0]!)
      const later = now + 30_000
      const permits = await Promise.all(replicas.map((r) => run(r.health.acquire(TPM!.id, later))))
      expect(permits.filter((p) => p._tag === "Allowed")).toEqual([{ _tag: "Allowed", probe: true }])
    } finally {
      await closeAll(replicas)
    }
  })

  it("stats are merged across replicas: every replica reads the fleet's samples", async () => {
    const replicas = await fleet(3, { statsFlushMs: 20, statsCacheMs: 20 })
    try {
      const now = Date.now()
      for (const [i, r] of replicas.entries())
        for (let n = 0; n < 4; n++)
          await run(r.stats.record(TPM!.id, { outcome: "success", ttftMs: 100 * (i + 1), latencyMs: 1_000 }, now))
      await run(replicas[1]!.stats.record(TPM!.id, { outcome: "failure" }, now))
      await new Promise((resolve) => setTimeout(resolve, 100))
      for (const r of replicas) await run(r.stats.read(TPM!.id, now + 50))
      await new Promise((resolve) => setTimeout(resolve, 100))
      for (const r of replicas) {
        const s = await run(r.stats.read(TPM!.id, now + 200))
        expect(s.successes).toBe(12)
        expect(s.failures).toBe(1)
        expect(s.ttft!.p50).toBeCloseTo(0.2, 2)
        expect(s.ttft!.p99).toBeCloseTo(0.3, 2)
        expect(s.uptime).toBeCloseTo(12 / 13)
      }
    } finally {
      await closeAll(replicas)
    }
  })

  it("property: the fleet's prompt-cache counts are the memory store's over the same samples, whichever replica recorded them", async () => {
    const sample = fc.record({
      replica: fc.nat(2),
      outcome: fc.constantFrom("success", "success", "success", "failure", "rate_limited"),
      reported: fc.boolean(),
      prompt: fc.integer({ min: 1, max: 50_000 }),
      read: fc.double({ min: 0, max: 1, noNaN: true }),
      write: fc.double({ min: 0, max: 1, noNaN: true }),
    })
    await fc.assert(
      fc.asyncProperty(fc.array(sample, { minLength: 1, maxLength: 25 }), async (samples) => {
        // one sample is enough for the counts to show (the minimum sample count is the same rule on both)
        const replicas = await fleet(3, { statsFlushMs: 20, statsCacheMs: 20 }, { stats: { minSamples: 1 } })
        const memory = makeMemoryStats({ minSamples: 1 })
        try {
          const now = Date.now()
          for (const x of samples) {
            const read = Math.floor(x.prompt * x.read)
            const write = Math.floor((x.prompt - read) * x.write)
            const s: StatsSample =
              x.outcome === "success" && x.reported
                ? {
                    outcome: "success",
                    promptTokens: x.prompt,
                    cacheReadTokens: read,
                    cacheWriteTokens: write,
                    cacheWrite1hTokens: Math.floor(write / 2),
                  }
                : { outcome: x.outcome }
            await run(replicas[x.replica]!.stats.record(TPM!.id, s, now))
            await run(memory.record(TPM!.id, s, now))
          }
          await new Promise((resolve) => setTimeout(resolve, 60))
          for (const r of replicas) await run(r.stats.read(TPM!.id, now + 30))
          await new Promise((resolve) => setTimeout(resolve, 60))
          const expected = await run(memory.read(TPM!.id, now + 100))
          for (const r of replicas) {
            const fleetView = await run(r.stats.read(TPM!.id, now + 100))
            expect(fleetView.cache).toEqual(expected.cache)
            expect([fleetView.successes, fleetView.failures]).toEqual([expected.successes, expected.failures])
          }
        } finally {
          await closeAll(replicas)
        }
      }),
      { numRuns: 12 },
    )
  }, 60_000)

  it("conversation affinity is the fleet's: remembered on one replica, found by another's LiveState.read; each read refreshes its TTL, an idle one expires", async () => {
    const prefix = `fleet${fleetNo}:`
    const replicas = await fleet(2, {}, { affinity: { ttlMs: 60_000 } })
    const admin = server.admin()
    try {
      const [a, b] = replicas as [Services, Services]
      const key = `${prefix}aff:conversation-1`
      const read = (r: Services) => run(r.live.read([TPM!], [1], Date.now(), "conversation-1")).then((x) => x.affinity)
      expect(await read(b)).toBeUndefined()
      await run(a.affinity.remember("conversation-1", TPM!.id))
      await landed(a)
      expect(await read(b)).toBe(TPM!.id)
      expect(await admin.pttl(key)).toBeGreaterThan(59_000)
      // a turn's read refreshes the TTL (GETEX … PX ttlMs): no write needed while the conversation stays put
      await admin.pexpire(key, 5_000)
      expect(await read(a)).toBe(TPM!.id)
      expect(await admin.pttl(key)).toBeGreaterThan(59_000)
      // idle past its TTL: forgotten by every replica
      await admin.pexpire(key, 1)
      await new Promise((resolve) => setTimeout(resolve, 20))
      expect(await read(a)).toBeUndefined()
      expect(await read(b)).toBeUndefined()
      // a read without a key asks nothing about affinity
      expect((await run(b.live.read([TPM!], [1]))).affinity).toBeUndefined()
    } finally {
      await closeAll(replicas)
    }
  })

  it("the retry budget is the fleet's: requests counted on any replica allow retries on all", async () => {
    const replicas = await fleet(3, {})
    try {
      const now = 1_700_000_000_000
      for (const r of replicas) for (let i = 0; i < 10; i++) await run(r.budget.recordRequest(now))
      // floor 10 + 0.5 × 30 requests = 25 retries for the whole fleet, whoever asks.
      const taken = await Promise.all(
        replicas.map(async (r) => {
          let n = 0
          for (let i = 0; i < 20; i++) if (await run(r.budget.tryAcquire("retry", 0.5, now))) n++
          return n
        }),
      )
      expect(taken.reduce((a, b) => a + b, 0)).toBe(25)
    } finally {
      await closeAll(replicas)
    }
  })
})
