import fc from "fast-check"
import { describe, expect, it } from "vitest"
import type { EndpointConfig } from "../../src/catalog/config.js"
import { plan } from "../../src/policy/plan.js"
import { blendedPrice, effectivePromptPrice, rankPrice } from "../../src/policy/price.js"
import { catalogOf, GEMINI, options, request, slugs, snapshot } from "./helpers.js"

// `claude` bills cache reads at 0.1× and writes at 1.25× (the anthropic kind's defaults); `oai` reads at 0.5×.
const catalog = catalogOf({
  providers: [
    { slug: "claude", kind: "anthropic" },
    { slug: "oai", kind: "openai-compatible" },
    { slug: "plain", kind: "openai-compatible" },
  ],
  models: [
    {
      id: GEMINI,
      endpoints: [
        { provider: "claude", price: { prompt: 3, completion: 15 }, contextLength: 100_000 },
        { provider: "oai", price: { prompt: 2.5, completion: 15 }, contextLength: 100_000 },
        { provider: "plain", price: { prompt: 2, completion: 15 }, contextLength: 100_000 } satisfies EndpointConfig,
      ],
    },
  ],
})
const endpoints = catalog.endpoints
const at = (slug: string) => endpoints.find((e) => e.slug === slug)!
const id = (slug: string) => at(slug).id

describe("effective price: the list price adjusted by the measured prompt-cache share", () => {
  it("is the list price without a measurement, and each share of the prompt at its cache price with one", () => {
    const claude = at("claude")
    expect(rankPrice(claude, undefined)).toBe(blendedPrice(claude))
    // 60% read at 0.3, 10% written (4% for one hour at 6, 6% for five minutes at 3.75), 30% at 3
    const prompt = effectivePromptPrice(claude, { read: 0.6, write: 0.1, write1h: 0.04 })
    expect(prompt).toBeCloseTo(0.3 * 3 + 0.6 * 0.3 + 0.06 * 3.75 + 0.04 * 6, 12)
    expect(rankPrice(claude, { read: 0.6, write: 0.1, write1h: 0.04 })).toBeCloseTo(prompt + 15, 12)
  })

  it("property: cache reads never raise it; no hits and no writes is the list price", () => {
    fc.assert(
      fc.property(
        fc.constantFrom("claude", "oai", "plain"),
        fc.double({ min: 0, max: 1, noNaN: true }),
        (slug, read) => {
          const e = at(slug)
          expect(rankPrice(e, { read, write: 0, write1h: 0 })).toBeLessThanOrEqual(blendedPrice(e) + 1e-12)
          expect(rankPrice(e, { read: 0, write: 0, write1h: 0 })).toBeCloseTo(blendedPrice(e), 12)
        },
      ),
    )
  })

  it("sort: price ranks by it — an endpoint whose cache hits make it cheaper goes first, and the trace says which price", () => {
    const listOnly = plan(request({ sort: "price" }), endpoints, snapshot(), options(1))
    expect(slugs(listOnly.attempts)).toEqual(["plain", "oai", "claude"])
    expect(listOnly.steps.join("\n")).not.toContain("effective")

    const measured = snapshot({ [id("claude")]: { cacheShares: { read: 0.9, write: 0.05, write1h: 0 } } })
    const p = plan(request({ sort: "price" }), endpoints, measured, options(1))
    // claude: 0.05×3 + 0.9×0.3 + 0.05×3.75 + 15 = 15.6075 < plain 17 < oai 17.5
    expect(slugs(p.attempts)).toEqual(["claude", "plain", "oai"])
    expect(p.attempts[0]!.reasons).toContain("price: effective $15.61/M (list $18/M; cache reads 90%, writes 5%)")
    expect(p.attempts[1]!.reasons.some((r) => r.startsWith("price:"))).toBe(false)
    expect(p.steps).toContain("price: effective (measured prompt-cache share) for claude; list price for the others")
  })

  it("the default load balancing weighs 1/price² with the effective price", () => {
    const measured = snapshot({ [id("claude")]: { cacheShares: { read: 0.95, write: 0, write1h: 0 } } })
    let claudeFirst = 0
    for (let seed = 0; seed < 400; seed++) {
      const p = plan(request(), endpoints, measured, options(seed))
      if (p.attempts[0]!.endpoint.slug === "claude") claudeFirst++
    }
    // weights 1/15.435², 1/17², 1/17.5²: claude first ≈ 37% of the time (list price: ≈ 28%)
    const w = [15.435, 17, 17.5].map((x) => 1 / x ** 2)
    expect(claudeFirst / 400).toBeCloseTo(w[0]! / (w[0]! + w[1]! + w[2]!), 1)
  })

  it("latency and throughput sorts do not rank by price, so they name no price", () => {
    const measured = snapshot({ [id("claude")]: { cacheShares: { read: 0.9, write: 0, write1h: 0 } } })
    const p = plan(request({ sort: "latency" }), endpoints, measured, options(1))
    expect(p.attempts.flatMap((a) => a.reasons).some((r) => r.startsWith("price:"))).toBe(false)
  })
})
