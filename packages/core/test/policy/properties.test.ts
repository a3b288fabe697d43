import fc from "fast-check"
import { describe, expect, it } from "vitest"
import type { Endpoint } from "../../src/catalog/endpoint.js"
import { plan } from "../../src/policy/plan.js"
import type { RoutePlan } from "../../src/policy/types.js"
import { preferencesArb, type Scenario, scenarioArb, slugsArb } from "./arbitraries.js"
import { seeded } from "./helpers.js"

const RUNS = { numRuns: 300 }
/** Requests that always carry an `order`. */
const withOrder = fc.tuple(preferencesArb, slugsArb).map(([p, order]) => ({ ...p, order }))

const run = (sc: Scenario): RoutePlan =>
  plan(sc.request, sc.candidates, sc.snapshot, { random: seeded(sc.seed), escalating: sc.escalating })

/** Independent statement of slug matching (wire-facts §1). */
const matches = (entry: string, e: Endpoint): boolean =>
  entry === e.slug || (!entry.includes("/") && entry === e.provider && !e.serviceTier)
const matchesAny = (entries: ReadonlyArray<string> | undefined, e: Endpoint) =>
  (entries ?? []).some((entry) => matches(entry, e))
const kept = (p: RoutePlan): ReadonlyArray<Endpoint> => [...p.attempts, ...p.escalation].map((a) => a.endpoint)
const partitionOf = (sc: Scenario, e: Endpoint): number => {
  const sort = sc.request.provider.sort
  const none = sort !== undefined && typeof sort !== "string" && sort.partition === "none"
  return none ? 0 : sc.request.models.indexOf(e.model)
}

describe("plan properties", () => {
  it("every candidate ends in exactly one of attempts / escalation / excluded, with reasons", () => {
    fc.assert(
      fc.property(scenarioArb(), (sc) => {
        const p = run(sc)
        const seen = [
          ...p.attempts.map((a) => a.endpoint.id),
          ...p.escalation.map((a) => a.endpoint.id),
          ...p.excluded.map((x) => x.endpoint),
        ]
        expect([...seen].sort()).toEqual(sc.candidates.map((e) => e.id).sort())
        for (const x of p.excluded) expect(x.reasons.length).toBeGreaterThan(0)
        for (const a of [...p.attempts, ...p.escalation]) expect(a.reasons.length).toBeGreaterThan(0)
        for (const e of p.escalation) expect(e.endpoint.pool).toBe("provisioned")
      }),
      RUNS,
    )
  })

  it("explain: false writes no reasons or steps and decides the same (attempts, order, escalation, exclusions)", () => {
    fc.assert(
      fc.property(scenarioArb(), (sc) => {
        const explained = run(sc)
        const bare = plan(sc.request, sc.candidates, sc.snapshot, {
          random: seeded(sc.seed),
          escalating: sc.escalating,
          explain: false,
        })
        const ids = (xs: RoutePlan["attempts"]) => xs.map((a) => a.endpoint.id)
        expect(ids(bare.attempts)).toEqual(ids(explained.attempts))
        expect(ids(bare.escalation)).toEqual(ids(explained.escalation))
        expect(bare.excluded).toEqual(explained.excluded)
        expect(bare.steps).toEqual([])
        for (const a of [...bare.attempts, ...bare.escalation]) expect(a.reasons).toEqual([])
      }),
      RUNS,
    )
  })

  it("data_collection: deny never yields a data-collecting endpoint; zdr only yields ZDR endpoints", () => {
    fc.assert(
      fc.property(scenarioArb(), (sc) => {
        const p = run(sc)
        for (const e of kept(p)) {
          if (sc.request.provider.data_collection === "deny") expect(e.dataPolicy.collects).toBe(false)
          if (sc.request.provider.zdr === true) expect(e.dataPolicy.zdr).toBe(true)
        }
      }),
      RUNS,
    )
  })

  it("only ⊆ and ignore ∩ = ∅", () => {
    fc.assert(
      fc.property(scenarioArb(), (sc) => {
        const { only, ignore } = sc.request.provider
        for (const e of kept(run(sc))) {
          if (only !== undefined) expect(matchesAny(only, e)).toBe(true)
          expect(matchesAny(ignore, e)).toBe(false)
        }
      }),
      RUNS,
    )
  })

  it("order is a prefix of each partition, in entry order, for every order endpoint that survives the filters", () => {
    fc.assert(
      fc.property(scenarioArb(fc.oneof(preferencesArb, withOrder)), (sc) => {
        const order = sc.request.provider.order ?? []
        // provisioned endpoints are placed only by their full slug
        const rank = (e: Endpoint) =>
          order.findIndex((entry) => (e.pool === "provisioned" ? entry === e.slug : matches(entry, e)))
        const p = run(sc)
        const byPartition = new Map<number, Array<number>>()
        for (const a of p.attempts) {
          const key = partitionOf(sc, a.endpoint)
          byPartition.set(key, [...(byPartition.get(key) ?? []), rank(a.endpoint)])
        }
        for (const ranks of byPartition.values()) {
          const prefix = ranks.findIndex((r) => r < 0)
          const head = prefix < 0 ? ranks : ranks.slice(0, prefix)
          const tail = prefix < 0 ? [] : ranks.slice(prefix)
          expect(tail.every((r) => r < 0)).toBe(true)
          expect(head).toEqual([...head].sort((a, b) => a - b))
        }
        const excluded = new Set(p.excluded.map((x) => x.endpoint))
        const attempted = new Set(p.attempts.map((a) => a.endpoint.id))
        for (const e of sc.candidates) {
          if (rank(e) >= 0 && !excluded.has(e.id)) expect(attempted.has(e.id)).toBe(true)
        }
      }),
      RUNS,
    )
  })

  it("allow_fallbacks: false → nothing outside order (or, without order, one endpoint per model)", () => {
    const closed = fc.oneof(preferencesArb, withOrder).map((p) => ({ ...p, allow_fallbacks: false }))
    fc.assert(
      fc.property(scenarioArb(closed), (sc) => {
        const p = run(sc)
        const order = sc.request.provider.order
        if (order !== undefined && order.length > 0) {
          for (const e of kept(p)) expect(matchesAny(order, e)).toBe(true)
        } else {
          const models = p.attempts.map((a) => a.endpoint.model)
          expect(new Set(models).size).toBe(models.length)
          expect(p.escalation).toEqual([])
        }
      }),
      RUNS,
    )
  })

  it("sort by price is non-decreasing within a partition (headroom first, then predicted over capacity)", () => {
    const byPrice = preferencesArb.map((p) => {
      const { order: _o, high_availability: _h, preferred_max_latency: _l, preferred_min_throughput: _t, ...rest } = p
      const partition = typeof p.sort === "object" ? p.sort.partition : undefined
      return { ...rest, sort: partition === undefined ? ("price" as const) : { by: "price" as const, partition } }
    })
    fc.assert(
      fc.property(scenarioArb(byPrice), (sc) => {
        const p = run(sc)
        const over = (e: Endpoint) => (sc.snapshot.endpoints.get(e.id)?.predictedUtilization ?? 0) > 1
        const price = (e: Endpoint) => e.effectivePrompt + e.effectiveCompletion
        const keyOf = (e: Endpoint) => [partitionOf(sc, e), e.pool === "provisioned" ? 1 : 0, over(e) ? 1 : 0, price(e)]
        const keys = p.attempts.map((a) => keyOf(a.endpoint))
        for (let i = 1; i < keys.length; i++) {
          const [a, b] = [keys[i - 1]!, keys[i]!]
          const cmp = a[0]! - b[0]! || a[1]! - b[1]! || a[2]! - b[2]! || a[3]! - b[3]!
          expect(cmp).toBeLessThanOrEqual(0)
        }
      }),
      RUNS,
    )
  })

  it("max_price is never exceeded (effective prices)", () => {
    fc.assert(
      fc.property(scenarioArb(), (sc) => {
        const max = sc.request.provider.max_price
        if (max === undefined) return
        for (const e of kept(run(sc))) {
          if (max.prompt !== undefined) expect(e.effectivePrompt).toBeLessThanOrEqual(max.prompt)
          if (max.completion !== undefined) expect(e.effectiveCompletion).toBeLessThanOrEqual(max.completion)
          if (max.request !== undefined)
            expect((e.price.request ?? 0) * (1 - (e.price.discount ?? 0))).toBeLessThanOrEqual(max.request)
        }
      }),
      RUNS,
    )
  })

  it("PT never appears in attempts unless opted in (named in order, high_availability) or escalating; never for batch", () => {
    fc.assert(
      fc.property(scenarioArb(), (sc) => {
        const p = run(sc)
        const { order, high_availability } = sc.request.provider
        for (const a of p.attempts) {
          if (a.endpoint.pool !== "provisioned") continue
          expect(sc.request.priority).not.toBe("batch")
          const named = (order ?? []).includes(a.endpoint.slug)
          expect(named || high_availability === true || sc.escalating).toBe(true)
        }
        if (sc.request.priority === "batch") expect(p.escalation).toEqual([])
      }),
      RUNS,
    )
  })

  it("hard filters hold for every kept endpoint: live state, context, max_tokens, require_parameters", () => {
    fc.assert(
      fc.property(scenarioArb(), (sc) => {
        const r = sc.request
        for (const e of kept(run(sc))) {
          const l = sc.snapshot.endpoints.get(e.id)
          expect(l?.breaker).not.toBe("open")
          expect((l?.cooldownUntil ?? 0) > sc.snapshot.now).toBe(false)
          expect(r.estimatedPromptTokens + (r.maxTokens ?? 0)).toBeLessThanOrEqual(e.contextLength)
          if (r.maxTokens !== undefined && e.maxOutput !== undefined)
            expect(r.maxTokens).toBeLessThanOrEqual(e.maxOutput)
          if (r.provider.require_parameters === true && e.supportedParameters.size > 0)
            for (const param of r.parameters) expect(e.supportedParameters.has(param)).toBe(true)
        }
      }),
      RUNS,
    )
  })

  it("same random seed → same plan; the inputs are not mutated", () => {
    fc.assert(
      fc.property(scenarioArb(), (sc) => {
        const before = JSON.stringify(sc.request)
        const a = run(sc)
        const b = run(sc)
        expect(b).toEqual(a)
        expect(JSON.stringify(sc.request)).toBe(before)
      }),
      RUNS,
    )
  })
})
