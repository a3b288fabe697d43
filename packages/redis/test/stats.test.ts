import { afterEach, beforeEach, describe, expect, it } from "vitest"
import { type RedisServer, startRedis } from "../src/testing/redis-server.js"
import { buildServices, endpoints, run } from "./support/services.js"
import { sleep, until } from "./support/wait.js"

// Stats slices recorded while Redis is down: what a replica keeps for the resume is bounded by the window.

let server: RedisServer
beforeEach(async () => {
  server = await startRedis()
})
afterEach(() => server.stop())

const MINUTE = 60_000
const SLICES = 5 // the default window: 5 minutes in 5 slices

describe("stats through an outage", () => {
  it("an hour of slices ended while degraded: only the window's slices (≤ 5 an endpoint) are kept and published on resume", async () => {
    const eps = endpoints()
    const a = await buildServices({ url: server.url, timeoutMs: 100, replicaId: "a", statsFlushMs: 50 })
    const admin = server.admin()
    try {
      const sample = {
        outcome: "success" as const,
        ttftMs: 120,
        latencyMs: 900,
        completionTokens: 200,
        promptTokens: 100,
      }
      const t0 = Math.floor(Date.now() / MINUTE) * MINUTE
      await server.kill()
      await run(a.live.admit(eps[0]!, 10, { admission: true, headroom: 0 })) // the failed call degrades the store
      expect(a.live.status().state).toBe("degraded")
      // an hour of traffic, one sample a minute on every endpoint: each minute ends each endpoint's slice
      for (let m = 0; m < 60; m++) for (const e of eps) await run(a.stats.record(e.id, sample, t0 + m * MINUTE))
      await server.restart()
      await until(() => a.live.status().state === "ok")
      // the first flush after the resume publishes what was kept (all of it in one go)
      let keys: Array<string> = []
      for (let i = 0; i < 100 && keys.length === 0; i++) {
        await sleep(50)
        keys = await admin.keys("*:stats:*")
      }
      await sleep(200)
      keys = await admin.keys("*:stats:*")
      expect(keys.length).toBeGreaterThan(0)
      expect(keys.length).toBeLessThanOrEqual(SLICES * eps.length)
      // only the slices of the window ending at the last minute
      const last = Math.floor((t0 + 59 * MINUTE) / MINUTE)
      for (const k of keys) expect(Number(k.slice(k.lastIndexOf(":") + 1))).toBeGreaterThan(last - SLICES)
      // and they hold the window's samples: one a minute on each endpoint
      const summary = await run(a.stats.read(eps[0]!.id, t0 + 59 * MINUTE + 1))
      expect(summary.successes).toBe(SLICES)
    } finally {
      await a.close()
    }
  }, 30_000)
})
