import { Effect } from "effect"
import { describe, expect, it } from "vitest"
import { budgetAllows, budgetEpoch, inWindow, makeMemoryRetryBudget } from "../../src/index.js"

const taken = (n: number, eff: Effect.Effect<boolean>) =>
  Effect.runSync(Effect.map(Effect.replicateEffect(eff, n), (xs) => xs.filter(Boolean).length))

describe("RetryBudget (in memory)", () => {
  it("allows the floor, then a share of recent requests, over a sliding window", () => {
    const b = makeMemoryRetryBudget({ floors: { retry: 2 }, windowMs: 10_000, slots: 10 })
    for (let i = 0; i < 10; i++) Effect.runSync(b.recordRequest(0))
    expect(taken(10, b.tryAcquire("retry", 0.5, 0))).toBe(2 + 5)
    // Ten seconds later the window has moved on: the floor only.
    expect(taken(5, b.tryAcquire("retry", 0.5, 10_000))).toBe(2)
  })

  it("keeps retries and hedges apart, each with its own floor", () => {
    const b = makeMemoryRetryBudget({ floors: { retry: 1, hedge: 3 } })
    expect(taken(5, b.tryAcquire("retry", 0, 0))).toBe(1)
    expect(taken(5, b.tryAcquire("hedge", 0, 0))).toBe(3)
  })

  it("takes back a refunded unit", () => {
    const b = makeMemoryRetryBudget({ floors: { retry: 1 } })
    expect(Effect.runSync(b.tryAcquire("retry", 0, 0))).toBe(true)
    expect(Effect.runSync(b.tryAcquire("retry", 0, 0))).toBe(false)
    Effect.runSync(b.refund("retry", 0))
    expect(Effect.runSync(b.tryAcquire("retry", 0, 0))).toBe(true)
  })

  it("the pure window arithmetic: slots in the window, and the allowance", () => {
    const w = { windowMs: 10_000, slots: 10 }
    expect(budgetEpoch(w, 12_345)).toBe(12)
    expect([2, 3, 12, 13].map((e) => inWindow(w, e, 12))).toEqual([false, true, true, false])
    expect(budgetAllows(10, 6, 2, 0.5)).toBe(true)
    expect(budgetAllows(10, 7, 2, 0.5)).toBe(false)
  })
})
