/**
 * Retry amplification under overload (#13): in a 5× overload the router sends providers that are already
 * refusing few calls beyond the first per request — endpoints the meter predicts full (or that are cooling down
 * after a 429) are skipped without a call, and the retry budget caps the rest (its arithmetic is tested in
 * core's `failures.test.ts`). `routerRetriesPerRequest` counts upstream calls only (a refusal by the meter is no
 * call; the 2.18 counted the refusals too).
 */
import { describe, expect, it } from "vitest"
import { simulate } from "../src/index.js"
import { smallScenario } from "./scenarios.js"

const overloaded = (patch: (s: Record<string, unknown>) => void = () => {}) =>
  smallScenario((s) => {
    s.duration = "3m"
    s.traffic.ratePerSecond = 6
    s.traffic.surges = [{ start: "0s", end: "3m", multiplier: 5 }]
    s.policies = [
      { name: "cost", kind: "cost-mode" },
      { name: "escalate", kind: "escalate-on-429" },
      { name: "aware", kind: "capacity-aware-escalation" },
    ]
    patch(s)
  })

describe("a 5× overload", () => {
  it("the router's upstream calls beyond the first stay a small share of requests, for every policy", () => {
    const report = simulate(overloaded())
    for (const p of report.policies) {
      // far under the retry budget's 0.5 share: the retries that happen are the ones that can succeed
      expect(p.routerRetriesPerRequest, p.name).toBeLessThan(0.25)
      expect(p.availability, p.name).toBeLessThan(1)
    }
  })
})
