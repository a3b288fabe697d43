import { readFileSync } from "node:fs"
import { Result } from "effect"
import { describe, expect, it } from "vitest"
import type { PolicyRun } from "../src/engine.js"
import { simulate } from "../src/report.js"
import { renderTable } from "../src/report-table.js"
import { decodeScenario } from "../src/resolve-scenario.js"
import type { Json } from "./scenarios.js"

/** The built-in prompt-caching scenario (examples/simulate), shortened to 30 minutes. */
const builtIn = (patch: (j: Json) => void = () => {}) => {
  const json = JSON.parse(
    readFileSync(new URL("../../../examples/simulate/prompt-caching.json", import.meta.url), "utf8"),
  ) as Json
  json.duration = "30m"
  patch(json)
  return Result.getOrThrow(decodeScenario(json))
}

const runAll = (s: ReturnType<typeof builtIn>) => {
  const runs: Array<PolicyRun> = []
  const report = simulate(s, { onPolicyRun: (r) => runs.push(r) })
  return { report, runs }
}

describe("prompt caching in the simulator", () => {
  const { report, runs } = runAll(builtIn())
  const by = (name: string) => report.policies.find((p) => p.name === name)!

  it("affinity keeps conversations on the endpoint that holds their prefix: more cache hits, lower cost", () => {
    const without = by("load balancing, no affinity")
    const withIt = by("load balancing + affinity")
    expect(withIt.availability).toBeGreaterThan(0.99)
    expect(withIt.cacheHitShare).toBeGreaterThan(without.cacheHitShare + 0.2)
    expect(withIt.cost).toBeLessThan(without.cost)
    expect(withIt.cacheSavings).toBeGreaterThan(without.cacheSavings)
    // the hits are the endpoints' own: the endpoint without a cache never reports one
    for (const run of runs)
      for (let i = 0; i < run.recorder.cachedTokens.length; i++)
        if (run.recorder.slugAt(i) === "budget") expect(run.recorder.cachedTokens[i]).toBe(0)
  })

  it("sort: price ranks by list price until a cache share is measured: here it never leaves the cheapest list price", () => {
    const sorted = by("sort: price + affinity")
    // (the few others are fallbacks after a timeout)
    expect(sorted.servedShare.budget).toBeGreaterThan(0.99)
    expect(sorted.cacheHitShare).toBeLessThan(0.01)
  })

  it("prints the cache columns (hit share, USD saved) in the policy table", () => {
    const table = renderTable(report)
    expect(table).toContain("| cache hits |")
    expect(table).toContain("cache saved")
  })

  it("property: with implicit caching only (writes free), caching never makes a request cost more than without it", () => {
    const implicitOnly = builtIn((j) => {
      j.duration = "10m"
      j.endpoints = j.endpoints.filter((e: Json) => e.provider !== "explicit")
      j.policies = [j.policies[0], j.policies[1]]
    })
    for (const run of runAll(implicitOnly).runs)
      for (let i = 0; i < run.recorder.cacheSavings.length; i++)
        expect(run.recorder.cacheSavings[i]).toBeGreaterThanOrEqual(-1e-12)
  })
})
