import { describe, expect, it } from "vitest"
import { plan } from "../../src/policy/plan.js"
import { endpointsOf, GEMINI, GPT, options, referenceCatalog, request, snapshot } from "./helpers.js"

const catalog = referenceCatalog()
const candidates = endpointsOf(catalog, GEMINI)

describe("plan steps", () => {
  it("default request: filter, pool and load-balancing lines, then the totals", () => {
    const p = plan(request(), candidates, snapshot(), options(5))
    const first = p.attempts[0]!.endpoint.slug
    expect(p.steps).toEqual([
      `candidates: 5 endpoints for ${GEMINI}`,
      "filter: none dropped",
      "pool: 1 provisioned held for escalation (google-vertex/pt)",
      `load balance: ${first} picked by 1/price² weight, fallbacks by price`,
      "plan: 4 attempts, 1 escalation, 0 excluded",
    ])
    expect(p.attempts[0]!.reasons).toEqual(["load balance: price-weighted pick (1/price²)"])
    expect(p.attempts[1]!.reasons).toEqual(["load balance: fallback by price"])
  })

  it("PT mode request explains the opt-in and the order", () => {
    const p = plan(request({ order: ["google-vertex/pt"] }), candidates, snapshot(), options(1))
    expect(p.steps).toEqual([
      `candidates: 5 endpoints for ${GEMINI}`,
      "filter: none dropped",
      "pool: 1 provisioned admitted (named in order)",
      "order: google-vertex/pt first",
      "after order: remaining endpoints by price",
      "plan: 5 attempts, 0 escalation, 0 excluded",
    ])
  })

  it("allow_fallbacks: false and a sort across models are recorded", () => {
    const p = plan(
      request({ sort: { by: "latency", partition: "none" }, allow_fallbacks: false }, { models: [GEMINI, GPT] }),
      endpointsOf(catalog, GEMINI, GPT),
      snapshot(),
      options(1),
    )
    expect(p.steps).toContain("sort: latency p50 (partition none)")
    expect(p.steps).toContain("allow_fallbacks: false, kept the best endpoint of each model (5 dropped)")
    expect(p.steps.at(-1)).toBe("plan: 2 attempts, 0 escalation, 5 excluded")
  })

  it("every attempt carries at least one reason", () => {
    const p = plan(
      request({ high_availability: true }, { models: [GEMINI, GPT] }),
      endpointsOf(catalog, GEMINI, GPT),
      snapshot(),
      options(1),
    )
    for (const attempt of p.attempts) expect(attempt.reasons.length).toBeGreaterThan(0)
  })
})
