import { mkdtempSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { type RedisCluster, startRedisCluster } from "@switchyard/redis/testing"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { type RunningGateway, startGateway } from "../src/gateway.js"

// Two gateways whose config names a Redis Cluster (`state.redis.cluster.nodes`, one node from the
// environment): both serve, say so on /healthz, and their live state lands on the cluster's nodes.

let cluster: RedisCluster
beforeAll(async () => {
  cluster = await startRedisCluster()
}, 60_000)
afterAll(() => cluster?.stop())

const MODELS = ["alpha", "beta", "gamma", "delta"]
const config = (nodes: ReadonlyArray<string>) =>
  JSON.stringify({
    providers: [{ slug: "sim", kind: "simulated", options: { latency: 5, throughput: 1_000 } }],
    models: MODELS.map((id) => ({
      id,
      endpoints: [
        {
          provider: "sim",
          price: { prompt: 1, completion: 2 },
          contextLength: 8_000,
          capacity: { tokensPerMinute: 1e6 },
        },
      ],
    })),
    state: {
      redis: { cluster: { nodes: [...nodes.slice(1), { env: "FIRST_NODE" }] }, prefix: "e2e:", timeoutMs: 500 },
    },
  })

const post = (gw: RunningGateway, model: string) =>
  fetch(`${gw.url}/v1/chat/completions`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ model, messages: [{ role: "user", content: "Hello" }], max_tokens: 8 }),
  })

describe("gateways on a Redis Cluster", () => {
  it("serve requests on state shared through the cluster; /healthz says redis ok; no CROSSSLOT on any node", async () => {
    const dir = mkdtempSync(join(tmpdir(), "switchyard-cluster-gw-"))
    const file = join(dir, "gateway.json")
    writeFileSync(file, config(cluster.nodes))
    const env = { FIRST_NODE: cluster.nodes[0]! }
    const gateways = await Promise.all(
      [0, 1].map(() => startGateway({ configFile: file, port: 0, env, logSink: () => {} })),
    )
    try {
      for (const gw of gateways)
        for (const model of MODELS) {
          const res = await post(gw, model)
          expect(res.status).toBe(200)
          await res.text()
        }
      for (const gw of gateways)
        expect(await (await fetch(`${gw.url}/healthz`)).json()).toEqual({ status: "ok", state: "ok", backend: "redis" })
      // every model's endpoint state is on the cluster, spread over its masters
      const holders = await Promise.all(
        cluster.nodes.map(async (_, i) => (await cluster.admin(i).keys("e2e:{*}:state")).length),
      )
      expect(holders.reduce((a, b) => a + b, 0)).toBe(MODELS.length)
      expect(holders.filter((n) => n > 0).length).toBeGreaterThan(1)
      for (let i = 0; i < cluster.nodes.length; i++)
        expect(String(await cluster.admin(i).call("INFO", "errorstats"))).not.toMatch(/CROSSSLOT/)
    } finally {
      await Promise.all(gateways.map((gw) => gw.close()))
    }
  }, 60_000)
})
