import { makeBooks } from "@switchyard/core"
import { Effect } from "effect"
import fc from "fast-check"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { type RedisServer, startRedis } from "../src/testing/redis-server.js"
import { buildServices, endpoints, run, type Services } from "./support/services.js"

// The router ends every attempt through core's Books. Over the Redis stores the bookkeeping runs at once
// (their `withBookkeeping`: the shared write and the local store's twin); over copies of the same shapes
// (no registration) it is the services' effects, chained. Both must leave the fleet's state alike.

let server: RedisServer
beforeAll(async () => {
  server = await startRedis()
})
afterAll(() => server.stop())

const [TPM, RPM] = endpoints()
const eps = [TPM!, RPM!]
let no = 0
const replica = () =>
  buildServices(
    // a lease also ends after leaseMs of real time, which two plays of one sequence do not share: none ends so here
    { url: server.url, prefix: `books${no++}:`, timeoutMs: 2_000, replicaId: "r", leaseMs: 60_000 },
    { health: { breaker: { failureThreshold: 2 } }, stats: { minSamples: 1, refreshMs: 0 } },
  )

const attempt = fc.record({
  endpoint: fc.integer({ min: 0, max: 1 }),
  dt: fc.integer({ min: 0, max: 5_000 }),
  charge: fc.integer({ min: 1, max: 4_000 }),
  outcome: fc.constantFrom("success", "rate_limited", "failure"),
  tokens: fc.integer({ min: 0, max: 3_000 }),
})
type Attempt = typeof attempt extends fc.Arbitrary<infer A> ? A : never

const play = async (r: Services, wrapped: boolean, attempts: ReadonlyArray<Attempt>) => {
  const [c, s, h] = wrapped ? [{ ...r.capacity }, { ...r.stats }, { ...r.health }] : [r.capacity, r.stats, r.health]
  const books = makeBooks(c, s, h)
  const seen: Array<unknown> = []
  let now = 1_000_000
  for (const x of attempts) {
    now += x.dt
    const endpoint = eps[x.endpoint]!
    const entry = await run(r.live.admit(endpoint, x.charge, { admission: true, headroom: 0 }, now))
    seen.push(entry._tag === "Admitted" ? { _tag: "Admitted", probe: entry.probe } : entry)
    if (entry._tag !== "Admitted") continue
    const end = now + x.dt
    const b = books(end)
    if (x.outcome === "success") {
      b.settle(entry.reservation, { promptTokens: x.tokens, completionTokens: 10, cachedTokens: 0, reasoningTokens: 0 })
      b.observe(endpoint, {})
      b.stats(endpoint.id, { outcome: "success", ttftMs: x.dt + 1, latencyMs: x.dt + 1, outputTokens: 10 })
      b.health(endpoint.id, { _tag: "Success" }, entry.probe)
    } else {
      b.release(entry.reservation)
      if (x.outcome === "rate_limited") b.observe(endpoint, { retryAfterMs: 1_000 }, { rateLimited: true })
      b.stats(endpoint.id, { outcome: x.outcome })
      b.health(
        endpoint.id,
        x.outcome === "rate_limited" ? { _tag: "RateLimited", retryAfterMs: 1_000 } : { _tag: "Failure" },
        entry.probe,
      )
    }
    seen.push(await run(b.close(() => Effect.succeed("done"))))
    seen.push(await run(r.capacity.predictMany(eps, [100, 100], end)))
    seen.push(await run(r.health.readMany([TPM!.id, RPM!.id], end)))
    seen.push(await run(r.capacity.openReservations()))
  }
  return seen
}

describe("Books over the Redis stores", () => {
  it("run the bookkeeping at once and leave the fleet's state as the services' chained effects do", async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(attempt, { minLength: 1, maxLength: 25 }), async (attempts) => {
        const [a, b] = await Promise.all([replica(), replica()])
        try {
          // at once: the bookkeeping is done before close(f) runs, and close(f) is f itself
          const direct = makeBooks(a.capacity, a.stats, a.health)(0)
          const done = Effect.succeed(1)
          expect(direct.close(() => done)).toBe(done)
          expect(await play(a, false, attempts)).toEqual(await play(b, true, attempts))
        } finally {
          await Promise.all([a.close(), b.close()])
        }
      }),
      { numRuns: 15 },
    )
  })
})
