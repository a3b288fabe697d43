import { describe, expect, it } from "vitest"
import type { EndpointConfig } from "../../src/catalog/config.js"
import { plan } from "../../src/policy/plan.js"
import {
  endpointsOf,
  excludedBy,
  GEMINI,
  GPT,
  modelCatalog,
  options,
  percentiles,
  referenceCatalog,
  request,
  slugs,
  snapshot,
} from "./helpers.js"

const ep = (provider: string, prompt: number, over: Partial<EndpointConfig> = {}): EndpointConfig => ({
  provider,
  price: { prompt, completion: 0 },
  contextLength: 100_000,
  ...over,
})
const id = (slug: string) => `${GEMINI}@${slug}`

describe("order", () => {
  const endpoints = modelCatalog([
    ep("chutes", 1),
    ep("google-vertex", 5),
    ep("google-vertex", 3, { variant: "eu" }),
    ep("deepinfra", 4),
    ep("openai", 2),
  ]).endpoints

  it("order entries come first in the given order; several endpoints of one entry keep price order", () => {
    const p = plan(request({ order: ["google-vertex", "deepinfra"] }), endpoints, snapshot(), options(1))
    expect(slugs(p.attempts)).toEqual(["google-vertex/eu", "google-vertex", "deepinfra", "chutes", "openai"])
    expect(p.attempts[1]!.reasons).toContain("order[0]: google-vertex")
    expect(p.attempts[3]!.reasons).toContain("after order: by price")
  })

  it("entries matching nothing are skipped; an endpoint matched twice is placed by its first entry", () => {
    const p = plan(
      request({ order: ["fireworks", "deepinfra", "google-vertex/eu", "google-vertex"] }),
      endpoints,
      snapshot(),
      options(1),
    )
    expect(slugs(p.attempts)).toEqual(["deepinfra", "google-vertex/eu", "google-vertex", "chutes", "openai"])
  })

  it("allow_fallbacks: false keeps only the order endpoints", () => {
    const p = plan(
      request({ order: ["deepinfra", "openai"], allow_fallbacks: false }),
      endpoints,
      snapshot(),
      options(1),
    )
    expect(slugs(p.attempts)).toEqual(["deepinfra", "openai"])
    expect(excludedBy(p, id("chutes"))).toEqual(["not_in_order"])
    expect(excludedBy(p, id("google-vertex/eu"))).toEqual(["not_in_order"])
  })

  it("allow_fallbacks: false with only/order disjoint fails closed (empty plan)", () => {
    const p = plan(
      request({ order: ["deepinfra"], only: ["openai"], allow_fallbacks: false }),
      endpoints,
      snapshot(),
      options(1),
    )
    expect(p.attempts).toEqual([])
    expect(excludedBy(p, id("deepinfra"))).toEqual(["allowed_providers"])
    expect(excludedBy(p, id("openai"))).toEqual(["not_in_order"])
  })

  it("with fallbacks allowed, order is soft and only stays a hard allow-list", () => {
    const p = plan(request({ order: ["deepinfra"], only: ["openai", "chutes"] }), endpoints, snapshot(), options(1))
    expect(slugs(p.attempts)).toEqual(["chutes", "openai"])
  })
})

describe("load balancing (no sort, no order)", () => {
  // wire-facts §1 example: A=$1/M, B=$2/M with a recent outage, C=$3/M.
  const endpoints = modelCatalog([ep("chutes", 1), ep("deepinfra", 2), ep("openai", 3)]).endpoints
  const snap = snapshot({ [id("deepinfra")]: { recentOutage: true } })

  it("A is ~9× more likely first than C; the fallback order is then C, and B (outage) last", () => {
    let a = 0
    let c = 0
    for (let seed = 0; seed < 3000; seed++) {
      const order = slugs(plan(request(), endpoints, snap, options(seed)).attempts)
      expect(order[2]).toBe("deepinfra")
      if (order[0] === "chutes") a++
      else c++
    }
    expect(a / c).toBeGreaterThan(7)
    expect(a / c).toBeLessThan(11.5)
    const sample = plan(request(), endpoints, snap, options(1))
    expect(sample.attempts[2]!.reasons).toContain("recent outage: behind stable endpoints")
  })

  it("a recent outage does not matter once sort is set", () => {
    const p = plan(request({ sort: "price" }), endpoints, snap, options(1))
    expect(slugs(p.attempts)).toEqual(["chutes", "deepinfra", "openai"])
  })
  it("a measured success rate prices an endpoint per successful request: demoted in proportion, not to the back", () => {
    // A $1 endpoint failing 5% of calls costs $1/0.95² ≈ $1.11 per success: still the cheapest; B fails a third
    // of its calls: $2/0.67² ≈ $4.5, now dearer than C
    const measured = snapshot({ [id("chutes")]: { successRate: 0.95 }, [id("deepinfra")]: { successRate: 2 / 3 } })
    let a = 0
    for (let seed = 0; seed < 2000; seed++) {
      const order = slugs(plan(request(), endpoints, measured, options(seed)).attempts)
      if (order[0] === "chutes") a++
      // after the weighted pick, the rest follow by price per success: chutes, openai, deepinfra
      expect(order.slice(1)).toEqual(["chutes", "openai", "deepinfra"].filter((x) => x !== order[0]))
    }
    // weights 1/1.108² : 1/3² : 1/4.5² → chutes first ≈ 86% of the time
    expect(a / 2000).toBeGreaterThan(0.8)
    const sample = plan(request(), endpoints, measured, options(1))
    const b = sample.attempts.find((x) => x.endpoint.slug === "deepinfra")!
    expect(b.reasons.some((r) => r.startsWith("priced per success: 2 → 4.5"))).toBe(true)
    expect(b.reasons).not.toContain("recent outage: behind stable endpoints")
  })

  it("failurePenalty 0 prices only the expected attempts (price ÷ success rate)", () => {
    const measured = snapshot({ [id("deepinfra")]: { successRate: 0.5 } })
    const sample = plan(request(), endpoints, measured, { ...options(1), failurePenalty: 0 })
    const b = sample.attempts.find((x) => x.endpoint.slug === "deepinfra")!
    expect(b.reasons.some((r) => r.startsWith("priced per success: 2 → 4 "))).toBe(true)
  })
})

describe("soft deprioritisation", () => {
  const endpoints = modelCatalog([ep("chutes", 1), ep("deepinfra", 2), ep("openai", 3), ep("azure", 4)]).endpoints

  it("predicted utilization over 100% moves an endpoint behind those with headroom, keeping order within groups", () => {
    const snap = snapshot({
      [id("chutes")]: { predictedUtilization: 1.3 },
      [id("openai")]: { predictedUtilization: 1.01 },
      [id("deepinfra")]: { predictedUtilization: 1 },
    })
    const p = plan(request({ sort: "price" }), endpoints, snap, options(1))
    expect(slugs(p.attempts)).toEqual(["deepinfra", "azure", "chutes", "openai"])
    expect(p.attempts[2]!.reasons).toContain("deprioritized: predicted utilization over 100%")
  })

  it("preferred_min_throughput as a number applies to p50; misses go last, no data is not penalised", () => {
    const snap = snapshot({
      [id("chutes")]: { throughput: percentiles(20, 50, 90, 100) },
      [id("deepinfra")]: { throughput: percentiles(60, 40, 30, 10) },
    })
    const p = plan(request({ sort: "price", preferred_min_throughput: 50 }), endpoints, snap, options(1))
    expect(slugs(p.attempts)).toEqual(["deepinfra", "openai", "azure", "chutes"])
    expect(p.attempts[3]!.reasons).toContain("deprioritized: preferred_min_throughput.p50")
  })

  it("every given percentile cutoff must be met", () => {
    const snap = snapshot({
      [id("chutes")]: { latency: percentiles(0.5, 1, 2, 9) },
      [id("deepinfra")]: { latency: percentiles(0.5, 1, 2, 4) },
    })
    const p = plan(request({ sort: "price", preferred_max_latency: { p50: 1, p99: 5 } }), endpoints, snap, options(1))
    expect(slugs(p.attempts)).toEqual(["deepinfra", "openai", "azure", "chutes"])
    expect(p.attempts[3]!.reasons).toContain("deprioritized: preferred_max_latency.p99")
    expect(p.steps).toContain("preferred_max_latency: 1 deprioritized (chutes)")
  })

  it("preferences never drop an endpoint", () => {
    const snap = snapshot({
      [id("chutes")]: { latency: percentiles(30) },
      [id("deepinfra")]: { latency: percentiles(30) },
      [id("openai")]: { latency: percentiles(30) },
      [id("azure")]: { latency: percentiles(30) },
    })
    const p = plan(request({ preferred_max_latency: 1 }), endpoints, snap, options(1))
    expect(p.attempts.length).toBe(4)
    expect(p.excluded).toEqual([])
  })
})

describe("model fallbacks and partition", () => {
  const catalog = referenceCatalog()
  const candidates = endpointsOf(catalog, GEMINI, GPT)
  const two = (provider: object) => request(provider, { models: [GEMINI, GPT] })

  it("partition 'model' (default) keeps the fallback model's endpoints after the primary model's", () => {
    const p = plan(two({ sort: "price" }), candidates, snapshot(), options(1))
    expect(slugs(p.attempts)).toEqual(["deepinfra", "chutes", "google-vertex", "google-ai-studio", "azure", "openai"])
    expect(p.attempts[4]!.reasons).toContain(`fallback model: ${GPT}`)
  })

  it("partition 'none' sorts across every model", () => {
    const p = plan(two({ sort: { by: "price", partition: "none" } }), candidates, snapshot(), options(1))
    expect(slugs(p.attempts)).toEqual(["deepinfra", "chutes", "azure", "google-vertex", "google-ai-studio", "openai"])
  })

  it("default load balancing also keeps the fallback model last", () => {
    for (let seed = 0; seed < 20; seed++) {
      const p = plan(two({}), candidates, snapshot(), options(seed))
      expect(p.attempts.slice(4).map((a) => a.endpoint.model)).toEqual([GPT, GPT])
    }
  })

  it("allow_fallbacks: false without order keeps the best endpoint of each model (model fallbacks stay)", () => {
    const p = plan(two({ sort: "price", allow_fallbacks: false }), candidates, snapshot(), options(1))
    expect(slugs(p.attempts)).toEqual(["deepinfra", "azure"])
    expect(excludedBy(p, `${GEMINI}@chutes`)).toEqual(["not_in_order"])
  })
})
