import { Effect } from "effect"
import { TestClock } from "effect/testing"
import { describe, expect, it } from "vitest"
import { AllRateLimited, CapacityMeter, NoEndpoint } from "../../src/index.js"
import {
  chat,
  FakeUpstream,
  fail,
  failureOf,
  modelCatalog,
  ok,
  provisioned,
  rateLimited,
  route,
  runRouter,
  standard,
  successOf,
} from "./support.js"

/** One standard endpoint and one PT endpoint (10 000 tokens/min, output ×4, 100 expected output tokens). */
const catalog = (routing: Record<string, unknown> = {}) =>
  modelCatalog(
    "gemini",
    [standard("studio"), provisioned({ capacity: { tokensPerMinute: 10_000 }, outputWeight: 4 })],
    routing,
  )

const fillPt = (tokens: number) =>
  Effect.gen(function* () {
    const capacity = yield* CapacityMeter
    const pt = catalog().endpointsById.get("gemini@vertex/pt")!
    const admitted = yield* capacity.reserve(pt, tokens, { admission: true, headroom: 0 })
    expect(admitted._tag).toBe("Admitted")
  })

describe("PT escalation", () => {
  it("rescues a request rate-limited on the standard pool with the provisioned endpoint, at once", async () => {
    const upstream = new FakeUpstream().always("studio", fail(rateLimited(30_000))).always("vertex/pt", ok())
    const result = await runRouter(catalog(), upstream, Effect.map(route(chat()), successOf))
    expect(result.body.provider).toBe("vertex/pt")
    expect(result.trace.escalated).toBe(true)
    expect(result.trace.attempts.map((a) => [a.endpoint, a.outcome, a.pool, a.escalation])).toEqual([
      ["gemini@studio", "rate_limited", "standard", undefined],
      ["gemini@vertex/pt", "success", "provisioned", "rate_limited:gemini@studio"],
    ])
    // No sleeping through the 30 s retry-after: the PT call starts at the same instant.
    expect(upstream.calls.map((c) => [c.slug, c.at])).toEqual([
      ["studio", 0],
      ["vertex/pt", 0],
    ])
  })

  it("never sends a default request to PT when the standard pool answers", async () => {
    const upstream = new FakeUpstream().always("studio", ok())
    const result = await runRouter(catalog(), upstream, Effect.map(route(chat()), successOf))
    expect(result.body.provider).toBe("studio")
    expect(upstream.callsTo("vertex/pt")).toBe(0)
    expect(result.trace.escalated).toBe(false)
  })

  it("answers an honest 429 with the time until PT capacity frees up when PT is full", async () => {
    const upstream = new FakeUpstream().always("studio", fail(rateLimited(60_000))).always("vertex/pt", ok())
    const out = await runRouter(
      catalog(),
      upstream,
      Effect.gen(function* () {
        // 7 900 of 10 000 used; a default request may use up to 80% (20% critical headroom).
        yield* fillPt(7_900)
        const refused = failureOf(yield* route(chat(), {}, 0))
        // A default request is charged 100 prompt + 100 × 4 = 500. Wait until 7 900 + 500 fits under 8 000: 400 tokens at 10 000/min = 2 400 ms (> maxRetrySleepMs).
        yield* TestClock.adjust(2_400)
        const later = successOf(yield* route(chat(), {}, 1_000))
        return { refused, later }
      }),
    )
    expect(out.refused).toBeInstanceOf(AllRateLimited)
    const refused = out.refused as AllRateLimited
    expect(refused.retryAfterMs).toBe(2_400)
    expect(refused.origin).toBe("upstream")
    expect(refused.trace.attempts.map((a) => a.outcome)).toEqual(["rate_limited", "refused_capacity"])
    // After the wait the PT endpoint admits it; the standard endpoint, still cooling down, is not called.
    expect(out.later.body.provider).toBe("vertex/pt")
    expect(out.later.trace.plan.excluded).toEqual([
      { endpoint: "gemini@studio", model: "gemini", reasons: ["cooldown"] },
    ])
    expect(upstream.callsTo("studio")).toBe(1)
    expect(upstream.callsTo("vertex/pt")).toBe(1)
  })

  it("lets critical requests use the PT headroom that default requests may not", async () => {
    const upstream = new FakeUpstream().always("studio", fail(rateLimited(60_000))).always("vertex/pt", ok())
    const out = await runRouter(
      catalog(),
      upstream,
      Effect.gen(function* () {
        yield* fillPt(7_900)
        return successOf(yield* route(chat({ provider: { priority: "critical" } }), {}, 1_000))
      }),
    )
    expect(out.body.provider).toBe("vertex/pt")
    expect(out.trace.priority).toBe("critical")
  })

  it.each([{ priority: "batch" }, { escalation: "deny" }])(
    "does not escalate batch requests or requests that deny escalation: %o",
    async (provider) => {
      const upstream = new FakeUpstream().always("studio", fail(rateLimited(30_000))).always("vertex/pt", ok())
      const error = await runRouter(catalog(), upstream, Effect.map(route(chat({ provider })), failureOf))
      expect(error).toBeInstanceOf(AllRateLimited)
      expect((error as AllRateLimited).retryAfterMs).toBe(30_000)
      expect(upstream.callsTo("vertex/pt")).toBe(0)
    },
  )

  it("takes the escalation default from the key and from config", async () => {
    const run = async (routing: Record<string, unknown>, keyEscalation: "allow" | "deny" | undefined) => {
      const upstream = new FakeUpstream().always("studio", fail(rateLimited(30_000))).always("vertex/pt", ok())
      const keyDefaults = keyEscalation === undefined ? {} : { keyDefaults: { escalation: keyEscalation } }
      await runRouter(catalog(routing), upstream, route(chat(), keyDefaults))
      return upstream.callsTo("vertex/pt")
    }
    expect(await run({ escalation: "deny" }, undefined)).toBe(0)
    expect(await run({ escalation: "deny" }, "allow")).toBe(1)
    expect(await run({}, "deny")).toBe(0)
  })

  it("escalates when the standard endpoints are all cooling down", async () => {
    const upstream = new FakeUpstream().script("studio", fail(rateLimited(30_000))).always("vertex/pt", ok())
    const second = await runRouter(
      catalog({ escalation: "allow" }),
      upstream,
      Effect.gen(function* () {
        yield* route(chat({ provider: { escalation: "deny" } }), {}, 0)
        return successOf(yield* route(chat()))
      }),
    )
    expect(second.body.provider).toBe("vertex/pt")
    expect(second.trace.attempts[0]?.escalation).toBe("cooldown:gemini@studio")
    expect(upstream.callsTo("studio")).toBe(1)
  })

  it("tries PT first when every standard endpoint is predicted over capacity", async () => {
    const tight = modelCatalog(
      "gemini",
      [
        standard("studio", { capacity: { tokensPerMinute: 1_000 } }),
        provisioned({ capacity: { tokensPerMinute: 100_000 } }),
      ],
      { admission: false },
    )
    const upstream = new FakeUpstream().always("studio", ok()).always("vertex/pt", ok())
    const result = await runRouter(
      tight,
      upstream,
      Effect.gen(function* () {
        const capacity = yield* CapacityMeter
        yield* capacity.reserve(tight.endpointsById.get("gemini@studio")!, 950, { admission: false, headroom: 0 })
        return successOf(yield* route(chat()))
      }),
    )
    expect(result.body.provider).toBe("vertex/pt")
    expect(result.trace.attempts[0]?.escalation).toBe("predicted_full")
    expect(upstream.callsTo("studio")).toBe(0)
  })

  it("refunds the PT reservation and settles it to actual usage", async () => {
    const upstream = new FakeUpstream()
      .always("studio", fail(rateLimited(30_000)))
      .always("vertex/pt", ok({ promptTokens: 100, completionTokens: 50 }))
    const out = await runRouter(
      catalog(),
      upstream,
      Effect.gen(function* () {
        const capacity = yield* CapacityMeter
        const result = successOf(yield* route(chat(), {}, 100))
        const pt = catalog().endpointsById.get("gemini@vertex/pt")!
        return { result, utilization: yield* capacity.utilization(pt), open: yield* capacity.openReservations() }
      }),
    )
    expect(out.result.body.provider).toBe("vertex/pt")
    // Charged 500 at t = 0, corrected at t = 100 ms to the actual 100 + 50 × 4 = 300, minus 100 ms of drain.
    expect(out.utilization! * 10_000).toBeCloseTo(300 - (100 * 10_000) / 60_000, 6)
    expect(out.open).toBe(0)
  })

  it("explains a NoEndpoint when only held-back provisioned endpoints would match", async () => {
    const upstream = new FakeUpstream()
    const error = await runRouter(
      catalog(),
      upstream,
      Effect.map(route(chat({ provider: { only: ["vertex/pt"] } })), failureOf),
    )
    expect(error).toBeInstanceOf(NoEndpoint)
    expect((error as NoEndpoint).excluded).toEqual([
      { endpoint: "gemini@studio", model: "gemini", reasons: ["allowed_providers"] },
      { endpoint: "gemini@vertex/pt", model: "gemini", reasons: ["pool:provisioned"] },
    ])
    expect(upstream.calls).toEqual([])
  })
})
