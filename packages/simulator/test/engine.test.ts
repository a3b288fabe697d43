import { describe, expect, it } from "vitest"
import type { PolicyRun } from "../src/engine.js"
import { simulatePolicy } from "../src/engine.js"
import { OUTCOME_CODE, OUTCOMES } from "../src/outcome.js"
import { simulate } from "../src/report.js"
import { generateTrace } from "../src/traffic.js"
import { smallScenario } from "./scenarios.js"

const runs = (s: ReturnType<typeof smallScenario>) => {
  const out: Array<PolicyRun> = []
  const report = simulate(s, { onPolicyRun: (r) => out.push(r) })
  return { report, runs: out }
}

describe("simulation engine on the real router", () => {
  const surge = smallScenario((j) => {
    j.policies = [
      { name: "cost", kind: "cost-mode" },
      { name: "aware", kind: "capacity-aware-escalation" },
      { name: "single", kind: "single-provider", target: "studio" },
      { name: "pt-first", kind: "pt-first" },
      { name: "smart", kind: "client-smart-retry" },
      { name: "esc429", kind: "escalate-on-429" },
    ]
  })
  const { report, runs: all } = runs(surge)
  const by = (name: string) => report.policies.find((p) => p.name === name)!

  it("ends every arrival as a success or a typed failure, with no defect", () => {
    for (const [k, p] of report.policies.entries()) {
      expect(p.lost).toBe(0)
      expect(OUTCOMES.reduce((n, o) => n + p.outcomes[o], 0)).toBe(p.requests)
      expect(p.requests).toBe(report.scenario.requests)
      expect(all[k]!.defects).toEqual([])
    }
  })

  it("reports cost as the sum of per-request costs, each the served endpoint's price × usage", () => {
    for (const run of all) {
      const r = run.recorder
      let sum = 0
      let priced = 0
      for (let i = 0; i < r.cost.length; i++) {
        sum += r.cost[i]!
        const slug = r.slugAt(i)
        if (slug === undefined) continue
        const e = run.catalog.endpoints.find((x) => x.slug === slug)!
        priced += (r.promptTokens[i]! * e.effectivePrompt + r.completionTokens[i]! * e.effectiveCompletion) / 1e6
      }
      expect(run.result.cost).toBeCloseTo(sum, 9)
      expect(run.result.cost).toBeCloseTo(priced, 9)
      expect(run.result.cost).toBeGreaterThan(0)
    }
  })

  it("shows the surge overflowing standard capacity: cost mode answers 429s, PT escalation absorbs them", () => {
    const cost = by("cost")
    const aware = by("aware")
    expect(cost.outcomes.rate_limited).toBeGreaterThan(0)
    expect(cost.availability).toBeLessThan(1)
    expect(cost.servedBy["vertex/pt"]).toBeUndefined()
    expect(cost.escalations).toBe(0)
    expect(aware.availability).toBeGreaterThan(cost.availability)
    expect(aware.escalations).toBeGreaterThan(0)
    expect(aware.servedBy["vertex/pt"]).toBeGreaterThan(0)
    expect(aware.ptUtilization).toBeGreaterThan(0)
  })

  it("keeps single-provider on its target and counts the SDK's retries", () => {
    const single = by("single")
    expect(Object.keys(single.servedBy)).toEqual(["studio"])
    expect(single.clientRetriesPerRequest).toBeGreaterThan(0)
    expect(single.client429s).toBeGreaterThan(single.outcomes.rate_limited)
  })

  it("sends single-provider without a target to the cheapest standard endpoint after its discount", () => {
    // studio and vertex list $1/$8; vertex has 25% off
    const s = smallScenario((j) => {
      delete j.traffic.surges
      j.duration = "2m"
      j.traffic.ratePerSecond = 1
      j.policies = [{ name: "single", kind: "single-provider" }]
    })
    const single = simulate(s).policies[0]!
    expect(single.requests).toBeGreaterThan(0)
    expect(Object.keys(single.servedBy)).toEqual(["vertex"])
  })

  it("sends PT-first traffic to the provisioned pool first and retries the smart client's 429s on PT", () => {
    const ptFirst = by("pt-first")
    expect(ptFirst.servedBy["vertex/pt"]!).toBeGreaterThan(
      (ptFirst.servedBy.studio ?? 0) + (ptFirst.servedBy.vertex ?? 0),
    )
    const smart = by("smart")
    expect(smart.clientRetriesPerRequest).toBeGreaterThan(0)
    expect(smart.servedBy["vertex/pt"]).toBeGreaterThan(0)
    expect(smart.availability).toBeGreaterThan(by("cost").availability)
  })

  it("prices against the list: the discounted endpoint brings cost mode below list, PT above it", () => {
    expect(by("cost").costVsList).toBeLessThan(0)
    expect(by("pt-first").costVsList).toBeGreaterThan(by("cost").costVsList)
  })

  it("fills time series per bucket", () => {
    const aware = by("aware")
    expect(aware.series.t).toEqual([0, 60_000, 120_000, 180_000])
    expect(aware.series.arrivals.reduce((a, b) => a + b, 0)).toBe(aware.requests)
    expect(aware.series.utilization.provisioned?.length).toBe(4)
    // PT is used only while the surge (1m–3m) overflows standard capacity
    expect(aware.series.utilization.provisioned![0]).toBeLessThan(aware.series.utilization.provisioned![2]!)
  })

  it("gives the same report for the same seed", () => {
    const again = simulate(surge, { only: ["aware", "smart"] })
    expect(again.policies).toEqual([by("aware"), by("smart")])
  })
})

describe("simulation engine: constraints and outages", () => {
  it("never serves a request from an endpoint its routing excluded (data_collection: deny)", () => {
    const s = smallScenario((j) => {
      j.traffic.classes = [
        { name: "private", share: 0.5, provider: { data_collection: "deny" } },
        { name: "any", share: 0.5 },
      ]
    })
    const trace = generateTrace(s)
    const run = simulatePolicy(s, trace, s.policies[1]!)
    let privateServed = 0
    for (let i = 0; i < trace.count; i++) {
      if (trace.klass[i] !== 0) continue
      const slug = run.recorder.slugAt(i)
      if (slug !== undefined) privateServed++
      expect(slug).not.toBe("studio")
    }
    expect(privateServed).toBeGreaterThan(0)
  })

  it("routes around an endpoint while its outage window lasts", () => {
    const s = smallScenario((j) => {
      delete j.traffic.surges
      j.endpoints[1].outages = [{ start: "1m", end: "3m" }]
    })
    const trace = generateTrace(s)
    const run = simulatePolicy(s, trace, s.policies[0]!)
    let during = 0
    for (let i = 0; i < trace.count; i++) {
      const at = trace.at[i]!
      if (at < 60_000 || at > 180_000 - 30_000) continue
      during++
      expect(run.recorder.slugAt(i)).not.toBe("vertex")
    }
    expect(during).toBeGreaterThan(100)
    expect(run.result.servedBy.vertex).toBeGreaterThan(0)
    expect(run.result.availability).toBeGreaterThan(0.99)
  })

  it("ends requests its upstream never answers within the client's deadline, as typed failures", () => {
    const s = smallScenario((j) => {
      delete j.traffic.surges
      j.endpoints[0].outages = [{ start: "1m", end: "2m", kind: "hang" }]
      j.policies = [{ name: "single", kind: "single-provider", target: "studio", retries: 10 }]
    })
    const trace = generateTrace(s)
    const run = simulatePolicy(s, trace, s.policies[0]!)
    let hung = 0
    for (let i = 0; i < trace.count; i++) {
      const at = trace.at[i]!
      if (at < 60_000 || at >= 120_000) continue
      hung++
      expect(run.recorder.outcome[i]).not.toBe(OUTCOME_CODE.ok)
    }
    expect(hung).toBeGreaterThan(50)
    // The SDK keeps retrying a hung upstream until the client's own deadline cuts it off.
    expect(run.result.outcomes.deadline).toBeGreaterThan(0)
    expect(run.result.outcomes.other).toBe(0)
    expect(run.result.lost).toBe(0)
    expect(run.defects).toEqual([])
  })
})
