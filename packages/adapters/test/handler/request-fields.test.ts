/**
 * Request fields through `POST /v1/chat/completions` on the real router (simulated upstreams, no port):
 * `provider` fields may be null (= absent, wire-facts §1), an unknown `provider` key is a 400 naming it
 * (`additionalProperties: false`), an unknown model's 404 is bounded, an empty `model` is a missing one.
 */
import { deploymentMaker } from "@switchyard/providers"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { type Gateway, gatewayFromConfig } from "../../src/index.js"
import { call, isErrorEnvelope } from "../support/call.js"

const sim = { latency: 0, throughput: 100_000, outputTokens: 2 }
const config = {
  providers: [
    // `down` always fails (5xx); `up` and `pricey` answer
    { slug: "down", kind: "simulated", options: { ...sim, errorRate: 1 } },
    { slug: "up", kind: "simulated", options: sim },
    { slug: "pricey", kind: "simulated", options: sim },
  ],
  models: [
    {
      id: "vendor/model",
      aliases: ["m"],
      endpoints: [
        { provider: "down", price: { prompt: 1, completion: 1 }, contextLength: 100_000 },
        { provider: "up", price: { prompt: 2, completion: 2 }, contextLength: 100_000 },
        { provider: "pricey", price: { prompt: 9, completion: 9 }, contextLength: 100_000 },
      ],
    },
  ],
  routing: { maxRetrySleepMs: 0, requestTimeoutMs: 5_000 },
  gateway: {
    keys: [
      { name: "plain", key: "sk-plain" },
      { name: "pinned", key: "sk-pinned", provider: { only: ["pricey"] } },
    ],
  },
}

let gateway: Gateway
let close: () => Promise<void>
beforeAll(async () => {
  const built = await gatewayFromConfig(config, {
    makeDeployment: deploymentMaker({ env: {} }),
    env: {},
    runtime: { seed: 3 },
    logSink: () => {},
    batchLogs: false,
  })
  gateway = built.gateway
  close = built.close
})
afterAll(() => close())

const hello = [{ role: "user", content: "Hi" }]
const post = (body: unknown, key = "sk-plain") =>
  call(gateway, { path: "/v1/chat/completions", headers: { authorization: `Bearer ${key}` }, body })

describe("provider fields sent as null", () => {
  it("null in every field is accepted and means absent (the review's body)", async () => {
    const r = await post({
      model: "m",
      messages: hello,
      provider: { order: null, sort: null, allow_fallbacks: null, only: null },
    })
    expect(r.status).toBe(200)
  })

  it("a null never overrides the key's default (`only: [pricey]` still holds)", async () => {
    const r = await post({ model: "m", messages: hello, provider: { only: null, order: null } }, "sk-pinned")
    expect(r.status).toBe(200)
    expect(r.headers["x-switchyard-provider"]).toBe("pricey")
  })

  it("null inside max_price and the percentile cutoffs", async () => {
    const r = await post({
      model: "m",
      messages: hello,
      provider: { max_price: { prompt: null, completion: 5 }, preferred_max_latency: { p50: null, p90: 10 } },
    })
    expect(r.status).toBe(200)
    expect(r.headers["x-switchyard-provider"]).toBe("up")
  })
})

describe("unknown provider keys", () => {
  it("the typo `allow_fallback` is a 400 naming it, not a silent fallback to an excluded provider", async () => {
    // spelled right, the client's intent: only `down`, which fails → no fallback to `up`
    const intended = await post({ model: "m", messages: hello, provider: { order: ["down"], allow_fallbacks: false } })
    expect(intended.status).toBeGreaterThanOrEqual(500)
    expect(intended.headers["x-switchyard-provider"]).not.toBe("up")

    const r = await post({ model: "m", messages: hello, provider: { order: ["down"], allow_fallback: false } })
    expect(r.status).toBe(400)
    expect(isErrorEnvelope(r.json)).toBe(true)
    expect(r.json.error).toMatchObject({
      type: "invalid_request_error",
      code: "invalid_parameter",
      param: "provider.allow_fallback",
    })
    expect(r.json.error.message).toContain("Not a known field")
    expect(r.json.error.message).toContain('did you mean "allow_fallbacks"?')
  })

  it("an unknown key in max_price is a 400 with its full path", async () => {
    const r = await post({ model: "m", messages: hello, provider: { max_price: { promt: 1 } } })
    expect(r.status).toBe(400)
    expect(r.json.error.param).toBe("provider.max_price.promt")
  })

  it("wire-facts' enforce_distillable_text is accepted (and ignored)", async () => {
    const r = await post({ model: "m", messages: hello, provider: { enforce_distillable_text: true } })
    expect(r.status).toBe(200)
  })
})

describe("unknown model names", () => {
  it("a 1 MB model name gets a small 404", async () => {
    const r = await post({ model: "x".repeat(1_000_000), messages: hello })
    expect(r.status).toBe(404)
    expect(r.json.error).toMatchObject({ code: "model_not_found", param: "model" })
    expect(r.json.error.message).toContain(`'${"x".repeat(200)}…'`)
    expect(r.text.length).toBeLessThan(1_000)
  })

  it("200,000 unknown names in `models` get a small 404 listing 5 and counting the rest", async () => {
    const models = Array.from({ length: 200_000 }, (_, i) => `unknown-${i}`)
    const r = await post({ model: "nope", models, messages: hello })
    expect(r.status).toBe(404)
    expect(r.json.error.message).toContain("'nope', 'unknown-0', 'unknown-1', 'unknown-2', 'unknown-3' and 199996 more")
    expect(r.text.length).toBeLessThan(1_000)
  })
})

describe("an empty model is a missing one", () => {
  it.each([
    ["absent", { messages: hello }],
    ["empty", { model: "", messages: hello }],
    ["empty, with an empty models list", { model: "", models: [], messages: hello }],
  ])("%s → the same 400", async (_name, body) => {
    const r = await post(body)
    expect(r.status).toBe(400)
    expect(r.json.error).toEqual({
      message: "Request must name a model: set `model` (or a non-empty `models` list)",
      type: "invalid_request_error",
      param: "model",
      code: "missing_required_parameter",
    })
  })

  it("an empty model with a models list routes to the list", async () => {
    const r = await post({ model: "", models: ["m"], messages: hello })
    expect(r.status).toBe(200)
  })

  it("an empty name in models is a 400 naming its place, not an unknown model", async () => {
    const r = await post({ model: "m", models: ["m", ""], messages: hello })
    expect(r.status).toBe(400)
    expect(r.json.error).toMatchObject({ type: "invalid_request_error", param: "models.1", code: "invalid_parameter" })
  })
})
