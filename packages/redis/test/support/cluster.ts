import { decodeCatalog, type Endpoint } from "@switchyard/core"
import { Result } from "effect"
import { makeKeys } from "../../src/index.js"
import type { RedisCluster } from "../../src/testing/redis-server.js"

/** The tokens-per-minute capacity of every endpoint of `spreadEndpoints`. */
export const CAPACITY = 6_000

const candidates = (n: number): ReadonlyArray<Endpoint> => {
  const r = decodeCatalog({
    providers: [{ slug: "p", kind: "simulated" }],
    models: [
      {
        id: "m",
        endpoints: Array.from({ length: n }, (_, i) => ({
          provider: "p",
          variant: `v${i}`,
          price: { prompt: 1, completion: 1 },
          contextLength: 100_000,
          capacity: { tokensPerMinute: CAPACITY },
        })),
      },
    ],
  })
  if (Result.isFailure(r)) throw new Error(r.failure.message)
  return r.success.endpoints
}

/**
 * One endpoint per master of `cluster` (index = node): endpoint ids hash to slots all over the key
 * space, so the first of a few dozen candidates that each master serves.
 */
export const spreadEndpoints = async (cluster: RedisCluster): Promise<ReadonlyArray<Endpoint>> => {
  const keys = makeKeys("any:")
  const byNode = new Map<number, Endpoint>()
  for (const e of candidates(40)) {
    const node = await cluster.nodeOf(keys.state(e.id))
    if (!byNode.has(node)) byNode.set(node, e)
  }
  if (byNode.size !== cluster.nodes.length) throw new Error("no endpoint id on some master: add more candidates")
  return [...byNode.entries()].sort(([a], [b]) => a - b).map(([, e]) => e)
}
