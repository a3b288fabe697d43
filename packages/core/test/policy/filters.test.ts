import { describe, expect, it } from "vitest"
import type { EndpointConfig } from "../../src/catalog/config.js"
import { plan } from "../../src/policy/plan.js"
import { excludedBy, GEMINI, modelCatalog, NOW, options, request, slugs, snapshot } from "./helpers.js"

const ep = (provider: string, over: Partial<EndpointConfig> = {}): EndpointConfig => ({
  provider,
  price: { prompt: 1, completion: 2 },
  contextLength: 100_000,
  ...over,
})
const id = (slug: string) => `${GEMINI}@${slug}`
const run = (endpoints: ReadonlyArray<EndpointConfig>, req = request(), snap = snapshot()) =>
  plan(req, modelCatalog(endpoints).endpoints, snap, options(1))

describe("hard filters", () => {
  it("only: keeps matching providers, records allowed_providers for the others", () => {
    const p = run([ep("deepinfra"), ep("chutes"), ep("openai")], request({ only: ["chutes", "openai"] }))
    expect([...slugs(p.attempts)].sort()).toEqual(["chutes", "openai"])
    expect(excludedBy(p, id("deepinfra"))).toEqual(["allowed_providers"])
  })

  it("ignore: drops matching providers with ignored_providers", () => {
    const p = run([ep("deepinfra"), ep("chutes")], request({ ignore: ["deepinfra"] }))
    expect(slugs(p.attempts)).toEqual(["chutes"])
    expect(excludedBy(p, id("deepinfra"))).toEqual(["ignored_providers"])
  })

  it("slug matching: a base slug matches every variant except service tiers; a full slug matches one endpoint", () => {
    const endpoints = [
      ep("openai"),
      ep("openai", { variant: "eu" }),
      ep("openai", { variant: "priority", serviceTier: true }),
      ep("deepinfra"),
    ]
    const base = run(endpoints, request({ only: ["openai"] }))
    expect([...slugs(base.attempts)].sort()).toEqual(["openai", "openai/eu"])
    expect(excludedBy(base, id("openai/priority"))).toEqual(["allowed_providers"])
    const full = run(endpoints, request({ only: ["openai/priority"] }))
    expect(slugs(full.attempts)).toEqual(["openai/priority"])
    const ignored = run(endpoints, request({ ignore: ["openai/eu"] }))
    expect([...slugs(ignored.attempts)].sort()).toEqual(["deepinfra", "openai", "openai/priority"])
  })

  it("zdr: only zero-data-retention endpoints", () => {
    const p = run(
      [ep("deepinfra", { dataPolicy: { collects: false, zdr: true } }), ep("chutes")],
      request({ zdr: true }),
    )
    expect(slugs(p.attempts)).toEqual(["deepinfra"])
    expect(excludedBy(p, id("chutes"))).toEqual(["data_policy:zdr"])
  })

  it("max_price compares with the effective (discounted) price per million, and the per-request price", () => {
    const endpoints = [
      ep("deepinfra", { price: { prompt: 3, completion: 6 } }),
      ep("chutes", { price: { prompt: 3, completion: 6, discount: 0.5 } }),
      ep("openai", { price: { prompt: 1, completion: 2, request: 0.01 } }),
    ]
    const p = run(endpoints, request({ max_price: { prompt: 2, completion: 3 } }))
    expect([...slugs(p.attempts)].sort()).toEqual(["chutes", "openai"])
    expect(excludedBy(p, id("deepinfra"))).toEqual(["max_price"])
    const perRequest = run(endpoints, request({ max_price: { request: 0.005 } }))
    expect(excludedBy(perRequest, id("openai"))).toEqual(["max_price"])
    expect(perRequest.attempts.length).toBe(2)
  })

  it("quantizations: endpoints with another quantization are dropped", () => {
    const p = run(
      [ep("deepinfra", { quantization: "fp8" }), ep("chutes", { quantization: "bf16" }), ep("openai")],
      request({ quantizations: ["bf16", "fp16"] }),
    )
    expect(slugs(p.attempts)).toEqual(["chutes"])
    expect(excludedBy(p, id("deepinfra"))).toEqual(["quantization"])
    expect(excludedBy(p, id("openai"))).toEqual(["quantization"])
  })

  it("context length: estimated prompt tokens + requested output must fit", () => {
    const endpoints = [ep("deepinfra", { contextLength: 8_000 }), ep("chutes", { contextLength: 32_000 })]
    const fits = run(endpoints, request({}, { estimatedPromptTokens: 6_000, maxTokens: 2_000 }))
    expect(fits.attempts.length).toBe(2)
    const tooLong = run(endpoints, request({}, { estimatedPromptTokens: 6_000, maxTokens: 2_001 }))
    expect(slugs(tooLong.attempts)).toEqual(["chutes"])
    expect(excludedBy(tooLong, id("deepinfra"))).toEqual(["context_length"])
  })

  it("max_tokens above an endpoint's max output drops it", () => {
    const p = run([ep("deepinfra", { maxOutput: 4_096 }), ep("chutes")], request({}, { maxTokens: 8_000 }))
    expect(slugs(p.attempts)).toEqual(["chutes"])
    expect(excludedBy(p, id("deepinfra"))).toEqual(["max_tokens"])
  })

  it("require_parameters: every request parameter must be supported; an empty list means unknown (supports all)", () => {
    const endpoints = [
      ep("deepinfra", { supportedParameters: ["temperature"] }),
      ep("chutes", { supportedParameters: ["temperature", "seed"] }),
      ep("openai"),
    ]
    const req = request({ require_parameters: true }, { parameters: ["temperature", "seed"] })
    const p = run(endpoints, req)
    expect([...slugs(p.attempts)].sort()).toEqual(["chutes", "openai"])
    expect(excludedBy(p, id("deepinfra"))).toEqual(["require_parameters"])
    // without require_parameters the unsupported parameter is simply not a filter
    expect(run(endpoints, request({}, { parameters: ["temperature", "seed"] })).attempts.length).toBe(3)
  })

  it("tools are a soft preference: dropped only when some endpoint of the model supports them", () => {
    const someSupport = [
      ep("deepinfra", { supportedParameters: ["tools"] }),
      ep("chutes", { supportedParameters: ["seed"] }),
    ]
    const p = run(someSupport, request({}, { parameters: ["tools", "tool_choice"] }))
    expect(slugs(p.attempts)).toEqual(["deepinfra"])
    expect(excludedBy(p, id("chutes"))).toEqual(["tools_unsupported"])
    const noneSupport = [
      ep("deepinfra", { supportedParameters: ["seed"] }),
      ep("chutes", { supportedParameters: ["seed"] }),
    ]
    expect(run(noneSupport, request({}, { parameters: ["tools"] })).attempts.length).toBe(2)
  })

  it("tools support is judged among endpoints passing the hard filters", () => {
    // the only tool-capable endpoint collects data: with deny, tools are ignored rather than emptying the plan
    const endpoints = [
      ep("deepinfra", { supportedParameters: ["tools"], dataPolicy: { collects: true, zdr: false } }),
      ep("chutes", { supportedParameters: ["seed"] }),
    ]
    const p = run(endpoints, request({ data_collection: "deny" }, { parameters: ["tools"] }))
    expect(slugs(p.attempts)).toEqual(["chutes"])
    expect(excludedBy(p, id("deepinfra"))).toEqual(["data_policy:training"])
  })

  it("response_format is a soft preference too", () => {
    const endpoints = [
      ep("deepinfra", { supportedParameters: ["response_format"] }),
      ep("chutes", { supportedParameters: ["seed"] }),
    ]
    const p = run(endpoints, request({}, { parameters: ["response_format"] }))
    expect(slugs(p.attempts)).toEqual(["deepinfra"])
    expect(excludedBy(p, id("chutes"))).toEqual(["response_format_unsupported"])
  })

  it("cooldown in the future and an open breaker drop an endpoint; a past cooldown and half-open do not", () => {
    const endpoints = [ep("deepinfra"), ep("chutes"), ep("openai"), ep("azure")]
    const snap = snapshot({
      [id("deepinfra")]: { cooldownUntil: NOW + 1 },
      [id("chutes")]: { cooldownUntil: NOW },
      [id("openai")]: { breaker: "open" },
      [id("azure")]: { breaker: "half-open" },
    })
    const p = run(endpoints, request(), snap)
    expect([...slugs(p.attempts)].sort()).toEqual(["azure", "chutes"])
    expect(excludedBy(p, id("deepinfra"))).toEqual(["cooldown"])
    expect(excludedBy(p, id("openai"))).toEqual(["breaker_open"])
  })

  it("records every rule that drops an endpoint, not just the first", () => {
    const endpoints = [
      ep("deepinfra", {
        price: { prompt: 9, completion: 9 },
        quantization: "fp4",
        maxOutput: 100,
        dataPolicy: { collects: true, zdr: false },
        supportedParameters: ["temperature"],
      }),
      ep("chutes", { supportedParameters: ["tools"] }),
    ]
    const req = request(
      { data_collection: "deny", zdr: true, max_price: { prompt: 5 }, quantizations: ["bf16"], ignore: ["deepinfra"] },
      { maxTokens: 1_000, parameters: ["tools"] },
    )
    const snap = snapshot({ [id("deepinfra")]: { cooldownUntil: NOW + 5, breaker: "open" } })
    const p = run(endpoints, req, snap)
    expect(excludedBy(p, id("deepinfra"))).toEqual([
      "ignored_providers",
      "data_policy:training",
      "data_policy:zdr",
      "max_price",
      "quantization",
      "max_tokens",
      "cooldown",
      "breaker_open",
    ])
  })
})
