import { describe, expect, it } from "vitest"
import { latestJitEntries } from "../perf-map.js"

describe("latestJitEntries", () => {
  it("keeps, for reused addresses, the entry written last", () => {
    const map = [
      "1000 200 JS:*realpathSync node:fs:2700:22", // start-up code, collected later
      "3000 10 JS:*other file:///a.js:1:1",
      "1100 80 JS:*plan file:///p.js:37:21", // compiled later into part of the same range
      "1180 40 JS:*served file:///m.js:123:24",
    ].join("\n")
    expect(latestJitEntries(map)).toBe(
      [
        "3000 10 JS:*other file:///a.js:1:1",
        "1100 80 JS:*plan file:///p.js:37:21",
        "1180 40 JS:*served file:///m.js:123:24",
        "",
      ].join("\n"),
    )
  })

  it("keeps entries that do not overlap, in their order", () => {
    const map = "10 10 a\n20 10 b\n30 10 c\n"
    expect(latestJitEntries(map)).toBe(map)
  })

  it("drops an earlier entry with the same start", () => {
    expect(latestJitEntries("10 10 old\n10 8 new\n")).toBe("10 8 new\n")
  })
})
