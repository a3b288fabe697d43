/**
 * The `provider` object as wire-facts §1 defines it: `additionalProperties: false` (an unknown key is a
 * 400 naming it) and every field nullable (`null` means the same as leaving the field out), in the
 * request decoders and in the config schemas that reuse it.
 */
import { Result, Schema } from "effect"
import { describe, expect, it } from "vitest"
import {
  ChatRequest,
  closestKey,
  decodeCatalog,
  ProviderPreferences,
  RoutingRequest,
  requestDecoderSync,
} from "../../src/index.js"

const decodeRouting = requestDecoderSync(RoutingRequest)
const decodeChat = requestDecoderSync(ChatRequest)
const hello = [{ role: "user", content: "Hello" }]
const withProvider = (provider: unknown) => ({ model: "m", messages: hello, provider })

/** Every field wire-facts §1 lists for the `provider` object. */
const WIRE_FACTS_FIELDS = [
  "order",
  "allow_fallbacks",
  "require_parameters",
  "data_collection",
  "zdr",
  "enforce_distillable_text",
  "only",
  "ignore",
  "quantizations",
  "sort",
  "preferred_min_throughput",
  "preferred_max_latency",
  "max_price",
]

/** Switchyard's extensions. */
const SWITCHYARD_FIELDS = ["high_availability", "escalation", "priority", "hedge", "max_wait_ms"]

const rejected = (provider: unknown) => {
  const r = decodeRouting(withProvider(provider))
  if (r.ok) throw new Error(`accepted ${JSON.stringify(provider)}`)
  return r.error
}

describe("provider: every field nullable, null = absent", () => {
  it("accepts null in every field, decoded as if the field were not there", () => {
    for (const decode of [decodeRouting, decodeChat]) {
      const r = decode(withProvider({ order: null, sort: null, allow_fallbacks: null, only: null }))
      expect(r.ok && r.value.provider).toEqual({})
      const all = Object.fromEntries([...WIRE_FACTS_FIELDS, ...SWITCHYARD_FIELDS].map((k) => [k, null]))
      const r2 = decode(withProvider(all))
      expect(r2.ok && r2.value.provider).toEqual({})
    }
  })

  it("covers every wire-facts field (the schema declares them all)", () => {
    for (const field of WIRE_FACTS_FIELDS) {
      const r = decodeRouting(withProvider({ [field]: null }))
      expect(r.ok, field).toBe(true)
    }
  })

  it("keeps the values next to the nulls", () => {
    const r = decodeRouting(withProvider({ order: ["a"], only: null, allow_fallbacks: false, sort: null }))
    expect(r.ok && r.value.provider).toEqual({ order: ["a"], allow_fallbacks: false })
    expect(r.ok && r.value.provider !== undefined && "only" in r.value.provider).toBe(false)
  })

  it("accepts null inside the nested objects (max_price, percentile cutoffs, sort)", () => {
    const r = decodeRouting(
      withProvider({
        max_price: { prompt: null, completion: "2", request: null, image: null, audio: null },
        preferred_max_latency: { p50: null, p90: 3, p75: null, p99: null },
        preferred_min_throughput: { p50: 10, p99: null },
        sort: { by: "price", partition: null },
      }),
    )
    expect(r.ok && r.value.provider).toEqual({
      max_price: { completion: 2 },
      preferred_max_latency: { p90: 3 },
      preferred_min_throughput: { p50: 10 },
      sort: { by: "price" },
    })
  })

  it("a null `provider` object is the same as none", () => {
    for (const decode of [decodeRouting, decodeChat]) {
      const r = decode(withProvider(null))
      expect(r.ok).toBe(true)
      expect(r.ok && "provider" in r.value).toBe(false)
    }
  })

  it("still rejects wrong types (null is the only new value)", () => {
    expect(rejected({ order: "a" }).param).toBe("provider.order")
    expect(rejected({ sort: { by: null } }).param).toBe("provider.sort.by")
    expect(rejected({ allow_fallbacks: "no" }).param).toBe("provider.allow_fallbacks")
  })
})

describe("provider: additionalProperties false", () => {
  it("rejects a typo with invalid_parameter, the key in param and the closest known key in the message", () => {
    const e = rejected({ order: ["up"], allow_fallback: false })
    expect(e.code).toBe("invalid_parameter")
    expect(e.param).toBe("provider.allow_fallback")
    expect(e.message).toContain("provider.allow_fallback: Not a known field")
    expect(e.message).toContain('did you mean "allow_fallbacks"?')
  })

  it("the chat decoder rejects it too", () => {
    const r = decodeChat(withProvider({ allow_fallback: false }))
    expect(!r.ok && r.error.param).toBe("provider.allow_fallback")
  })

  it("lists the known fields when nothing is close", () => {
    const e = rejected({ banana: 1 })
    expect(e.param).toBe("provider.banana")
    expect(e.message).toContain("known: order, allow_fallbacks")
  })

  it.each([
    [{ max_price: { promt: 1 } }, "provider.max_price.promt", "prompt"],
    [{ preferred_max_latency: { p_90: 1 } }, "provider.preferred_max_latency.p_90", "p90"],
    [{ preferred_min_throughput: { P50: 1 } }, "provider.preferred_min_throughput.P50", "p50"],
    [{ sort: { by: "price", partiton: "none" } }, "provider.sort.partiton", "partition"],
  ])("rejects unknown keys in nested objects: %j → %s", (provider, param, suggestion) => {
    const e = rejected(provider)
    expect(e.param).toBe(param)
    expect(e.message).toContain(`did you mean "${suggestion}"?`)
  })

  it("bounds the echo: keys cut to 200 characters, at most 5 listed", () => {
    const long = "x".repeat(1_000_000)
    const e = rejected({ [long]: 1 })
    expect(e.param).toBe(`provider.${"x".repeat(200)}`)
    expect(e.message.length).toBeLessThan(1_000)

    const many = Object.fromEntries(Array.from({ length: 10_000 }, (_, i) => [`k${i}`, 1]))
    const e2 = rejected(many)
    expect(e2.param).toBe("provider.k0")
    expect(e2.message).toContain("and 9995 more unknown fields")
    expect(e2.message.length).toBeLessThan(2_000)
  })

  it("closestKey: at most 2 edits or a case change", () => {
    const known = ["order", "only", "allow_fallbacks", "ignore"]
    expect(closestKey("allow_fallback", known)).toBe("allow_fallbacks")
    expect(closestKey("Order", known)).toBe("order")
    expect(closestKey("ignroe", known)).toBe("ignore")
    expect(closestKey("price", known)).toBeUndefined()
    // camelCase settings are compared without case too: one edit away
    expect(closestKey("maxBodyBytez", ["maxBodyBytes", "maxJsonDepth"])).toBe("maxBodyBytes")
    expect(closestKey("maxbodybytes", ["maxBodyBytes", "maxJsonDepth"])).toBe("maxBodyBytes")
  })
})

describe("config schemas reuse it: a typo in a default fails loudly with its path", () => {
  it("catalog `defaults.provider`", () => {
    const r = decodeCatalog({
      providers: [{ slug: "p", kind: "fake" }],
      models: [
        {
          id: "m",
          defaults: { provider: { allow_fallback: false } },
          endpoints: [{ provider: "p", price: { prompt: 1, completion: 2 }, contextLength: 1000 }],
        },
      ],
    })
    expect(Result.isFailure(r) && r.failure.path).toBe("models.0.defaults.provider.allow_fallback")
    expect(Result.isFailure(r) && r.failure.message).toContain('did you mean "allow_fallbacks"?')
  })

  it("decodes a config null like a request null", () => {
    expect(Schema.decodeUnknownSync(ProviderPreferences)({ only: null, order: ["a"] })).toEqual({ order: ["a"] })
  })
})
