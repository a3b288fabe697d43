import { describe, expect, it } from "vitest"
import { simulate, simulateInParallel } from "../src/report.js"
import { generateTrace } from "../src/traffic.js"
import { smallScenario } from "./scenarios.js"

describe("policies on worker threads", () => {
  const s = smallScenario((j) => {
    j.duration = "2m"
    j.policies = [
      { name: "cost", kind: "cost-mode" },
      { name: "aware", kind: "capacity-aware-escalation" },
      { name: "pt-first", kind: "pt-first" },
    ]
  })

  it("gives the report of a run on this thread, with progress up to every request of every policy", async () => {
    const progress: Array<number> = []
    const report0 = simulate(s)
    const { report, defects, threads } = await simulateInParallel(s, {
      threads: 2,
      onProgress: (ended, total) => {
        expect(total).toBe(report0.scenario.requests * 3)
        progress.push(ended)
      },
    })
    expect(threads).toBe(2)
    expect(report).toEqual(report0)
    expect(defects).toEqual([])
    expect(progress.at(-1)).toBe(report0.scenario.requests * 3)
  }, 60_000)

  it("replays a given trace and runs only the chosen policies, in scenario order", async () => {
    const trace = generateTrace(s)
    const { report, threads } = await simulateInParallel(s, { trace, only: ["pt-first", "cost"], threads: 2 })
    expect(threads).toBe(2)
    expect(report.policies.map((p) => p.name)).toEqual(["cost", "pt-first"])
    expect(report).toEqual(simulate(s, { only: ["cost", "pt-first"] }))
  }, 60_000)
})
