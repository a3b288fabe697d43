/**
 * A short run of `pnpm test:soak` (which runs 5 minutes): the gateway process under mixed traffic with
 * faults loses, duplicates and truncates nothing, and every failure is the error envelope or an in-band error.
 */
import { expect, it } from "vitest"
import { runSoak } from "../soak/run-soak.js"

it("a few seconds of mixed traffic with faults: nothing lost, duplicated, truncated or malformed", async () => {
  const report = await runSoak({ durationMs: 4_000, concurrency: 8, samples: 4 })
  expect(report.requests).toBeGreaterThan(20)
  expect(report.examples).toEqual([])
  expect({
    lost: report.lost,
    duplicated: report.duplicated,
    truncated: report.truncated,
    malformed: report.malformed,
  }).toEqual({ lost: 0, duplicated: 0, truncated: 0, malformed: 0 })
  expect(report.outcomes["200 json"]).toBeGreaterThan(0)
}, 60_000)
