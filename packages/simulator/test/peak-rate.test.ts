import { describe, expect, it } from "vitest"
import { generateTrace, peakRate } from "../src/traffic.js"
import { type Json, smallScenario } from "./scenarios.js"

/** 2 req/s with the given surges (the thinning's candidates are peak × duration). */
const withSurges = (duration: string, surges: Array<Json>) =>
  smallScenario((j) => {
    j.duration = duration
    j.traffic.ratePerSecond = 2
    j.traffic.surges = surges
  })

describe("thinning peak (candidate arrivals per ms)", () => {
  it("is the largest surge, not the product of surges that never overlap", () => {
    // 8 five-minute ×4 surges, 20 minutes apart, over 3h: the rate never exceeds 2 × 4 per second
    const s = withSurges(
      "3h",
      Array.from({ length: 8 }, (_, i) => ({ start: `${i * 20 + 5}m`, end: `${i * 20 + 10}m`, multiplier: 4 })),
    )
    expect(peakRate(s) * 1_000).toBeCloseTo(8, 9)
    // so the candidates drawn are ≈ 8/s × 3h, not 4⁸ times that
    expect(peakRate(s) * s.durationMs).toBeLessThanOrEqual(8 * 10_800 + 1e-6)
  })

  it("multiplies surges active at the same time", () => {
    const s = withSurges("3h", [
      { start: "0m", end: "1h", multiplier: 2 },
      { start: "30m", end: "90m", multiplier: 3 },
      { start: "2h", end: "150m", multiplier: 5 },
    ])
    expect(peakRate(s) * 1_000).toBeCloseTo(2 * 6, 9)
  })

  it("ignores surges outside the run and clips those that overrun it", () => {
    expect(peakRate(withSurges("10m", [{ start: "1h", end: "2h", multiplier: 100_000 }])) * 1_000).toBeCloseTo(2, 9)
    expect(peakRate(withSurges("10m", [{ start: "10m", end: "20m", multiplier: 7 }])) * 1_000).toBeCloseTo(2, 9)
    expect(peakRate(withSurges("10m", [{ start: "9m", end: "2h", multiplier: 7 }])) * 1_000).toBeCloseTo(14, 9)
  })

  it("a surge wholly outside the run leaves the trace as it is without it (same seed)", () => {
    const without = generateTrace(withSurges("10m", []))
    const outside = generateTrace(withSurges("10m", [{ start: "1h", end: "2h", multiplier: 100_000 }]))
    expect(outside.count).toBe(without.count)
    expect(Array.from(outside.at)).toEqual(Array.from(without.at))
    expect(Array.from(outside.promptTokens)).toEqual(Array.from(without.promptTokens))
  })
})

describe("surges per scenario", () => {
  it("are at most 1,000, refused at traffic.surges", () => {
    const surges = Array.from({ length: 1_001 }, (_, i) => ({ start: i * 1_000, end: i * 1_000 + 500, multiplier: 2 }))
    expect(() => withSurges("1h", surges)).toThrow("traffic.surges")
    expect(peakRate(withSurges("1h", surges.slice(0, 1_000))) * 1_000).toBeCloseTo(4, 9)
  })
})
