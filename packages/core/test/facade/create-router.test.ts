import { describe, expect, it } from "vitest"
import { AllRateLimited, createRouter, InvalidRequest, type JsonObject } from "../../src/index.js"
import { byPrice, FakeUpstream, fail, hang, ok, rateLimited, stream, twoCatalog } from "../router/support.js"

const clientsOf = (upstream: FakeUpstream) => ({ a: upstream.client, b: upstream.client })

describe("Promise façade", () => {
  it("routes, streams, reports status and swaps deployments over one runtime", async () => {
    const upstream = new FakeUpstream().always("a", ok({ latencyMs: 1 })).script("a", stream({ tokens: 2, chunkMs: 0 }))
    const router = createRouter({ catalog: twoCatalog(), clients: clientsOf(upstream), seed: 1 })
    try {
      const streamed = await router.stream(byPrice({}, { stream: true }))
      const chunks: Array<JsonObject> = []
      for await (const chunk of streamed) chunks.push(chunk)
      expect(streamed.endpoint.slug).toBe("a")
      expect(chunks[0]?.provider).toBe("a")
      expect((await streamed.trace).attempts.map((a) => a.outcome)).toEqual(["success"])

      const result = await router.route(byPrice())
      expect(result.body.provider).toBe("a")

      const status = await router.status("m")
      expect(status.map((s) => [s.endpoint.slug, s.breaker])).toEqual([
        ["a", "closed"],
        ["b", "closed"],
      ])

      const other = new FakeUpstream().always("a", fail(rateLimited(30_000))).always("b", ok({ latencyMs: 1 }))
      await router.setDeployment({ catalog: twoCatalog(), clients: new Map(Object.entries(clientsOf(other))) })
      expect((await router.route(byPrice())).body.provider).toBe("b")
      // Live state survived the swap: `a` is cooling down, so the next request does not call it.
      await router.route(byPrice())
      expect(other.callsTo("a")).toBe(1)
    } finally {
      await router.dispose()
    }
  })

  it("rejects with the typed errors", async () => {
    const upstream = new FakeUpstream().always("a", fail(rateLimited(9_000))).always("b", fail(rateLimited(4_000)))
    const router = createRouter({ catalog: twoCatalog(), clients: clientsOf(upstream) })
    try {
      await expect(router.route({ model: "m", messages: [] })).rejects.toBeInstanceOf(InvalidRequest)
      const error = await router.route(byPrice()).catch((e: unknown) => e)
      expect(error).toBeInstanceOf(AllRateLimited)
      expect((error as AllRateLimited).retryAfterMs).toBeGreaterThan(3_000)
      expect((error as AllRateLimited).retryAfterMs).toBeLessThanOrEqual(4_000)
    } finally {
      await router.dispose()
    }
  })

  it("cancels the upstream call when the caller aborts", async () => {
    const upstream = new FakeUpstream().always("a", hang)
    const router = createRouter({ catalog: twoCatalog(), clients: clientsOf(upstream) })
    try {
      const controller = new AbortController()
      const pending = router.route(byPrice(), { signal: controller.signal })
      while (upstream.calls.length === 0) await new Promise((resolve) => setImmediate(resolve))
      controller.abort()
      await expect(pending).rejects.toThrow()
      expect(upstream.interrupted).toEqual(["a"])
    } finally {
      await router.dispose()
    }
  })
})
