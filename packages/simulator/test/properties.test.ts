import type { Endpoint } from "@switchyard/core"
import fc from "fast-check"
import { describe, expect, it } from "vitest"
import type { PolicyRun } from "../src/engine.js"
import { simulatePolicy } from "../src/engine.js"
import { OUTCOMES } from "../src/outcome.js"
import { simulate } from "../src/report.js"
import type { ResolvedScenario } from "../src/resolve-scenario.js"
import { generateTrace } from "../src/traffic.js"
import { smallScenario } from "./scenarios.js"

/** Routing parameters a traffic class may carry, each with the rule that says whether an endpoint may serve it. */
const CONSTRAINTS = [
  { provider: {}, allows: () => true },
  { provider: { data_collection: "deny" }, allows: (e: Endpoint) => !e.dataPolicy.collects },
  { provider: { only: ["vertex", "vertex/pt"] }, allows: (e: Endpoint) => e.provider === "vertex" },
  { provider: { ignore: ["studio"] }, allows: (e: Endpoint) => e.slug !== "studio" },
  { provider: { max_price: { prompt: 1.1, completion: 9 } }, allows: (e: Endpoint) => e.slug !== "vertex/pt" },
  { provider: { sort: "latency" }, allows: () => true },
  { provider: { priority: "critical" }, allows: () => true },
] as const

const scenarioArb = fc.record({
  seed: fc.integer({ min: 0, max: 1_000_000 }),
  studio: fc.integer({ min: 10_000, max: 200_000 }),
  vertex: fc.integer({ min: 10_000, max: 200_000 }),
  pt: fc.integer({ min: 20_000, max: 300_000 }),
  rate: fc.double({ min: 0.5, max: 3, noNaN: true }),
  surge: fc.record({
    start: fc.integer({ min: 0, max: 120_000 }),
    length: fc.integer({ min: 10_000, max: 120_000 }),
    multiplier: fc.double({ min: 1, max: 5, noNaN: true }),
  }),
  outage: fc.option(
    fc.record({
      endpoint: fc.constantFrom(0, 1, 2),
      start: fc.integer({ min: 0, max: 150_000 }),
      length: fc.integer({ min: 5_000, max: 90_000 }),
      kind: fc.constantFrom("unavailable", "connect"),
    }),
    { nil: undefined },
  ),
  streamingShare: fc.double({ min: 0, max: 0.5, noNaN: true }),
  errorRate: fc.double({ min: 0, max: 0.05, noNaN: true }),
  classes: fc.array(
    fc.record({
      constraint: fc.integer({ min: 0, max: CONSTRAINTS.length - 1 }),
      share: fc.integer({ min: 1, max: 10 }),
    }),
    {
      minLength: 1,
      maxLength: 3,
    },
  ),
})
type ScenarioParams = typeof scenarioArb extends fc.Arbitrary<infer T> ? T : never

const build = (p: ScenarioParams): ResolvedScenario =>
  smallScenario((j) => {
    j.seed = p.seed
    j.duration = "3m"
    j.endpoints[0].capacity.tokensPerMinute = p.studio
    j.endpoints[1].capacity.tokensPerMinute = p.vertex
    j.endpoints[2].capacity.tokensPerMinute = p.pt
    for (const e of j.endpoints) e.errorRate = p.errorRate
    if (p.outage)
      j.endpoints[p.outage.endpoint].outages = [
        { start: p.outage.start, end: p.outage.start + p.outage.length, kind: p.outage.kind },
      ]
    j.traffic.ratePerSecond = p.rate
    j.traffic.surges = [{ start: p.surge.start, end: p.surge.start + p.surge.length, multiplier: p.surge.multiplier }]
    j.traffic.streamingShare = p.streamingShare
    j.traffic.classes = p.classes.map((c, i) => ({
      name: `c${i}`,
      share: c.share,
      provider: CONSTRAINTS[c.constraint]!.provider,
    }))
  })

const checkRun = (s: ResolvedScenario, p: ScenarioParams, trace: ReturnType<typeof generateTrace>, run: PolicyRun) => {
  const r = run.result
  // no request lost: every arrival ended as a success or a typed failure
  expect(r.lost).toBe(0)
  expect(run.defects).toEqual([])
  expect(OUTCOMES.reduce((n, o) => n + r.outcomes[o], 0)).toBe(trace.count)
  let priced = 0
  let summed = 0
  for (let i = 0; i < trace.count; i++) {
    summed += run.recorder.cost[i]!
    const slug = run.recorder.slugAt(i)
    if (slug === undefined) continue
    const e = run.catalog.endpoints.find((x) => x.slug === slug)!
    // no request served by an endpoint its class excluded
    const constraint = CONSTRAINTS[p.classes[trace.klass[i]!]!.constraint]!
    if (!constraint.allows(e))
      throw new Error(`request ${i} (${JSON.stringify(constraint.provider)}) served by ${slug}`)
    priced +=
      (run.recorder.promptTokens[i]! * e.effectivePrompt + run.recorder.completionTokens[i]! * e.effectiveCompletion) /
      1e6
  }
  // total cost = the sum of per-request costs = Σ price × usage of what was served
  expect(r.cost).toBeCloseTo(summed, 9)
  expect(r.cost).toBeCloseTo(priced, 9)
  expect(s.policies.map((x) => x.name)).toContain(r.name)
}

/** Cost mode and capacity-aware escalation on the same trace: both runs hold, and aware is at least as available. */
const compareOnOneTrace = (p: ScenarioParams) => {
  const s = build(p)
  const trace = generateTrace(s)
  const cost = simulatePolicy(s, trace, s.policies[0]!)
  const aware = simulatePolicy(s, trace, s.policies[1]!)
  checkRun(s, p, trace, cost)
  checkRun(s, p, trace, aware)
  expect(aware.result.availability).toBeGreaterThanOrEqual(cost.result.availability)
  return { cost, aware }
}

describe("simulation properties (random capacities, surges, outages, traffic mixes)", () => {
  it("capacity-aware escalation is at least as available as cost mode on the same trace; exclusions, costs and counts hold", () => {
    fc.assert(
      fc.property(scenarioArb, (p) => {
        compareOnOneTrace(p)
      }),
      { numRuns: 12, seed: 20_261_125 },
    )
  }, 120_000)

  it("holds on the counterexample fast-check found: an outage opens the breaker of the only standard endpoint a class allows", () => {
    // data_collection: deny leaves `vertex` and `vertex/pt`; vertex is down 134–139 s. With escalation allowed the
    // router must still be able to serve that class from PT once vertex's breaker is open.
    const p: ScenarioParams = {
      seed: 735255,
      studio: 10_000,
      vertex: 15_649,
      pt: 20_000,
      rate: 0.5,
      surge: { start: 92_241, length: 40_228, multiplier: 1.2132183964455414 },
      outage: { endpoint: 1, start: 133_983, length: 5_000, kind: "unavailable" },
      streamingShare: 0,
      errorRate: 0,
      classes: [
        { constraint: 1, share: 5 },
        { constraint: 0, share: 9 },
        { constraint: 0, share: 10 },
      ],
    }
    const { aware } = compareOnOneTrace(p)
    expect(aware.result.outcomes.no_endpoint).toBe(0)
  })

  it("gives the same report for the same seed", () => {
    fc.assert(
      fc.property(scenarioArb, (p) => {
        const s = build(p)
        expect(simulate(s)).toEqual(simulate(s))
      }),
      { numRuns: 4, seed: 7 },
    )
  }, 120_000)
})
