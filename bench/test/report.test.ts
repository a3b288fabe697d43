import { describe, expect, it } from "vitest"
import { derive, goals, type Outcome, refusedRounds, type ScenarioReport, summarise, verdictOf } from "../report.js"
import type { Measurement } from "../scenarios.js"
import type { TargetId } from "../targets.js"

const m = (reqPerSec: number, extra: Partial<Measurement> = {}): Measurement => ({
  reqPerSec,
  p50Ms: 1,
  p99Ms: 2,
  totalP50Ms: undefined,
  totalP99Ms: undefined,
  rssPeakMb: 100,
  rssBeforeMb: undefined,
  ok: 100,
  failed: 0,
  limitedPerRequest: undefined,
  maxOpen: undefined,
  cpuUsPerReq: undefined,
  upstreamCpuUsPerReq: undefined,
  loadgenCpuUsPerReq: undefined,
  backendCpuUsPerReq: undefined,
  ...extra,
})
const outcome = (...rates: Array<number>): Outcome => {
  const rounds = rates.map((r) => m(r))
  return { rounds, summary: summarise(rounds) }
}
const load = { load1Before: 0, load1After: 0, steal: 0, others: 0 }

describe("refusedRounds", () => {
  it("refuses the round whose bare rate is more than 25% off the median of the others", () => {
    expect(refusedRounds([10_000, 10_400, 14_000])).toEqual([2])
    expect(refusedRounds([10_000, 7_000, 10_200])).toEqual([1])
  })

  it("keeps rounds within 25% of each other", () => {
    expect(refusedRounds([10_000, 12_000, 11_000])).toEqual([])
  })

  it("refuses both of two rounds that disagree (neither can be trusted over the other)", () => {
    expect(refusedRounds([10_000, 14_000])).toEqual([0, 1])
  })

  it("refuses nothing with one round or without bare rates", () => {
    expect(refusedRounds([10_000])).toEqual([])
    expect(refusedRounds([undefined, undefined, undefined])).toEqual([])
  })
})

describe("verdictOf", () => {
  it("withholds comparisons when the direct upstream is under 2× the bare proxy (load generator bound)", () => {
    const v = verdictOf({ direct: outcome(15_000), bare: outcome(10_000) }, [10_000], [])
    expect(v).toEqual({ kind: "load-bound", direct: 15_000, bare: 10_000 })
    expect(derive({ direct: outcome(15_000), bare: outcome(10_000), switchyard: outcome(9_000) }, v)).toEqual({})
  })

  it("reports ratios when the direct upstream reaches 2× the bare proxy", () => {
    const results = { direct: outcome(20_000), bare: outcome(10_000), switchyard: outcome(8_500) }
    const v = verdictOf(results, [10_000], [])
    expect(v).toEqual({ kind: "ok" })
    expect(derive(results, v).switchyard?.overBare).toBeCloseTo(0.85)
  })

  it("is unstable when fewer than two rounds are left after refusals", () => {
    expect(verdictOf({ bare: outcome(10_000) }, [10_000, 20_000, 5_000], [0, 1, 2]).kind).toBe("unstable")
    expect(verdictOf({ bare: outcome(10_000) }, [10_000, 10_500, 30_000], [2]).kind).toBe("ok")
  })
})

describe("goals", () => {
  const scenario = (id: string, results: Partial<Record<TargetId, Outcome>>): ScenarioReport => {
    const verdict = verdictOf(results, [], [])
    return {
      id,
      title: id,
      metric: "load",
      results,
      derived: derive(results, verdict),
      verdict,
      refusedRounds: [],
      roundsRun: 1,
      load,
    }
  }

  it("marks a goal on a load-bound scenario as not measured, with the reason", () => {
    const g = goals(
      [scenario("json-c64", { direct: outcome(11_000), bare: outcome(10_000), switchyard: outcome(9_000) })],
      1000,
    )
    const c64 = g.find((x) => x.goal.startsWith("JSON c64 ≥ 0.8×"))
    expect(c64?.met).toBeUndefined()
    expect(c64?.reason).toMatch(/load generator bound/)
  })

  it("judges met and not met from the ratios", () => {
    const g = goals(
      [
        scenario("json-c64", { direct: outcome(30_000), bare: outcome(10_000), switchyard: outcome(8_500) }),
        scenario("json-c256", { direct: outcome(30_000), bare: outcome(10_000), switchyard: outcome(7_000) }),
      ],
      1000,
    )
    expect(g.find((x) => x.goal.startsWith("JSON c64 ≥ 0.8×"))?.met).toBe(true)
    expect(g.find((x) => x.goal.startsWith("JSON c256"))?.met).toBe(false)
    expect(g.find((x) => x.goal.startsWith("JSON c64 ≥ 5×"))?.met).toBeUndefined()
  })

  it("requires every stream open at once for the memory goal", () => {
    const memory = (maxOpen: number): ScenarioReport => {
      const rounds = [m(0, { rssPeakMb: 140, rssBeforeMb: 70, maxOpen })]
      return { ...scenario("memory-1000", {}), results: { switchyard: { rounds, summary: summarise(rounds) } } }
    }
    const met = (s: ScenarioReport) => goals([s], 1000).find((x) => x.goal.includes("all open at once"))?.met
    expect(met(memory(1000))).toBe(true)
    expect(met(memory(615))).toBe(false)
    expect(goals([memory(1000)], 1000).find((x) => x.goal.startsWith("idle RSS"))?.met).toBe(true)
  })
})
