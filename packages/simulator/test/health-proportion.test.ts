/**
 * Health in proportion (#13 item 9), on the real router in virtual time: an endpoint that fails a few
 * percent of its calls keeps the share its price earns it (priced per successful request, not sent behind
 * every stable endpoint), and short blips open short breakers (exponential backoff from a 2 s start) instead
 * of 30-second ones. Before: a 40%-cheaper endpoint failing 8% of calls served 23% of a cost-mode run (cost
 * −8.9% vs list); now ≈ 60% (−24%).
 */
import { describe, expect, it } from "vitest"
import { simulate } from "../src/index.js"
import { type Json, smallScenario } from "./scenarios.js"

const standard = (provider: string, discount: number, errorRate: number, extra: Json = {}): Json => ({
  provider,
  price: { prompt: 1.25, completion: 10, ...(discount > 0 ? { discount } : {}) },
  capacity: { tokensPerMinute: 5_000_000 },
  latency: { type: "lognormal", median: 800, p90: 2_000 },
  throughput: 80,
  errorRate,
  ...extra,
})

const run = (endpoints: Array<Json>, ratePerSecond = 2) =>
  simulate(
    smallScenario((s) => {
      s.duration = "20m"
      s.traffic.surges = []
      s.traffic.ratePerSecond = ratePerSecond
      s.endpoints = endpoints
      s.policies = [{ name: "p", kind: "cost-mode" }]
    }),
  ).policies[0]!

describe("health in proportion", () => {
  it("a 40%-cheaper endpoint failing 8% of calls keeps most of the traffic (priced per success)", () => {
    const p = run([standard("list", 0, 0.002), standard("cheap", 0.4, 0.08)])
    expect(p.availability).toBe(1)
    expect(p.servedShare.cheap).toBeGreaterThan(0.5)
    expect(p.costVsList).toBeLessThan(-0.18)
  })

  it("2-second blips every 2 minutes open short breakers: the cheaper endpoint keeps its share", () => {
    // at 8 requests a second a blip fails enough calls in a row to open the cheap endpoint's breaker
    const blips = Array.from({ length: 9 }, (_, i) => ({ start: `${(i + 1) * 120}s`, end: `${(i + 1) * 120 + 2}s` }))
    const p = run([standard("list", 0, 0.002), standard("cheap", 0.3, 0.002, { outages: blips })], 8)
    expect(p.availability).toBe(1)
    expect(p.servedShare.cheap).toBeGreaterThan(0.55)
  })
})
