import fc from "fast-check"
import { describe, expect, it } from "vitest"
import type { Endpoint, Usage } from "../../src/index.js"
import { costBreakdown, decorateCompletion, usageJson } from "../../src/router/cost.js"
import { catalogOf } from "./support.js"

const catalog = catalogOf({
  providers: [
    { slug: "acme", kind: "fake" },
    { slug: "claude", kind: "anthropic" },
    { slug: "oai", kind: "openai-compatible" },
    { slug: "gem", kind: "google" },
  ],
  models: [
    {
      id: "m",
      endpoints: [
        { provider: "acme", price: { prompt: 1, completion: 2 }, contextLength: 1_000 },
        { provider: "claude", price: { prompt: 3, completion: 15 }, contextLength: 1_000 },
        { provider: "oai", price: { prompt: 2, completion: 8, cacheRead: 0.5, discount: 0.5 }, contextLength: 1_000 },
        { provider: "gem", price: { prompt: 1.25, completion: 10, request: 0.001 }, contextLength: 1_000 },
      ],
    },
  ],
})
const endpointOf = (slug: string) => catalog.endpointsById.get(`m@${slug}`) as Endpoint
const endpoint = endpointOf("acme")
const usage = { promptTokens: 10, completionTokens: 5, cachedTokens: 0, reasoningTokens: 0 }

describe("served completion", () => {
  it("names the model and provider and adds usage.cost and cost_details, keeping the upstream's fields and their order", () => {
    const body = JSON.parse(
      '{"id":"c1","model":"upstream-name","choices":[],"usage":{"prompt_tokens":10,"completion_tokens":5,"total_tokens":15,"prompt_tokens_details":{"cached_tokens":0}},"system_fingerprint":"fp"}',
    )
    const out = decorateCompletion(body, endpoint, usage, costBreakdown(endpoint, usage))
    expect(JSON.stringify(out)).toBe(
      '{"id":"c1","model":"m","choices":[],"usage":{"prompt_tokens":10,"completion_tokens":5,"total_tokens":15,"prompt_tokens_details":{"cached_tokens":0},"cost":0.00002,"cost_details":{"prompt":0.00001,"cache_read":0,"cache_write":0,"completion":0.00001,"request":0,"cache_savings":0}},"system_fingerprint":"fp","provider":"acme"}',
    )
    // The upstream body is left as it was.
    expect(body.model).toBe("upstream-name")
    expect(body.usage.cost).toBeUndefined()
  })

  it("builds usage from the counted tokens when the upstream sent none", () => {
    expect(usageJson(undefined, usage, costBreakdown(endpoint, usage))).toMatchObject({
      prompt_tokens: 10,
      completion_tokens: 5,
      total_tokens: 15,
      cost: 0.00002,
    })
  })

  it("copies a `__proto__` key of the upstream body as plain data, never as the prototype", () => {
    const body = JSON.parse('{"id":"c1","__proto__":{"polluted":true}}')
    const out = decorateCompletion(body, endpoint, usage, costBreakdown(endpoint, usage))
    expect(Object.getPrototypeOf(out)).toBe(Object.prototype)
    expect((out as { polluted?: boolean }).polluted).toBeUndefined()
    expect(JSON.stringify(out)).toMatch(
      /^\{"id":"c1","__proto__":\{"polluted":true\},"model":"m","provider":"acme","usage":/,
    )
  })
})

/** The same usage with every prompt token at the prompt price. */
const uncached = (e: Endpoint, u: Usage): number =>
  (u.promptTokens * e.effectivePrompt + u.completionTokens * e.effectiveCompletion) / 1e6 +
  (e.price.request ?? 0) * (1 - (e.price.discount ?? 0))

describe("cost with prompt caching", () => {
  it("prices each part of the prompt at its own price: Anthropic's defaults 0.1× reads, 1.25× 5-minute and 2× 1-hour writes", () => {
    const claude = endpointOf("claude")
    expect(claude.effectiveCacheRead).toBeCloseTo(0.3, 15)
    expect([claude.effectiveCacheWrite, claude.effectiveCacheWrite1h]).toEqual([3.75, 6])
    // 100 uncached + 2,000 read + 1,000 written (400 of them for 1 h) prompt tokens, 50 output
    const u: Usage = {
      promptTokens: 3_100,
      completionTokens: 50,
      cachedTokens: 2_000,
      reasoningTokens: 0,
      cacheWriteTokens: 1_000,
      cacheWrite1hTokens: 400,
    }
    const d = costBreakdown(claude, u)
    expect(d.total).toBeCloseTo((100 * 3 + 2_000 * 0.3 + 600 * 3.75 + 400 * 6 + 50 * 15) / 1e6, 15)
    expect(d.prompt).toBeCloseTo(0.0003, 15)
    expect(d.cacheRead).toBeCloseTo(0.0006, 15)
    expect(d.cacheWrite).toBeCloseTo(0.00465, 15)
    expect(d.completion).toBeCloseTo(0.00075, 15)
    expect(d.readSavings).toBeCloseTo((2_000 * (3 - 0.3)) / 1e6, 15)
    expect(d.writePremium).toBeCloseTo((600 * 0.75 + 400 * 3) / 1e6, 15)
    expect(d.readSavings - d.writePremium).toBeCloseTo(uncached(claude, u) - d.total, 15)
  })

  it("an endpoint's own cache price wins over its kind's default; the discount applies to every part", () => {
    const oai = endpointOf("oai")
    expect([oai.effectivePrompt, oai.effectiveCacheRead, oai.effectiveCacheWrite]).toEqual([1, 0.25, 1])
    const gem = endpointOf("gem")
    expect([gem.effectiveCacheRead, gem.effectiveCacheWrite]).toEqual([0.125, 1.25])
    // an unknown kind: no discount assumed
    expect([endpoint.effectiveCacheRead, endpoint.effectiveCacheWrite, endpoint.effectiveCacheWrite1h]).toEqual([
      1, 1, 1,
    ])
  })

  const parts = fc.record({
    slug: fc.constantFrom("acme", "claude", "oai", "gem"),
    uncached: fc.nat(100_000),
    read: fc.nat(100_000),
    write: fc.nat(100_000),
    write1h: fc.nat(100_000),
    completion: fc.nat(10_000),
  })
  const usageOf = (p: typeof parts extends fc.Arbitrary<infer T> ? T : never): Usage => ({
    promptTokens: p.uncached + p.read + p.write + p.write1h,
    completionTokens: p.completion,
    cachedTokens: p.read,
    reasoningTokens: 0,
    cacheWriteTokens: p.write + p.write1h,
    cacheWrite1hTokens: p.write1h,
  })

  it("the parts add up to the cost; savings = cost without caching − cost", () => {
    fc.assert(
      fc.property(parts, (p) => {
        const e = endpointOf(p.slug)
        const u = usageOf(p)
        const d = costBreakdown(e, u)
        expect(d.prompt + d.cacheRead + d.cacheWrite + d.completion + d.request).toBeCloseTo(d.total, 12)
        expect(d.readSavings - d.writePremium).toBeCloseTo(uncached(e, u) - d.total, 12)
        expect(usageJson({}, u, d)).toMatchObject({ cost: d.total })
      }),
    )
  })

  it("property: cost with caching never exceeds cost without — cache hits only lower it (writes are priced apart)", () => {
    fc.assert(
      fc.property(parts, (p) => {
        const e = endpointOf(p.slug)
        const hits: Usage = { ...usageOf(p), cacheWriteTokens: 0, cacheWrite1hTokens: 0 }
        const cold: Usage = { ...hits, promptTokens: hits.promptTokens - p.write - p.write1h }
        expect(costBreakdown(e, cold).total).toBeLessThanOrEqual(uncached(e, cold) + 1e-12)
        expect(costBreakdown(e, cold).readSavings).toBeGreaterThanOrEqual(0)
      }),
    )
  })
})
