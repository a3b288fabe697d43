import { describe, expect, it } from "vitest"
import { plan } from "../../src/policy/plan.js"
import { blendedPrice } from "../../src/policy/price.js"
import { endpointsOf, GEMINI, options, percentiles, referenceCatalog, request, slugs, snapshot } from "./helpers.js"

// The requests of the reference description (000_f7066cadca64cb78.txt), against a Gemini 2.5 Pro
// Preview catalog with four standard endpoints and Google's provisioned-throughput endpoint.
const catalog = referenceCatalog()
const candidates = endpointsOf(catalog, GEMINI)
const STANDARD = ["google-vertex", "google-ai-studio", "deepinfra", "chutes"]
const byPrice = (list: ReadonlyArray<string>) =>
  [...list].sort((a, b) => {
    const pa = blendedPrice(candidates.find((e) => e.slug === a)!)
    const pb = blendedPrice(candidates.find((e) => e.slug === b)!)
    return pa - pb || STANDARD.indexOf(a) - STANDARD.indexOf(b)
  })

describe("reference description requests", () => {
  it("default call ({model, messages}) never puts the PT endpoint in attempts; PT is held for escalation", () => {
    for (let seed = 0; seed < 50; seed++) {
      const p = plan(request(), candidates, snapshot(), options(seed))
      expect([...slugs(p.attempts)].sort()).toEqual([...STANDARD].sort())
      expect(slugs(p.escalation)).toEqual(["google-vertex/pt"])
      expect(p.excluded).toEqual([])
      // after the weighted first pick the fallbacks follow in ascending price
      const rest = slugs(p.attempts).slice(1)
      expect(rest).toEqual(byPrice(rest))
    }
  })

  it("default call load-balances the first attempt by 1/price² (cheapest is picked most often)", () => {
    const counts = new Map<string, number>()
    const runs = 4000
    for (let seed = 0; seed < runs; seed++) {
      const first = plan(request(), candidates, snapshot(), options(seed)).attempts[0]!.endpoint.slug
      counts.set(first, (counts.get(first) ?? 0) + 1)
    }
    const weights = STANDARD.map((slug) => 1 / blendedPrice(candidates.find((e) => e.slug === slug)!) ** 2)
    const total = weights.reduce((a, b) => a + b, 0)
    STANDARD.forEach((slug, i) => {
      expect((counts.get(slug) ?? 0) / runs).toBeCloseTo(weights[i]! / total, 1)
    })
  })

  it("PT mode: order ['google-vertex/pt'] with allow_fallbacks tries the PT endpoint first, then the standard fallbacks", () => {
    const p = plan(request({ order: ["google-vertex/pt"], allow_fallbacks: true }), candidates, snapshot(), options(7))
    expect(slugs(p.attempts)).toEqual(["google-vertex/pt", ...byPrice(STANDARD)])
    expect(p.attempts[0]!.reasons).toContain("order[0]: google-vertex/pt")
    expect(p.escalation).toEqual([])
    expect(p.steps).toContain("order: google-vertex/pt first")
  })

  it("smart retry: the escalation plan keeps standard endpoints first and admits PT after them", () => {
    const p = plan(request(), candidates, snapshot(), options(3, true))
    expect(slugs(p.attempts).slice(0, 4).sort()).toEqual([...STANDARD].sort())
    expect(slugs(p.attempts)[4]).toBe("google-vertex/pt")
    expect(p.attempts[4]!.reasons).toContain("escalation: provisioned after standard")
    expect(p.escalation).toEqual([])
  })

  it("sort: 'price' orders by effective price (discount applied), no randomness", () => {
    const p = plan(request({ sort: "price" }), candidates, snapshot(), options(1))
    // chutes lists 1.5/11 but has a 20% discount: effective 1.2/8.8 = 10 < google-vertex 11.25
    expect(slugs(p.attempts)).toEqual(["deepinfra", "chutes", "google-vertex", "google-ai-studio"])
    expect(plan(request({ sort: "price" }), candidates, snapshot(), options(99)).attempts).toEqual(p.attempts)
    expect(slugs(p.escalation)).toEqual(["google-vertex/pt"])
  })

  it("sort: 'latency' with preferred_max_latency {p90: 3} ranks by p90 and moves misses to the end", () => {
    const live = snapshot({
      [`${GEMINI}@google-vertex`]: { latency: percentiles(0.8, 1.2, 2.5, 4) },
      [`${GEMINI}@google-ai-studio`]: { latency: percentiles(0.4, 1.5, 4, 6) },
      [`${GEMINI}@deepinfra`]: { latency: percentiles(0.6, 0.8, 1, 1.5) },
    })
    const p = plan(request({ sort: "latency", preferred_max_latency: { p90: 3 } }), candidates, live, options(1))
    // chutes has no numbers: not penalised, but after the measured ones; ai-studio misses p90 ≤ 3 s
    expect(slugs(p.attempts)).toEqual(["deepinfra", "google-vertex", "chutes", "google-ai-studio"])
    expect(p.attempts[3]!.reasons).toContain("deprioritized: preferred_max_latency.p90")
    expect(p.attempts.length).toBe(4)
  })

  it("sort: 'throughput' orders by p50 tokens/s, highest first, endpoints without numbers last", () => {
    const live = snapshot({
      [`${GEMINI}@google-vertex`]: { throughput: percentiles(80) },
      [`${GEMINI}@google-ai-studio`]: { throughput: percentiles(120) },
      [`${GEMINI}@deepinfra`]: { throughput: percentiles(40) },
    })
    const p = plan(request({ sort: "throughput" }), candidates, live, options(1))
    expect(slugs(p.attempts)).toEqual(["google-ai-studio", "google-vertex", "deepinfra", "chutes"])
  })

  it("data_collection: 'deny' drops the endpoints that store or train on prompts", () => {
    const p = plan(request({ data_collection: "deny" }), candidates, snapshot(), options(1))
    expect([...slugs(p.attempts)].sort()).toEqual(["chutes", "google-vertex"])
    expect(p.excluded).toEqual([
      { endpoint: `${GEMINI}@google-ai-studio`, model: GEMINI, reasons: ["data_policy:training"] },
      { endpoint: `${GEMINI}@deepinfra`, model: GEMINI, reasons: ["data_policy:training"] },
    ])
    expect(p.steps).toContain("filter: 2 dropped (data_policy:training ×2)")
  })
})
