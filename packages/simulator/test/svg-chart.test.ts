import { describe, expect, it } from "vitest"
import { lineChart } from "../src/svg-chart.js"

describe("line chart", () => {
  it("draws a series longer than the call stack allows to spread (a run of many buckets)", () => {
    const n = 500_000
    const values = Array.from({ length: n }, (_, i) => (i % 1_000 === 0 ? 250 : 10 + (i % 7)))
    values[3] = Number.NaN
    const svg = lineChart({
      title: "arrivals",
      t: Array.from({ length: n }, (_, i) => i * 1_000),
      series: [{ name: "arrivals", values, color: "#000" }],
      yFormat: (v) => `y=${v}`,
    })
    expect(svg.startsWith("<svg ")).toBe(true)
    // the axis spans the data (10…250), rounded out to its step of 100
    expect(svg).toContain(">y=0<")
    expect(svg).toContain(">y=300<")
    expect(svg).not.toContain(">y=400<")
  })
})
