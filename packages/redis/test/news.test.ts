import { afterEach, beforeEach, describe, expect, it } from "vitest"
import { type RedisServer, startRedis } from "../src/testing/redis-server.js"
import { buildServices, endpointWith, run } from "./support/services.js"
import { sleep, until } from "./support/wait.js"

// The news channel (news.ts) refused by Redis — an ACL user with the fleet's keys but no channel, Redis 7's default
// for new users — is no news feed (no leases, one log line, subscribed again with backoff), not a store failure.

let server: RedisServer
beforeEach(async () => {
  server = await startRedis({ port: 0 })
})
afterEach(() => server.stop())

const E = endpointWith("big", { tokensPerMinute: 2_000_000 })
const ADMIT = { admission: true, headroom: 0 }
const count = (logs: ReadonlyArray<string>, word: string) => logs.filter((l) => l.includes(word)).length

describe("news channel refused (ACL without channel permission)", () => {
  it("news (a 429 report) does not degrade the store; one warning line a replica; the feed resubscribes with backoff, not ~9 times a second; granted the channel, it subscribes again", async () => {
    const admin = server.admin()
    await admin.call("ACL", "SETUSER", "sy", "on", ">pw", "~switchyard:*", "resetchannels", "+@all")
    const url = `redis://sy:pw@127.0.0.1:${new URL(server.url).port}`
    const logsA: Array<string> = []
    const logsB: Array<string> = []
    const a = await buildServices({ url, timeoutMs: 100, replicaId: "a" }, {}, logsA)
    const b = await buildServices({ url, timeoutMs: 100, replicaId: "b" }, {}, logsB)
    const accepted = async () => Number(/total_connections_received:(\d+)/.exec(await admin.info("stats"))?.[1])
    try {
      const before = await accepted()
      for (let i = 0; i < 20; i++) expect((await run(a.live.admit(E, 100, ADMIT)))._tag).toBe("Admitted")
      const now = Date.now()
      for (let i = 0; i < 3; i++) {
        // news (a 429 with retry-after: a cooldown), published on the channel
        await run(b.health.record(E.id, { _tag: "RateLimited", retryAfterMs: 60_000 }, false, now + i))
        await sleep(200)
        expect(b.live.status()).toMatchObject({ state: "ok", errors: 0 })
      }
      expect(a.live.status()).toMatchObject({ state: "ok", errors: 0 })
      expect(count(logsA, "degraded")).toBe(0)
      expect(count(logsB, "degraded")).toBe(0)
      expect(count(logsA, "news channel refused")).toBe(1)
      expect(count(logsB, "news channel refused")).toBe(1)
      // the cooldown was recorded in the shared state: the other replica sees it
      expect((await run(a.health.read(E.id, now + 10))).cooldownUntil).toBe(now + 2 + 60_000)
      // ~0.6 s: the feeds subscribe again after 1 s, then 2 s (not one connection per ~100 ms)
      expect((await accepted()) - before).toBeLessThanOrEqual(4)

      await admin.call("ACL", "SETUSER", "sy", "&switchyard:*")
      await until(() => count(logsA, "subscribed again") === 1 && count(logsB, "subscribed again") === 1)
      expect(count(logsA, "news channel refused")).toBe(1)
    } finally {
      await a.close()
      await b.close()
    }
  }, 30_000)
})
