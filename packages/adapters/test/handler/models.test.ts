import { afterAll, describe, expect, it } from "vitest"
import { createGateway } from "../../src/index.js"
import { call } from "../support/call.js"
import { surfaceRuntime } from "../support/surface-router.js"

const { runtime } = surfaceRuntime()
const gateway = createGateway({ runtime, keys: [{ name: "k", key: "sk-k" }] })
afterAll(() => runtime.dispose())
const auth = { authorization: "Bearer sk-k" }

describe("GET /v1/models", () => {
  it("lists the catalog in OpenAI's list shape", async () => {
    const r = await call(gateway, { path: "/v1/models", headers: auth })
    expect(r.status).toBe(200)
    expect(r.json.object).toBe("list")
    expect(r.json.data.map((m: { id: string }) => m.id)).toEqual(["google/gemini-2.5-pro-preview", "small"])
    expect(r.json.data[0]).toMatchObject({
      object: "model",
      owned_by: "google",
      created: expect.any(Number),
      context_length: 1_000_000,
    })
  })

  it("requires a key like the chat route", async () => {
    expect((await call(gateway, { path: "/v1/models" })).status).toBe(401)
  })

  it("GET /v1/models/{id} with a slash in the id, and via an alias", async () => {
    const r = await call(gateway, { path: "/v1/models/google/gemini-2.5-pro-preview", headers: auth })
    expect(r.status).toBe(200)
    expect(r.json.id).toBe("google/gemini-2.5-pro-preview")
    const alias = await call(gateway, { path: "/v1/models/gemini-pro", headers: auth })
    expect(alias.json.id).toBe("google/gemini-2.5-pro-preview")
  })
})

describe("GET /v1/models/{id}/endpoints", () => {
  it("shows per endpoint provider, pool, price, context, latency, throughput, uptime, utilization and breaker", async () => {
    const r = await call(gateway, { path: "/v1/models/google/gemini-2.5-pro-preview/endpoints", headers: auth })
    expect(r.status).toBe(200)
    expect(r.json.data.id).toBe("google/gemini-2.5-pro-preview")
    const [standard, pt] = r.json.data.endpoints
    expect(standard).toMatchObject({
      provider_name: "cheap",
      tag: "cheap",
      pool: "standard",
      context_length: 1_000_000,
      // cache prices: the simulated kind's defaults (reads 0.1×, writes 1.25×, 1-hour writes 2× the prompt price)
      pricing: {
        prompt: "0.00000125",
        completion: "0.00001",
        input_cache_read: "0.000000125",
        input_cache_write: "0.0000015625",
        input_cache_write_1h: "0.0000025",
      },
      price: { prompt: 1.25, completion: 10 },
      latency: { p50: 0.8, p90: 1.4 },
      throughput: { p50: 60, p90: 40 },
      uptime: 98.76,
      utilization: null,
      breaker: "half-open",
    })
    expect(pt).toMatchObject({
      provider_name: "google-vertex",
      tag: "google-vertex/pt",
      pool: "provisioned",
      utilization: 0.42,
      latency: null,
      uptime: null,
    })
  })

  it("accepts a URL-encoded id", async () => {
    const r = await call(gateway, { path: "/v1/models/google%2Fgemini-2.5-pro-preview/endpoints", headers: auth })
    expect(r.json.data.endpoints).toHaveLength(2)
  })

  it("unknown model → 404 model_not_found", async () => {
    const r = await call(gateway, { path: "/v1/models/acme/nothing/endpoints", headers: auth })
    expect(r.status).toBe(404)
    expect(r.json.error.code).toBe("model_not_found")
  })
})
