import { describe, expect, it } from "vitest"
import type { Endpoint } from "../../src/index.js"
import { decorateCompletion, usageJson } from "../../src/router/cost.js"
import { catalogOf } from "./support.js"

const catalog = catalogOf({
  providers: [{ slug: "acme", kind: "fake" }],
  models: [{ id: "m", endpoints: [{ provider: "acme", price: { prompt: 1, completion: 2 }, contextLength: 1_000 }] }],
})
const endpoint = catalog.endpointsById.get("m@acme") as Endpoint
const usage = { promptTokens: 10, completionTokens: 5, cachedTokens: 0, reasoningTokens: 0 }

describe("served completion", () => {
  it("names the model and provider and adds usage.cost, keeping the upstream's fields and their order", () => {
    const body = JSON.parse(
      '{"id":"c1","model":"upstream-name","choices":[],"usage":{"prompt_tokens":10,"completion_tokens":5,"total_tokens":15,"prompt_tokens_details":{"cached_tokens":0}},"system_fingerprint":"fp"}',
    )
    const out = decorateCompletion(body, endpoint, usage, 0.25)
    expect(JSON.stringify(out)).toBe(
      '{"id":"c1","model":"m","choices":[],"usage":{"prompt_tokens":10,"completion_tokens":5,"total_tokens":15,"prompt_tokens_details":{"cached_tokens":0},"cost":0.25},"system_fingerprint":"fp","provider":"acme"}',
    )
    // The upstream body is left as it was.
    expect(body.model).toBe("upstream-name")
    expect(body.usage.cost).toBeUndefined()
  })

  it("builds usage from the counted tokens when the upstream sent none", () => {
    expect(usageJson(undefined, usage, 0.5)).toEqual({
      prompt_tokens: 10,
      completion_tokens: 5,
      total_tokens: 15,
      cost: 0.5,
    })
  })

  it("copies a `__proto__` key of the upstream body as plain data, never as the prototype", () => {
    const body = JSON.parse('{"id":"c1","__proto__":{"polluted":true}}')
    const out = decorateCompletion(body, endpoint, usage, 0)
    expect(Object.getPrototypeOf(out)).toBe(Object.prototype)
    expect((out as { polluted?: boolean }).polluted).toBeUndefined()
    expect(JSON.stringify(out)).toBe(
      '{"id":"c1","__proto__":{"polluted":true},"model":"m","provider":"acme","usage":{"prompt_tokens":10,"completion_tokens":5,"total_tokens":15,"cost":0}}',
    )
  })
})
