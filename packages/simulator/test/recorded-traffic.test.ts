import type { CaptureRecord } from "@switchyard/core"
import { describe, expect, it } from "vitest"
import { simulatePolicy } from "../src/engine.js"
import { parseCapture, replayScenario } from "../src/recorded-traffic.js"
import { simulate } from "../src/report.js"
import { renderTable } from "../src/report-table.js"
import { smallScenario } from "./scenarios.js"

const T0 = 1_767_000_000_000

const rec = (i: number, fields: Partial<CaptureRecord> = {}): CaptureRecord => ({
  at: T0 + i * 1_000,
  model: "google/gemini-2.5-pro",
  priority: "default",
  estimatedPromptTokens: 400,
  promptTokens: 300 + i,
  completionTokens: 50 + i,
  stream: false,
  outcome: "ok",
  status: 200,
  endpoint: "studio",
  latencyMs: 900,
  attempts: 1,
  escalated: false,
  ...fields,
})

/** A record of a request nothing served: no usage. */
const unserved = (r: CaptureRecord): CaptureRecord => {
  const { promptTokens: _p, completionTokens: _c, ...rest } = r
  return rest
}

describe("parsing a capture file", () => {
  it("reads one record per line and reports the lines that are not records, with their numbers", () => {
    const text = [
      JSON.stringify(rec(0)),
      "",
      JSON.stringify({ ...rec(1), priority: "urgent" }),
      "{ not json",
      JSON.stringify(rec(2)),
      "",
    ].join("\n")
    const { records, invalid } = parseCapture(text)
    expect(records).toEqual([rec(0), rec(2)])
    expect(invalid.map((x) => x.line)).toEqual([3, 4])
  })
})

describe("replaying recorded traffic", () => {
  const s = smallScenario((j) => {
    j.traffic.classes = [{ name: "team-b", share: 1, provider: { sort: "latency" } }]
  })

  it("keeps each request's arrival (time-scaled), sizes, stream flag and max_tokens; classes come from keys and priorities", () => {
    const records = [
      rec(3, { key: "team-a", priority: "critical", stream: true, maxTokens: 80 }),
      rec(0, { key: "team-a", priority: "default" }),
      rec(1, { key: "team-b", priority: "batch" }),
      // nothing served: the prompt size is the gateway's estimate, the output is drawn from the scenario
      unserved(rec(2, { outcome: "rate_limited", status: 429 })),
      rec(4, { model: "other/model" }),
    ]
    const { scenario, trace } = replayScenario(s, records, { speed: 2 })
    expect(trace.count).toBe(4)
    expect([...trace.at]).toEqual([0, 500, 1_000, 1_500])
    expect(scenario.durationMs).toBe(1_501)
    expect(scenario.replay).toEqual({ records: 4, otherModels: 1, speed: 2 })
    expect(scenario.classes.map((c) => [c.name, c.priority, c.share])).toEqual([
      ["team-a/default", "default", 0.25],
      ["team-b", "batch", 0.25],
      ["default", "default", 0.25],
      ["team-a/critical", "critical", 0.25],
    ])
    // a class named like one of the scenario's gets its routing object
    expect(scenario.classes[1]!.provider).toEqual({ sort: "latency" })
    expect([...trace.klass]).toEqual([0, 1, 2, 3])
    expect([...trace.promptTokens]).toEqual([300, 301, 400, 303])
    expect(trace.outputTokens[0]).toBe(50)
    expect(trace.outputTokens[2]).toBeGreaterThan(0)
    expect([...trace.stream]).toEqual([0, 0, 0, 1])
    expect([...(trace.maxTokens ?? [])]).toEqual([0, 0, 0, 80])
  })

  it("replays every record as the scenario's model when none is for it", () => {
    const { trace, scenario } = replayScenario(s, [rec(0, { model: "a" }), rec(1, { model: "b" })])
    expect(trace.count).toBe(2)
    expect(scenario.replay?.otherModels).toBe(0)
  })

  it("runs the recorded requests through the real router, each with its own max_tokens", () => {
    const records = Array.from({ length: 40 }, (_, i) =>
      rec(i, { completionTokens: 500, stream: i % 3 === 0, ...(i % 2 === 0 && { maxTokens: 100 }) }),
    )
    const { scenario, trace } = replayScenario(s, records)
    const run = simulatePolicy(scenario, trace, scenario.policies[0]!)
    expect(run.result.requests).toBe(40)
    expect(run.result.lost).toBe(0)
    expect(run.defects).toEqual([])
    for (let i = 0; i < 40; i++) {
      expect(run.recorder.outcome[i]).toBe(0) // ok
      // the upstream stops at the request's max_tokens (100), else produces the recorded 500
      expect(run.recorder.completionTokens[i]).toBe(i % 2 === 0 ? 100 : 500)
    }
    const report = simulate(scenario, { trace })
    expect(renderTable(report)).toContain("40 recorded requests over 39.0s of google/gemini-2.5-pro")
  })

  it("rejects an empty capture and a speed that is not a positive number", () => {
    expect(() => replayScenario(s, [])).toThrow("no request")
    expect(() => replayScenario(s, [rec(0)], { speed: 0 })).toThrow("speed")
  })
})
