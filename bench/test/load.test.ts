import { describe, expect, it } from "vitest"
import { Latencies } from "../histogram.js"
import { mergeParts, splitConnections } from "../load.js"

describe("splitConnections", () => {
  it("spreads connections evenly and never gives a process none", () => {
    expect(splitConnections(64, 2)).toEqual([32, 32])
    expect(splitConnections(5, 2)).toEqual([3, 2])
    expect(splitConnections(1, 2)).toEqual([1])
    expect(splitConnections(256, 3).reduce((a, b) => a + b, 0)).toBe(256)
  })
})

describe("Latencies", () => {
  it("gives nearest-rank percentiles to 10 µs, slow samples exactly", () => {
    const l = new Latencies()
    for (const ms of [0.101, 0.205, 0.304, 0.4, 2500]) l.add(ms)
    expect(l.percentile(50)).toBeCloseTo(0.305, 3)
    expect(l.percentile(100)).toBe(2500)
    expect(new Latencies().percentile(50)).toBeUndefined()
  })
})

describe("mergeParts", () => {
  it("adds the rates of the processes and merges their latencies exactly", () => {
    const a = new Latencies()
    const b = new Latencies()
    for (let i = 0; i < 300; i++) a.add(1)
    for (let i = 0; i < 100; i++) b.add(3)
    const r = mergeParts([
      { durationS: 3, latencies: a.sparse(), non2xx: 1, errors: 0 },
      { durationS: 2, latencies: b.sparse(), non2xx: 0, errors: 2 },
    ])
    expect(r.reqPerSec).toBeCloseTo(150)
    expect(r.ok).toBe(400)
    expect(r.p50Ms).toBeCloseTo(1.005, 3)
    expect(r.p99Ms).toBeCloseTo(3.005, 3)
    expect(r.non2xx + r.errors).toBe(3)
  })
})
