import { describe, expect, it } from "vitest"
import { simulate } from "../src/report.js"
import { renderHtml } from "../src/report-html.js"
import { renderTable } from "../src/report-table.js"
import { smallScenario } from "./scenarios.js"

describe("simulation report", () => {
  const s = smallScenario((j) => {
    j.duration = "2m"
    j.policies = [
      { name: "cost <no PT>", kind: "cost-mode" },
      { name: "aware", kind: "capacity-aware-escalation" },
    ]
  })
  const report = simulate(s)

  it("prints one table row per policy with the run's numbers", () => {
    const lines = renderTable(report).split("\n")
    expect(lines[0]).toContain(`${report.scenario.requests.toLocaleString("en-US")} requests over 2m`)
    expect(lines[2]).toMatch(/^\| policy +\| availability \| 429s seen \|/)
    const rows = lines.slice(4)
    expect(rows).toHaveLength(2)
    for (const [i, p] of report.policies.entries()) {
      expect(rows[i]).toContain(p.name)
      expect(rows[i]).toContain(`${(p.availability * 100).toFixed(2)}%`)
      expect(rows[i]).toContain(`$${p.costPerMTokens.toFixed(2)}`)
    }
  })

  it("writes a self-contained HTML page with charts over time", () => {
    const html = renderHtml(report)
    expect(html.startsWith("<!doctype html>")).toBe(true)
    expect(html).not.toMatch(/<script|<link|src=|href=/i)
    expect(html.replaceAll('xmlns="http://www.w3.org/2000/svg"', "")).not.toMatch(/https?:\/\//)
    // arrivals, availability, PT and standard utilization, cost, p50/p90/p99 latency, 429s
    expect(html.match(/<svg /g)).toHaveLength(9)
    expect(html).toContain("cost &lt;no PT&gt;")
    expect(html).not.toContain("cost <no PT>")
    for (const title of ["Availability", "Utilization of the provisioned pool", "Cost, USD per million", "Latency p99"])
      expect(html).toContain(title)
  })
})
