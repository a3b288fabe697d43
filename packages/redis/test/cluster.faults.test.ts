import type { Endpoint } from "@switchyard/core"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { type RedisCluster, startRedisCluster } from "../src/testing/redis-server.js"
import { spreadEndpoints } from "./support/cluster.js"
import { buildServices, run } from "./support/services.js"

// One master of a Redis Cluster (no replicas) killed and restarted: the store behaves as with one
// Redis — fail-open answers from local state, fail-closed answers StateUnavailable, one log line per
// change, errors counted — and resumes sharing once the node is back (its function library reloaded).

let cluster: RedisCluster
let spread: ReadonlyArray<Endpoint>
beforeAll(async () => {
  cluster = await startRedisCluster()
  spread = await spreadEndpoints(cluster)
}, 60_000)
afterAll(() => cluster?.stop())

const ADMIT = { admission: true, headroom: 0 }
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))
const until = async (what: () => boolean, ms = 20_000) => {
  const end = Date.now() + ms
  while (!what()) {
    if (Date.now() > end) throw new Error("condition not reached in time")
    await sleep(20)
  }
}

describe("a Redis Cluster node down, back", () => {
  it("killed: fail-open keeps admitting on local state, fail-closed answers StateUnavailable, degraded once; restarted: sharing resumes", async () => {
    const [e0, e1] = spread as [Endpoint, Endpoint]
    const nodes = { nodes: cluster.nodes }
    const logs: Array<string> = []
    const open = await buildServices({ cluster: nodes, prefix: "f:", timeoutMs: 200, replicaId: "open" }, {}, logs)
    const closed = await buildServices({
      cluster: nodes,
      prefix: "f:",
      timeoutMs: 200,
      onError: "closed",
      replicaId: "closed",
    })
    try {
      expect((await run(open.live.admit(e1, 100, ADMIT)))._tag).toBe("Admitted")
      expect((await run(closed.live.admit(e1, 100, ADMIT)))._tag).toBe("Admitted")
      await cluster.kill(1)
      for (let i = 0; i < 10; i++) {
        expect((await run(open.live.admit(e1, 100, ADMIT)))._tag).toBe("Admitted")
        const reads = await run(open.live.read(spread, [0, 0, 0]))
        expect(reads.predicted[1]).toBeGreaterThan(0)
      }
      expect(open.live.status()).toMatchObject({ backend: "redis", state: "degraded" })
      expect(open.live.status().errors).toBeGreaterThanOrEqual(1)
      expect(logs.filter((l) => l.includes("degraded"))).toHaveLength(1)
      const refused = await run(closed.live.admit(e1, 100, ADMIT)).then(
        () => undefined,
        (e: unknown) => e,
      )
      expect(refused).toMatchObject({ _tag: "StateUnavailable" })
      // the whole store is degraded, not only the dead node's endpoints (one state per replica, as on one Redis)
      expect(await run(closed.live.read([e0], [0])).catch((e: unknown) => e)).toMatchObject({
        _tag: "StateUnavailable",
      })
      expect(closed.live.status().state).toBe("degraded")

      await cluster.restart(1)
      await until(() => open.live.status().state === "ok" && closed.live.status().state === "ok")
      expect(logs.filter((l) => l.includes("resumed"))).toHaveLength(1)
      // The restarted node lost its data and the function library, loaded again on every master before the
      // store resumed. A cooldown recorded through one replica blocks the other.
      const now = Date.now()
      await run(open.health.record(e1.id, { _tag: "RateLimited", retryAfterMs: 60_000 }, false, now))
      await run(open.health.read(e1.id))
      expect(await run(closed.live.admit(e1, 100, ADMIT, now + 1))).toMatchObject({
        _tag: "Blocked",
        reason: "cooldown",
      })
      expect((await run(closed.live.admit(e0, 100, ADMIT, now + 1)))._tag).toBe("Admitted")
      expect([open.live.status().state, closed.live.status().state]).toEqual(["ok", "ok"])
    } finally {
      await open.close()
      await closed.close()
    }
  }, 60_000)
})
