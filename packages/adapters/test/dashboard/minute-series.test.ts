import type { RouteTrace } from "@switchyard/core"
import { describe, expect, it } from "vitest"
import { MinuteSeries } from "../../src/dashboard/minute-series.js"
import { RecentTraces } from "../../src/dashboard/recent-traces.js"

const trace = (endedAt: number, cost = 0.001): RouteTrace => ({
  requestId: undefined,
  requestedModels: ["m"],
  priority: "default",
  plan: { attempts: [], escalation: [], excluded: [], steps: [] },
  attempts: [],
  escalated: false,
  servedBy: "a",
  modelUsed: "m",
  usage: undefined,
  cost,
  startedAt: endedAt,
  endedAt,
})

describe("dashboard memory is bounded", () => {
  it("the series keeps 60 minutes however long it runs; old minutes are reused, not grown", () => {
    const series = new MinuteSeries(60)
    const t0 = Date.UTC(2026, 0, 1)
    for (let m = 0; m < 180; m++) series.route(trace(t0 + m * 60_000 + 5_000), 200)
    const window = series.window(t0 + 179 * 60_000 + 30_000)
    expect(window).toHaveLength(60)
    expect(window[0]!.minute).toBe(t0 + 120 * 60_000)
    expect(window.every((b) => b.requests === 1)).toBe(true)
    expect(series.totals.requests).toBe(180)
    // a quiet stretch reads as zeros, not as the minutes an hour before
    expect(series.window(t0 + 300 * 60_000).every((b) => b.requests === 0)).toBe(true)
  })

  it("the recent routes ring keeps the newest 50", () => {
    const recent = new RecentTraces(50)
    for (let i = 0; i < 120; i++) recent.add(trace(i), 200, false)
    const list = recent.list()
    expect(list).toHaveLength(50)
    expect(list[0]!.trace.endedAt).toBe(119)
    expect(list.at(-1)!.trace.endedAt).toBe(70)
    expect(recent.get(list[10]!.id)?.trace.endedAt).toBe(109)
  })
})
