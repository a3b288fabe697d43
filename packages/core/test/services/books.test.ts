import { Effect, Result } from "effect"
import fc from "fast-check"
import { describe, expect, it } from "vitest"
import {
  composeLiveState,
  decodeCatalog,
  makeMemoryAffinity,
  makeMemoryCapacity,
  makeMemoryHealth,
  makeMemoryStats,
} from "../../src/index.js"
import { makeBooks } from "../../src/services/books.js"

const catalog = (() => {
  const r = decodeCatalog({
    providers: [
      { slug: "p", kind: "simulated" },
      { slug: "q", kind: "simulated" },
    ],
    models: [
      {
        id: "m",
        endpoints: ["p", "q"].map((provider) => ({
          provider,
          price: { prompt: 1, completion: 1 },
          contextLength: 100_000,
          capacity: { tokensPerMinute: 6_000 },
        })),
      },
    ],
  })
  if (Result.isFailure(r)) throw new Error(r.failure.message)
  return r.success
})()
const endpoints = catalog.endpoints

/** The in-memory stores, and (`wrapped`) the same kind of stores behind copies of their shapes (no twins). */
const stores = (wrapped: boolean) => {
  const capacity = makeMemoryCapacity()
  const health = makeMemoryHealth({ breaker: { failureThreshold: 2 } })
  const stats = makeMemoryStats({ minSamples: 1, refreshMs: 0 })
  const affinity = makeMemoryAffinity()
  const [c, h, s, a] = wrapped
    ? [{ ...capacity }, { ...health }, { ...stats }, { ...affinity }]
    : [capacity, health, stats, affinity]
  return { capacity: c, health: h, stats: s, live: composeLiveState(c, h, s, a), books: makeBooks(c, s, h) }
}

const attempt = fc.record({
  endpoint: fc.integer({ min: 0, max: 1 }),
  dt: fc.integer({ min: 0, max: 5_000 }),
  charge: fc.integer({ min: 1, max: 4_000 }),
  outcome: fc.constantFrom("success", "rate_limited", "failure"),
  tokens: fc.integer({ min: 0, max: 3_000 }),
})

describe("Books and the LiveState gates over the in-memory stores' twins", () => {
  it("leave the stores as the chained effects do (same reads, same admissions)", () => {
    fc.assert(
      fc.property(fc.array(attempt, { maxLength: 60 }), (attempts) => {
        const run = (wrapped: boolean) => {
          const st = stores(wrapped)
          const seen: Array<unknown> = []
          let now = 0
          for (const x of attempts) {
            now += x.dt
            const endpoint = endpoints[x.endpoint]!
            const options = { admission: true, headroom: 0 }
            const entry = Effect.runSync(st.live.admit(endpoint, x.charge, options, now))
            seen.push(entry._tag === "Admitted" ? { _tag: "Admitted", probe: entry.probe } : entry)
            if (entry._tag !== "Admitted") continue
            const end = now + x.dt
            const books = st.books(end)
            if (x.outcome === "success") {
              books.settle(entry.reservation, {
                promptTokens: x.tokens,
                completionTokens: 10,
                cachedTokens: 0,
                reasoningTokens: 0,
              })
              books.observe(endpoint, {})
              books.stats(endpoint.id, { outcome: "success", ttftMs: x.dt + 1, latencyMs: x.dt + 1, outputTokens: 10 })
              books.health(endpoint.id, { _tag: "Success" }, entry.probe)
            } else {
              books.release(entry.reservation)
              if (x.outcome === "rate_limited") books.observe(endpoint, { retryAfterMs: 1_000 }, { rateLimited: true })
              books.stats(endpoint.id, { outcome: x.outcome })
              books.health(
                endpoint.id,
                x.outcome === "rate_limited" ? { _tag: "RateLimited", retryAfterMs: 1_000 } : { _tag: "Failure" },
                entry.probe,
              )
            }
            seen.push(Effect.runSync(books.close(() => Effect.succeed("done"))))
            seen.push(Effect.runSync(st.live.read(endpoints, [100, 100], end)))
          }
          return seen
        }
        expect(run(false)).toEqual(run(true))
      }),
      { numRuns: 100 },
    )
  })
})
