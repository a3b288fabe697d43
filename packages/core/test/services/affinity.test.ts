import { Effect } from "effect"
import fc from "fast-check"
import { describe, expect, it } from "vitest"
import { makeMemoryAffinity } from "../../src/index.js"

const run = <A>(e: Effect.Effect<A>): A => Effect.runSync(e)

describe("in-memory Affinity", () => {
  it("remembers which endpoint served a conversation for ttlMs after its last use; a lookup refreshes it", () => {
    const a = makeMemoryAffinity({ ttlMs: 1_000 })
    run(a.remember("conv", "m@a", 0))
    expect(run(a.lookup("conv", 999))).toBe("m@a")
    // the lookup at 999 refreshed it until 1,999
    expect(run(a.lookup("conv", 1_998))).toBe("m@a")
    // …and that one until 2,998: a conversation idle for ttlMs is forgotten
    expect(run(a.lookup("conv", 2_998))).toBeUndefined()
    expect(run(a.lookup("other", 0))).toBeUndefined()
    run(a.remember("conv", "m@b", 4_000))
    expect(run(a.lookup("conv", 4_001))).toBe("m@b")
  })

  it("property: never holds more than maxEntries; the least recently used entries go first", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 8 }),
        fc.array(fc.tuple(fc.boolean(), fc.integer({ min: 0, max: 20 })), { maxLength: 200 }),
        (max, ops) => {
          const a = makeMemoryAffinity({ ttlMs: 1_000_000, maxEntries: max })
          // the model: keys in least-recently-used order
          const lru: Array<string> = []
          const touch = (k: string) => {
            const i = lru.indexOf(k)
            if (i >= 0) lru.splice(i, 1)
            lru.push(k)
          }
          for (const [write, n] of ops) {
            const key = `k${n}`
            if (write) {
              run(a.remember(key, `e${n}`, 0))
              touch(key)
              if (lru.length > max) lru.shift()
            } else {
              const got = run(a.lookup(key, 0))
              expect(got).toBe(lru.includes(key) ? `e${n}` : undefined)
              if (got !== undefined) touch(key)
            }
          }
          let held = 0
          for (let n = 0; n <= 20; n++) if (run(a.lookup(`k${n}`, 0)) !== undefined) held++
          expect(held).toBeLessThanOrEqual(max)
        },
      ),
    )
  })
})
