import { readdirSync, readFileSync } from "node:fs"
import { join } from "node:path"
import { Result } from "effect"
import { describe, expect, it } from "vitest"
import { decodeScenario } from "../src/resolve-scenario.js"
import { type Json, smallScenario } from "./scenarios.js"

const examples = join(import.meta.dirname, "../../../examples/simulate")

const failure = (patch: (s: Json) => void) => {
  try {
    smallScenario(patch)
  } catch (e) {
    return (e as Error).message
  }
  throw new Error("expected the scenario to be rejected")
}

describe("scenario files", () => {
  const builtIn = readdirSync(examples)
    .filter((f) => f.endsWith(".json") && f !== "tsconfig.json")
    .map((f) => f.slice(0, -5))
  it("ships the built-in scenarios", () => {
    expect(builtIn).toEqual(expect.arrayContaining(["launch-day", "regional-outage", "scarce-pt", "steady"]))
  })

  it.each(builtIn)("the built-in %s scenario is valid", (name) => {
    const r = decodeScenario(JSON.parse(readFileSync(join(examples, `${name}.json`), "utf8")))
    expect(Result.isSuccess(r)).toBe(true)
  })

  it("reads durations with units and applies defaults", () => {
    const s = smallScenario((j) => {
      delete j.deadline
      delete j.bucket
      j.duration = "2h"
    })
    expect(s.durationMs).toBe(7_200_000)
    expect(s.deadlineMs).toBe(60_000)
    expect(s.bucketMs).toBe(75_000)
    expect(s.classes).toEqual([{ name: "default", share: 1, priority: undefined, provider: undefined }])
    expect(s.listPrice).toEqual({ prompt: 1, completion: 8 })
  })

  it("normalizes class shares", () => {
    const s = smallScenario((j) => {
      j.traffic.classes = [
        { name: "a", share: 7 },
        { name: "b", share: 3, priority: "critical" },
      ]
    })
    expect(s.classes.map((c) => c.share)).toEqual([0.7, 0.3])
  })

  it("rejects invalid values with the path of each issue", () => {
    expect(
      failure((j) => {
        j.endpoints[0].capacity.tokensPerMinute = 0
      }),
    ).toContain("endpoints.0.capacity.tokensPerMinute")
    expect(
      failure((j) => {
        j.traffic.surges[0].end = "30s"
      }),
    ).toContain("traffic.surges.0.end")
    expect(
      failure((j) => {
        j.duration = "ten minutes"
      }),
    ).toContain("duration")
    expect(
      failure((j) => {
        j.policies[0].kind = "yolo"
      }),
    ).toContain("policies.0.kind")
    expect(
      failure((j) => {
        j.endpoints[1].latency = { type: "lognormal", median: 10, p90: 5 }
      }),
    ).toContain("endpoints.1.latency.p90")
  })

  it("refuses a bucket of 0 or one that cuts the run into more than 2,000 buckets, at bucket", () => {
    expect(failure((j) => (j.bucket = 0))).toContain("bucket: must be > 0")
    expect(
      failure((j) => {
        j.duration = "2d"
        j.bucket = "1s"
      }),
    ).toContain("bucket: 172800 buckets in the run; at most 2000 (a bucket of at least 87s)")
    const s = smallScenario((j) => {
      j.duration = "2d"
      j.bucket = "2m"
    })
    expect(s.durationMs / s.bucketMs).toBe(1_440)
  })

  it("refuses a deadline of 0 or a fraction of a millisecond, at deadline", () => {
    expect(failure((j) => (j.deadline = 0))).toContain("deadline: must be a whole number of milliseconds > 0")
    expect(failure((j) => (j.deadline = "2.5ms"))).toContain("deadline: must be a whole number of milliseconds > 0")
    expect(failure((j) => (j.deadline = 1_500.5))).toContain("deadline: must be a whole number of milliseconds > 0")
    expect(smallScenario((j) => (j.deadline = "2.5s")).deadlineMs).toBe(2_500)
    // a decimal that binary floating point cannot hold exactly is still a whole number of ms
    expect(smallScenario((j) => (j.deadline = "1.005s")).deadlineMs).toBe(1_005)
    expect(smallScenario((j) => (j.deadline = "2.01m")).deadlineMs).toBe(120_600)
  })

  it("refuses more than 255 traffic classes at traffic.classes (a class per byte of the trace), takes 255", () => {
    const classes = (n: number) => Array.from({ length: n }, (_, i) => ({ name: `c${i}`, share: 1 }))
    expect(failure((j) => (j.traffic.classes = classes(256)))).toContain(
      "traffic.classes: Expected a value with a length of at most 255",
    )
    expect(smallScenario((j) => (j.traffic.classes = classes(255))).classes).toHaveLength(255)
  })

  it("rejects unknown endpoint references and duplicates at their paths", () => {
    expect(failure((j) => j.policies.push({ name: "x", kind: "single-provider", target: "nope" }))).toContain(
      "policies.2.target: unknown endpoint slug",
    )
    expect(
      failure((j) => j.policies.push({ name: "y", kind: "pt-first", ptOrder: ["vertex/pt", "gone/pt"] })),
    ).toContain("policies.2.ptOrder.1")
    expect(failure((j) => j.endpoints.push({ ...j.endpoints[0] }))).toContain(
      'endpoints.3: duplicate endpoint slug "studio"',
    )
    expect(failure((j) => j.policies.push({ name: "cost", kind: "pt-first" }))).toContain("policies.2.name")
  })

  it("rejects a misspelt field at its path, with the field it resembles (a typo would silently change the run)", () => {
    expect(failure((j) => (j.endpoints[0].errorRtae = 0.5))).toContain(
      'endpoints.0.errorRtae: Not a known field (did you mean "errorRate"?)',
    )
    expect(failure((j) => (j.traffic.ratePerSecnd = 5))).toContain(
      'traffic.ratePerSecnd: Not a known field (did you mean "ratePerSecond"?)',
    )
    expect(failure((j) => (j.policies[0].retires = 5))).toContain('did you mean "retries"?')
    expect(failure((j) => (j.durration = "1h"))).toContain('durration: Not a known field (did you mean "duration"?)')
  })

  it("requires a price unless the endpoint is reserved, and takes reserved capacity from the units", () => {
    expect(failure((j) => delete j.endpoints[0].price)).toContain(
      "endpoints.0.price: price is required unless the endpoint is reserved",
    )
    expect(
      failure((j) => {
        j.endpoints[2].reserved = { unitTokensPerMinute: 1_000, pricePerUnitHour: 5, units: 2 }
      }),
    ).toContain("endpoints.2.capacity.tokensPerMinute: set by reserved")
    expect(
      failure((j) => {
        delete j.endpoints[2].capacity
        j.endpoints[2].reserved = { unitTokensPerMinute: 1_000, pricePerUnitHour: 5, units: 0 }
      }),
    ).toContain("endpoints.2.reserved.units")
    const s = smallScenario((j) => {
      j.endpoints[2].capacity = { windowMs: 30_000 }
      j.endpoints[2].reserved = { unitTokensPerMinute: 1_000, pricePerUnitHour: 5, units: 7 }
    })
    expect(s.endpoints[2]!.capacity).toEqual({ windowMs: 30_000, tokensPerMinute: 7_000 })
    expect(s.endpoints[2]!.price).toEqual({ prompt: 1.3, completion: 10.4 })
  })
})
