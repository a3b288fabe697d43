import { afterEach, beforeEach, describe, expect, it } from "vitest"
import { type RedisServer, startRedis } from "../src/testing/redis-server.js"
import { buildServices, endpoints, run } from "./support/services.js"
import { sleep, until } from "./support/wait.js"

// Redis slow or down: requests never fail because of it (fail-open) or fail with StateUnavailable
// (fail-closed); the store degrades once, says so once, counts errors, and resumes sharing when
// Redis is back. Each test has its own redis-server (some kill it).

let server: RedisServer
beforeEach(async () => {
  server = await startRedis()
})
afterEach(() => server.stop())

const [TPM] = endpoints()
const ADMIT = { admission: true, headroom: 0 }
const timed = async <A>(p: Promise<A>): Promise<[A, number]> => {
  const start = Date.now()
  const a = await p
  return [a, Date.now() - start]
}

describe("Redis down, slow, back", () => {
  it("killed: requests keep flowing on local state, degraded once with one log line; restarted: sharing resumes, scripts reloaded", async () => {
    const logs: Array<string> = []
    const a = await buildServices({ url: server.url, timeoutMs: 100, replicaId: "a" }, {}, logs)
    const b = await buildServices({ url: server.url, timeoutMs: 100, replicaId: "b" })
    try {
      expect((await run(a.live.admit(TPM!, 100, ADMIT)))._tag).toBe("Admitted")
      await server.kill()
      for (let i = 0; i < 20; i++) {
        const entry = await run(a.live.admit(TPM!, 100, ADMIT))
        expect(entry._tag).toBe("Admitted")
        const reads = await run(a.live.read([TPM!], [0]))
        expect(reads.predicted[0]).toBeGreaterThan(0)
      }
      expect(a.live.status()).toMatchObject({ backend: "redis", state: "degraded" })
      expect(a.live.status().errors).toBeGreaterThanOrEqual(1)
      expect(logs.filter((l) => l.includes("degraded"))).toHaveLength(1)

      await server.restart()
      await until(() => a.live.status().state === "ok" && b.live.status().state === "ok")
      expect(logs.filter((l) => l.includes("resumed"))).toHaveLength(1)
      // The restarted server has no scripts: the first call reloads them. A cooldown set through one
      // replica is seen by the other again.
      const now = Date.now()
      await run(a.health.record(TPM!.id, { _tag: "RateLimited", retryAfterMs: 60_000 }, false, now))
      await sleep(50)
      expect(await run(b.live.admit(TPM!, 100, ADMIT, now + 1))).toMatchObject({ _tag: "Blocked", reason: "cooldown" })
      expect(b.live.status().state).toBe("ok")
    } finally {
      await a.close()
      await b.close()
    }
  }, 30_000)

  it("paused longer than timeoutMs (CLIENT PAUSE): calls answer from local state after the timeout, none hangs; resumes after the pause", async () => {
    const a = await buildServices({ url: server.url, timeoutMs: 50, replicaId: "a" })
    const admin = server.admin()
    try {
      expect(a.live.status().state).toBe("ok")
      await admin.call("CLIENT", "PAUSE", "1500", "ALL")
      const [entry, took] = await timed(run(a.live.admit(TPM!, 100, ADMIT)))
      expect(entry._tag).toBe("Admitted")
      expect(took).toBeLessThan(1_000)
      expect(a.live.status().state).toBe("degraded")
      // Degraded: later calls do not wait on Redis at all.
      const [, quick] = await timed(run(a.live.read([TPM!], [0])))
      expect(quick).toBeLessThan(50)
      await until(() => a.live.status().state === "ok")
    } finally {
      await a.close()
    }
  }, 30_000)

  it("fail-closed: the request gates answer StateUnavailable while Redis is down; bookkeeping never fails", async () => {
    const a = await buildServices({ url: server.url, timeoutMs: 100, onError: "closed", replicaId: "a" })
    try {
      const held = await run(a.live.admit(TPM!, 100, ADMIT))
      expect(held._tag).toBe("Admitted")
      await server.kill()
      const failure = await run(a.live.admit(TPM!, 100, ADMIT)).then(
        () => undefined,
        (e: unknown) => e,
      )
      expect(failure).toMatchObject({ _tag: "StateUnavailable" })
      expect(await run(a.live.read([TPM!], [0])).catch((e: unknown) => e)).toMatchObject({ _tag: "StateUnavailable" })
      if (held._tag === "Admitted") await run(a.capacity.release(held.reservation))
      await run(a.health.record(TPM!.id, { _tag: "Success" }, false))
      await run(a.stats.record(TPM!.id, { outcome: "success", latencyMs: 5 }))
      expect(a.live.status().state).toBe("degraded")
    } finally {
      await a.close()
    }
  }, 30_000)

  it("a reservation never settled (its replica died) expires within its TTL", async () => {
    const dying = await buildServices({ url: server.url, reservationTtlMs: 400, replicaId: "dying" })
    const other = await buildServices({ url: server.url, reservationTtlMs: 400, replicaId: "other" })
    try {
      for (let i = 0; i < 3; i++) expect((await run(dying.live.admit(TPM!, 100, ADMIT)))._tag).toBe("Admitted")
      await dying.close()
      expect(await run(other.capacity.openReservations(TPM!.id))).toBe(3)
      await sleep(450)
      expect(await run(other.capacity.openReservations(TPM!.id))).toBe(0)
    } finally {
      await other.close()
    }
  })
})
