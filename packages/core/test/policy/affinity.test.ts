import fc from "fast-check"
import { describe, expect, it } from "vitest"
import type { EndpointConfig } from "../../src/catalog/config.js"
import type { Endpoint } from "../../src/catalog/endpoint.js"
import { plan } from "../../src/policy/plan.js"
import type { PlanOptions, RoutePlan, Snapshot } from "../../src/policy/types.js"
import type { ProviderPreferences } from "../../src/schema/provider-preferences.js"
import { preferencesArb, type Scenario, scenarioArb, slugsArb } from "./arbitraries.js"
import { modelCatalog, NOW, request, seeded, slugs, snapshot } from "./helpers.js"

const RUNS = { numRuns: 300 }

const ep = (provider: string, prompt: number, over: Partial<EndpointConfig> = {}): EndpointConfig => ({
  provider,
  price: { prompt, completion: 0 },
  contextLength: 100_000,
  ...over,
})
// openai-compatible and google kinds: cache reads cost less than the prompt price
const catalog = modelCatalog([ep("deepinfra", 1), ep("chutes", 1.1), ep("openai", 1.4), ep("google-vertex", 1.2)])
const endpoints = catalog.endpoints
const id = (slug: string) => endpoints.find((e) => e.slug === slug)!.id
const withAffinity = (s: Snapshot, endpoint: string | undefined): Snapshot => ({ ...s, affinity: endpoint })
const opts = (seed = 1, tolerance?: number): PlanOptions => ({
  random: seeded(seed),
  escalating: false,
  ...(tolerance === undefined ? {} : { affinityTolerance: tolerance }),
})

describe("conversation affinity in the plan", () => {
  it("the previous turn's endpoint goes first while it is within the price tolerance of the cheapest", () => {
    const p = plan(request({ sort: "price" }), endpoints, withAffinity(snapshot(), id("chutes")), opts())
    expect(slugs(p.attempts)).toEqual(["chutes", "deepinfra", "google-vertex", "openai"])
    expect(p.attempts[0]!.reasons).toContain("affinity: served this conversation's previous turn")
    expect(p.steps).toContain(`affinity: ${id("chutes")} first (10% above the cheapest, within 25%)`)
  })

  it("…and not beyond it: the cheapest wins, the trace says why", () => {
    const p = plan(request({ sort: "price" }), endpoints, withAffinity(snapshot(), id("openai")), opts())
    expect(slugs(p.attempts)).toEqual(["deepinfra", "chutes", "google-vertex", "openai"])
    expect(p.steps).toContain(`affinity: ${id("openai")} not used (40% above the cheapest (tolerance 25%))`)
    const wider = plan(request({ sort: "price" }), endpoints, withAffinity(snapshot(), id("openai")), opts(1, 0.5))
    expect(slugs(wider.attempts)[0]).toBe("openai")
  })

  it("the default load balancing keeps the conversation on its endpoint instead of drawing", () => {
    for (let seed = 0; seed < 50; seed++) {
      const p = plan(request(), endpoints, withAffinity(snapshot(), id("google-vertex")), opts(seed))
      expect(slugs(p.attempts)[0]).toBe("google-vertex")
    }
  })

  it("never with provider.order, never for an endpoint out on live state or a filter, never behind a healthier one", () => {
    const ordered = plan(request({ order: ["openai"] }), endpoints, withAffinity(snapshot(), id("chutes")), opts())
    expect(slugs(ordered.attempts)[0]).toBe("openai")
    expect(ordered.steps).toContain(`affinity: ${id("chutes")} not used (provider.order is set)`)

    const cooling = snapshot({ [id("chutes")]: { cooldownUntil: NOW + 10_000 } })
    const cooled = plan(request({ sort: "price" }), endpoints, withAffinity(cooling, id("chutes")), opts())
    expect(slugs(cooled.attempts)).not.toContain("chutes")
    expect(cooled.steps).toContain(`affinity: ${id("chutes")} not used (not admissible (cooldown))`)

    const ignored = plan(request({ ignore: ["chutes"] }), endpoints, withAffinity(snapshot(), id("chutes")), opts())
    expect(slugs(ignored.attempts)).not.toContain("chutes")

    const outage = snapshot({ [id("chutes")]: { recentOutage: true } })
    const shaky = plan(request(), endpoints, withAffinity(outage, id("chutes")), opts())
    expect(slugs(shaky.attempts).at(-1)).toBe("chutes")
    expect(shaky.steps).toContain(
      `affinity: ${id("chutes")} not used (behind healthier endpoints (outage, capacity or preferences))`,
    )
  })

  it("not for an endpoint whose cache reads cost the prompt price (staying would save nothing)", () => {
    const noDiscount = modelCatalog([
      ep("deepinfra", 1),
      ep("chutes", 1.1, { price: { prompt: 1.1, completion: 0, cacheRead: 1.1 } }),
    ])
    const chutes = noDiscount.endpoints[1]!
    const p = plan(request({ sort: "price" }), noDiscount.endpoints, withAffinity(snapshot(), chutes.id), opts())
    expect(slugs(p.attempts)[0]).toBe("deepinfra")
    expect(p.steps).toContain(`affinity: ${chutes.id} not used (its cache reads cost the prompt price)`)
  })
})

/**
 * The same endpoints pass every rule: attempts (with those `allow_fallbacks: false` set aside as not the best of
 * their model, `not_in_order`: affinity may change which one is best), escalation, and every other exclusion.
 */
const sameSets = (a: RoutePlan, b: RoutePlan) => {
  const ids = (xs: ReadonlyArray<{ readonly endpoint: { readonly id: string } }>) => xs.map((x) => x.endpoint.id).sort()
  const notBest = (p: RoutePlan) => p.excluded.filter((x) => x.reasons.length === 1 && x.reasons[0] === "not_in_order")
  const admitted = (p: RoutePlan) => [...ids(p.attempts), ...notBest(p).map((x) => x.endpoint)].sort()
  expect(admitted(a)).toEqual(admitted(b))
  expect(ids(a.escalation)).toEqual(ids(b.escalation))
  const others = (p: RoutePlan) => p.excluded.filter((x) => !notBest(p).includes(x))
  expect(others(a)).toEqual(others(b))
}
const stickyArb = (sc: Scenario) => fc.constantFrom(...sc.candidates.map((e) => e.id), "vendor/none@nowhere")

describe("conversation affinity: properties", () => {
  it("never violates a hard filter: whatever the previous endpoint, affinity only reorders the admitted endpoints; with order, or a latency/throughput sort, it changes nothing", () => {
    fc.assert(
      fc.property(
        scenarioArb(
          fc.oneof(
            preferencesArb,
            fc.tuple(preferencesArb, slugsArb).map(([p, order]) => ({ ...p, order })),
          ),
        ).chain((sc) => fc.tuple(fc.constant(sc), stickyArb(sc), fc.double({ min: 0, max: 10, noNaN: true }))),
        ([sc, sticky, tolerance]) => {
          const options = { random: seeded(sc.seed), escalating: sc.escalating, affinityTolerance: tolerance }
          const without = plan(sc.request, sc.candidates, sc.snapshot, { ...options, random: seeded(sc.seed) })
          const withIt = plan(sc.request, sc.candidates, withAffinity(sc.snapshot, sticky), options)
          sameSets(without, withIt)
          const sort = sc.request.provider.sort
          const by = typeof sort === "string" ? sort : sort?.by
          if ((sc.request.provider.order?.length ?? 0) > 0 || by === "latency" || by === "throughput")
            expect(slugs(withIt.attempts)).toEqual(slugs(without.attempts))
        },
      ),
      RUNS,
    )
  })

  // Requests ranked by price, without `order`, PT-first or preferred_* cutoffs (the rules affinity defers to).
  const priced: fc.Arbitrary<ProviderPreferences> = preferencesArb.chain((p) =>
    fc.constantFrom(undefined, "price" as const, { by: "price" as const, partition: "none" as const }).map((sort) => {
      const {
        order: _o,
        sort: _s,
        high_availability: _h,
        preferred_max_latency: _l,
        preferred_min_throughput: _t,
        ...rest
      } = p
      return sort === undefined ? rest : { ...rest, sort }
    }),
  )

  it("a session stays put: its endpoint, admitted, healthy and with a cache discount, goes first among its partition's attempts", () => {
    fc.assert(
      fc.property(scenarioArb(priced), fc.nat(), (sc, pick) => {
        const options = (): PlanOptions => ({
          random: seeded(sc.seed),
          escalating: sc.escalating,
          affinityTolerance: 1e9,
        })
        const healthy = (e: Endpoint) => {
          const live = sc.snapshot.endpoints.get(e.id)
          return live === undefined || (!live.recentOutage && !((live.predictedUtilization ?? 0) > 1))
        }
        // the endpoints a conversation can stay on: admitted standard ones, healthy, with a cache discount
        const admitted = plan(sc.request, sc.candidates, sc.snapshot, options()).attempts.map((a) => a.endpoint)
        const eligible = admitted.filter(
          (e) => e.pool === "standard" && healthy(e) && e.effectiveCacheRead < e.effectivePrompt,
        )
        fc.pre(eligible.length > 0)
        const sticky = eligible[pick % eligible.length]!
        // no price is within a tolerance of a free endpoint's (the trace says "the cheapest is free")
        const free = (e: Endpoint) => e.effectivePrompt + e.effectiveCompletion === 0
        fc.pre(free(sticky) || !admitted.some(free))
        const p = plan(sc.request, sc.candidates, withAffinity(sc.snapshot, sticky.id), options())
        const sort = sc.request.provider.sort
        const none = sort !== undefined && typeof sort !== "string" && sort.partition === "none"
        const partition = (x: Endpoint) => (none ? 0 : sc.request.models.indexOf(x.model))
        const first = p.attempts.find((a) => partition(a.endpoint) === partition(sticky))
        expect(first?.endpoint.id).toBe(sticky.id)
      }),
      RUNS,
    )
  })
})
