import { describe, expect, it } from "vitest"
import { TrafficBudget } from "../../src/index.js"

describe("retry / hedge budget", () => {
  it("allows the floor, then a share of recent requests, over a sliding window", () => {
    const b = new TrafficBudget(2, 10_000, 10)
    for (let i = 0; i < 10; i++) b.recordRequest(0)
    const allowed = Array.from({ length: 10 }, () => b.tryAcquire(0, 0.5)).filter(Boolean).length
    expect(allowed).toBe(2 + 5)
    // Ten seconds later the window has moved on: the floor only.
    expect(Array.from({ length: 5 }, () => b.tryAcquire(10_000, 0.5)).filter(Boolean).length).toBe(2)
  })

  it("takes back a refunded unit", () => {
    const b = new TrafficBudget(1)
    expect(b.tryAcquire(0, 0)).toBe(true)
    expect(b.tryAcquire(0, 0)).toBe(false)
    b.refund(0)
    expect(b.tryAcquire(0, 0)).toBe(true)
  })
})
