import { describe, expect, it } from "vitest"
import type { PolicyRun } from "../src/engine.js"
import { OUTCOMES } from "../src/outcome.js"
import { simulate } from "../src/report.js"
import { renderHtml } from "../src/report-html.js"
import { renderTable } from "../src/report-table.js"
import { reservedCostOf } from "../src/resolve-scenario.js"
import { reservedPtScenario, smallScenario } from "./scenarios.js"

/** Scarce PT shared by critical and batch traffic: the classes must come out differently. */
const scarce = reservedPtScenario({ units: 3, pricePerUnitHour: 12 }, [
  { name: "interactive", share: 6 },
  { name: "critical", share: 2, priority: "critical" },
  { name: "batch", share: 2, priority: "batch" },
])
const runs: Array<PolicyRun> = []
const report = simulate(scarce, { onPolicyRun: (r) => runs.push(r) })

describe("per-class results", () => {
  it("splits every policy's requests, outcomes, costs and escalations exactly over its classes", () => {
    for (const p of report.policies) {
      expect(p.classes.map((c) => [c.name, c.priority])).toEqual([
        ["interactive", "default"],
        ["critical", "critical"],
        ["batch", "batch"],
      ])
      const sum = (f: (c: (typeof p.classes)[number]) => number) => p.classes.reduce((n, c) => n + f(c), 0)
      expect(sum((c) => c.requests)).toBe(p.requests)
      expect(sum((c) => c.successes)).toBe(p.successes)
      expect(sum((c) => c.client429s)).toBe(p.client429s)
      expect(sum((c) => c.escalations)).toBe(p.escalations)
      expect(sum((c) => c.cost)).toBeCloseTo(p.cost, 9)
      for (const o of OUTCOMES) expect(sum((c) => c.outcomes[o])).toBe(p.outcomes[o])
      expect(sum((c) => c.attemptsPerRequest * c.requests)).toBeCloseTo(p.attemptsPerRequest * p.requests, 6)
      for (const c of p.classes) {
        expect(c.availability).toBeCloseTo(c.successes / c.requests, 12)
        const shares = Object.values(c.servedShare).reduce((a, b) => a + b, 0)
        expect(shares).toBeCloseTo(c.successes > 0 ? 1 : 0, 9)
      }
      // one group per priority, each the union of its classes
      expect(p.priorities.map((g) => g.name)).toEqual(["critical", "default", "batch"])
      expect(p.priorities.find((g) => g.name === "batch")!.requests).toBe(p.classes[2]!.requests)
    }
  })

  it("counts a class's requests from the trace and its served shares from the per-request columns", () => {
    const run = runs[1]!
    const r = run.recorder
    const served = new Map<string, number>()
    let batch = 0
    for (let i = 0; i < r.klass.length; i++) {
      if (r.klass[i] !== 2) continue
      batch++
      const slug = r.slugAt(i)
      if (slug !== undefined) served.set(slug, (served.get(slug) ?? 0) + 1)
    }
    const c = run.result.classes[2]!
    expect(c.requests).toBe(batch)
    expect(c.servedBy).toEqual(Object.fromEntries(served))
  })

  it("keeps batch off the PT pool and lets critical traffic escalate", () => {
    const aware = report.policies[1]!
    const batch = aware.classes[2]!
    const critical = aware.classes[1]!
    expect(batch.escalations).toBe(0)
    expect(batch.servedShare["vertex/pt"]).toBe(0)
    expect(critical.escalations).toBeGreaterThan(0)
    expect(critical.servedShare["vertex/pt"]).toBeGreaterThan(0)
    expect(critical.availability).toBeGreaterThan(report.policies[0]!.classes[1]!.availability)
  })

  it("prints the availability of each class per policy and one row per policy × class", () => {
    const text = renderTable(report)
    expect(text).toMatch(/\| policy +\| interactive \(default\) \| critical \(critical\) \| batch \(batch\) \| +all \|/)
    const classRows = text.split("\n").filter((l) => /^\| (cost|aware) +\| (interactive|critical|batch) /.test(l))
    expect(classRows).toHaveLength(6)
    const critical = report.policies[1]!.classes[1]!
    expect(classRows[4]).toContain(`${(critical.availability * 100).toFixed(2)}%`)
    expect(classRows[4]).toContain(`vertex/pt ${((critical.servedShare["vertex/pt"] ?? 0) * 100).toFixed(0)}%`)
    const html = renderHtml(report)
    expect(html).toContain("<h2>Per traffic class</h2>")
    expect(html).toContain("Availability of class critical (critical)")
  })
})

describe("reserved PT pricing", () => {
  it("sizes the endpoint's capacity from its units and prices it per unit-hour over the run", () => {
    const pt = scarce.endpoints[2]!
    expect(pt.capacity?.tokensPerMinute).toBe(30_000)
    expect(pt.price).toEqual({ prompt: 0, completion: 0 })
    // 3 units × $12 per unit-hour × 3 minutes
    expect(reservedCostOf(scarce)).toBeCloseTo(1.8, 12)
    expect(report.scenario.reservedCost).toBeCloseTo(1.8, 12)
  })

  it("reports the reservation apart from per-token spend, and the effective price of both", () => {
    for (const [k, p] of report.policies.entries()) {
      expect(p.reservedCost).toBeCloseTo(1.8, 12)
      expect(p.totalCost).toBeCloseTo(p.cost + 1.8, 12)
      const tokens = p.promptTokens + p.completionTokens
      expect(p.effectiveCostPerMTokens).toBeCloseTo((p.totalCost / tokens) * 1e6, 9)
      expect(p.costPerMTokens).toBeCloseTo((p.cost / tokens) * 1e6, 9)
      // tokens served from the reservation cost nothing per token
      const r = runs[k]!.recorder
      for (let i = 0; i < r.cost.length; i++) if (r.slugAt(i) === "vertex/pt") expect(r.cost[i]).toBe(0)
    }
    const text = renderTable(report)
    expect(text).toContain("reservations $1.80 over the run")
    expect(text).toMatch(/\| reserved \| total \$ \| eff\. \$\/M tok \|/)
  })

  it("keeps per-token PT pricing: without `reserved` nothing is reserved", () => {
    const perToken = simulate(
      smallScenario((j) => {
        j.duration = "1m"
      }),
    )
    expect(perToken.scenario.reservedCost).toBe(0)
    for (const p of perToken.policies) expect(p.totalCost).toBe(p.cost)
    expect(renderTable(perToken)).not.toContain("reserved")
  })
})
