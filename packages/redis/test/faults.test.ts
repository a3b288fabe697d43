import { afterEach, beforeEach, describe, expect, it } from "vitest"
import { type RedisServer, startRedis } from "../src/testing/redis-server.js"
import { startDelayProxy } from "./support/delay-proxy.js"
import { buildServices, endpoints, run, type Services } from "./support/services.js"
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

/** `n` admissions on `a`, 20 ms apart: the traffic that used to make a degraded store resume and fail again. */
const admitMany = async (a: Services, n: number): Promise<void> => {
  for (let i = 0; i < n; i++) {
    expect((await run(a.live.admit(TPM!, 10, ADMIT)))._tag).toBe("Admitted")
    await sleep(20)
  }
}
const lines = (logs: ReadonlyArray<string>, word: string) => logs.filter((l) => l.includes(word)).length

describe("Redis that answers TIME but not the stores' calls: degraded once, no flapping", () => {
  it("slower than timeoutMs: one degraded line and no resumption while slow (each request does not pay timeoutMs again); resumes once fast", async () => {
    const tcp = await startRedis({ port: 0 })
    const proxy = await startDelayProxy(Number(new URL(tcp.url).port))
    const logs: Array<string> = []
    const a = await buildServices({ url: proxy.url, timeoutMs: 50, replicaId: "a" }, {}, logs)
    try {
      expect(a.live.status().state).toBe("ok")
      proxy.delayMs = 100 // a round trip of 200 ms: slower than timeoutMs
      await admitMany(a, 60)
      expect(a.live.status().state).toBe("degraded")
      expect(lines(logs, "degraded")).toBe(1)
      expect(lines(logs, "resumed")).toBe(0)
      proxy.delayMs = 0
      await until(() => a.live.status().state === "ok")
      expect(lines(logs, "resumed")).toBe(1)
    } finally {
      await a.close()
      proxy.close()
      await tcp.stop()
    }
  }, 30_000)

  it("turned into a read-only replica (REPLICAOF): one degraded line, stays degraded; resumes once it is a master again", async () => {
    const master = await startRedis({ port: 0 })
    const logs: Array<string> = []
    const a = await buildServices({ url: server.url, timeoutMs: 100, replicaId: "a", leaseMs: 0 }, {}, logs)
    const admin = server.admin()
    try {
      await admitMany(a, 1)
      const m = new URL(master.url)
      await admin.call("REPLICAOF", m.hostname, m.port)
      await admitMany(a, 60)
      expect(a.live.status().state).toBe("degraded")
      expect(lines(logs, "degraded")).toBe(1)
      expect(lines(logs, "resumed")).toBe(0)
      await admin.call("REPLICAOF", "NO", "ONE")
      await until(() => a.live.status().state === "ok")
      expect(lines(logs, "resumed")).toBe(1)
      // the library, lost with the replica's dataset, is back: the store's calls succeed again
      await admitMany(a, 3)
      expect(a.live.status().state).toBe("ok")
    } finally {
      await a.close()
      await master.stop()
    }
  }, 30_000)

  it("out of memory (maxmemory, noeviction): one degraded line, stays degraded; resumes once memory is there", async () => {
    const logs: Array<string> = []
    const a = await buildServices({ url: server.url, timeoutMs: 100, replicaId: "a" }, {}, logs)
    const admin = server.admin()
    try {
      await admitMany(a, 1)
      await admin.config("SET", "maxmemory-policy", "noeviction")
      await admin.config("SET", "maxmemory", "1")
      await admitMany(a, 60)
      expect(a.live.status().state).toBe("degraded")
      expect(lines(logs, "degraded")).toBe(1)
      expect(lines(logs, "resumed")).toBe(0)
      await admin.config("SET", "maxmemory", "0")
      await until(() => a.live.status().state === "ok")
      expect(lines(logs, "resumed")).toBe(1)
    } finally {
      await a.close()
    }
  }, 30_000)

  it("a store that degrades again soon after it resumed keeps its backoff: the checks slow down instead of flapping every 100 ms", async () => {
    // a user without access to the store's keys: every check passes (TIME, the key-less no-op call), every store
    // call is refused (NOPERM) — the store flaps, and each flap doubles the wait before the next check
    const tcp = await startRedis({ port: 0 })
    const admin = tcp.admin()
    await admin.call("ACL", "SETUSER", "flap", "on", ">pw", "+@all", "~elsewhere:*", "&*")
    const logs: Array<string> = []
    const url = `redis://flap:pw@127.0.0.1:${new URL(tcp.url).port}`
    const a = await buildServices({ url, timeoutMs: 100, replicaId: "a", leaseMs: 0 }, {}, logs)
    try {
      const start = Date.now()
      // 4 s of traffic: checks after 200, 400, 800, 1 600, 2 000 ms (at most 5 flaps); 100 ms each: about 30
      while (Date.now() - start < 4_000) await admitMany(a, 1)
      expect(lines(logs, "degraded")).toBeGreaterThanOrEqual(2)
      expect(lines(logs, "degraded")).toBeLessThanOrEqual(6)
    } finally {
      await a.close()
      await tcp.stop()
    }
  }, 30_000)
})

/** Replicas a and b on the test's Redis, without leases (every admission asks Redis); both closed after `test`. */
const twoReplicas = async (
  options: Parameters<typeof buildServices>[1],
  test: (a: Services, b: Services) => Promise<void>,
): Promise<void> => {
  const a = await buildServices({ url: server.url, timeoutMs: 100, replicaId: "a", leaseMs: 0 }, options)
  const b = await buildServices({ url: server.url, timeoutMs: 100, replicaId: "b", leaseMs: 0 }, options)
  try {
    await test(a, b)
  } finally {
    await a.close()
    await b.close()
  }
}

/** Redis comes back; once `a` has resumed (and what it sent on resume is in), `b` is kept off the endpoint for `reason`. */
const blockedOnResume = async (a: Services, b: Services, now: number, reason: string): Promise<void> => {
  await server.restart()
  await until(() => a.live.status().state === "ok")
  await run(a.health.read(TPM!.id)) // answered after what a sent on resume
  expect(await run(b.live.admit(TPM!, 10, ADMIT, now + 1_000))).toMatchObject({ _tag: "Blocked", reason })
}

describe("what a replica learnt while degraded reaches the fleet when Redis is back", () => {
  it(
    "a 429 with retry-after recorded while Redis was down: on resume the cooldown is in Redis, so every replica keeps off the endpoint",
    () =>
      twoReplicas({}, async (a, b) => {
        await admitMany(a, 1)
        await server.kill()
        await run(a.live.admit(TPM!, 10, ADMIT)) // the failed call degrades a
        expect(a.live.status().state).toBe("degraded")
        const now = Date.now()
        await run(a.health.record(TPM!.id, { _tag: "RateLimited", retryAfterMs: 60_000 }, false, now))
        await blockedOnResume(a, b, now, "cooldown")
        expect(await run(a.live.admit(TPM!, 10, ADMIT, now + 1_000))).toMatchObject({
          _tag: "Blocked",
          reason: "cooldown",
        })
        expect(a.live.status().state).toBe("ok")
      }),
    30_000,
  )

  it(
    "a 429 reported right after Redis died, in the call that found it gone: on resume the cooldown is in Redis",
    () =>
      twoReplicas({}, async (a, b) => {
        await admitMany(a, 1)
        await server.kill()
        expect(a.live.status().state).toBe("ok") // nothing has failed yet: the report's own call finds Redis gone
        const now = Date.now()
        await run(a.health.record(TPM!.id, { _tag: "RateLimited", retryAfterMs: 60_000 }, false, now))
        await until(() => a.live.status().state === "degraded")
        await blockedOnResume(a, b, now, "cooldown")
      }),
    30_000,
  )

  it(
    "failures that opened the breaker while Redis was down: on resume Redis's breaker is open too",
    () =>
      twoReplicas({ health: { breaker: { openMs: 60_000 } } }, async (a, b) => {
        await admitMany(a, 1)
        await server.kill()
        await run(a.live.admit(TPM!, 10, ADMIT))
        expect(a.live.status().state).toBe("degraded")
        const now = Date.now()
        for (let i = 0; i < 5; i++) await run(a.health.record(TPM!.id, { _tag: "Failure" }, false, now + i))
        await blockedOnResume(a, b, now, "breaker_open")
      }),
    30_000,
  )
})
