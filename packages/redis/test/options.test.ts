import { describe, expect, it } from "vitest"
import { MAX_CLUSTER_NODES, RedisState, type RedisStateOptions } from "../src/index.js"

// RedisState.layer refuses options that name no server, or both kinds, when it is called (not later, at build).

describe("RedisState.layer options", () => {
  it("takes one Redis (url) or a Redis Cluster (cluster.nodes), and throws at once on anything else", () => {
    expect(() => RedisState.layer({ url: "redis://127.0.0.1:6379" })).not.toThrow()
    expect(() =>
      RedisState.layer({ cluster: { nodes: ["redis://127.0.0.1:7000", "rediss://cache:7001"] } }),
    ).not.toThrow()
    const bad: ReadonlyArray<[unknown, RegExp]> = [
      [{ url: "redis://a:1", cluster: { nodes: ["redis://b:2"] } }, /not both/],
      [{}, /give url/],
      [{ cluster: { nodes: [] } }, /cluster\.nodes \(1 to 64/],
      [
        { cluster: { nodes: Array.from({ length: MAX_CLUSTER_NODES + 1 }, (_, i) => `redis://n${i}:7000`) } },
        /1 to 64/,
      ],
      [{ cluster: { nodes: ["/tmp/redis.sock"] } }, /redis:\/\/host:port/],
      [{ url: "redis://a:1", leaseShare: 0.5 }, /leaseShare is a share of the limit between 0 and 0.1/],
      [{ url: "redis://a:1", leaseShare: -0.01 }, /leaseShare/],
    ]
    for (const [options, message] of bad) expect(() => RedisState.layer(options as RedisStateOptions)).toThrow(message)
  })
})
