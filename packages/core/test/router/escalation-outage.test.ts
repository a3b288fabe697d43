import { Effect } from "effect"
import { describe, expect, it } from "vitest"
import {
  type JsonObject,
  NoEndpoint,
  Overloaded,
  type ProviderError,
  TransportError,
  UpstreamFailed,
  UpstreamServerError,
  UpstreamTimeout,
} from "../../src/index.js"
import {
  chat,
  FakeUpstream,
  fail,
  failureOf,
  modelCatalog,
  ok,
  provisioned,
  ptCatalog,
  route,
  runRouter,
  standard,
  successOf,
} from "./support.js"

/**
 * PT escalation when the standard pool is down (not rate-limited): an outage, a transport failure, an
 * open breaker. The model has one standard endpoint, `vertex` (which may keep prompts for training),
 * and one provisioned endpoint, `vertex/pt` (which does not).
 */
const catalog = () =>
  modelCatalog("gemini", [
    standard("vertex", { dataPolicy: { collects: true, zdr: false } }),
    provisioned({ price: { prompt: 1.3, completion: 2.6 }, capacity: { tokensPerMinute: 100_000 } }),
  ])

const unavailable = (slug: string): ProviderError =>
  new UpstreamServerError({ provider: slug, status: 503, message: "Service unavailable" })

/** Opens after 3 consecutive failures, stays open 30 s. */
const health = { breaker: { failureThreshold: 3, openMs: 30_000 } }

describe("PT escalation when the standard pool is down", () => {
  it("escalates to PT right after a 503 on the only standard endpoint, without sleeping on it", async () => {
    const upstream = new FakeUpstream().always("vertex", fail(unavailable)).always("vertex/pt", ok())
    const result = await runRouter(catalog(), upstream, Effect.map(route(chat()), successOf))
    expect(result.body.provider).toBe("vertex/pt")
    expect(result.trace.escalated).toBe(true)
    expect(result.trace.attempts.map((a) => [a.endpoint, a.outcome, a.status, a.escalation])).toEqual([
      ["gemini@vertex", "upstream_error", 503, undefined],
      ["gemini@vertex/pt", "success", 200, "upstream_error:gemini@vertex"],
    ])
    // One call to the failing endpoint, then PT at the same instant (no backoff on vertex).
    expect(upstream.calls.map((c) => [c.slug, c.at])).toEqual([
      ["vertex", 0],
      ["vertex/pt", 0],
    ])
  })

  it.each<readonly [string, (slug: string) => ProviderError]>([
    [
      "transport",
      (p) => new TransportError({ provider: p, status: 0, message: "connection refused", kind: "connect" }),
    ],
    ["timeout", (p) => new UpstreamTimeout({ provider: p, status: 0, message: "no answer", phase: "attempt" })],
    ["overloaded", (p) => new Overloaded({ provider: p, status: 529, message: "overloaded" })],
  ])("records the kind of failure that made it escalate: %s", async (cause, error) => {
    const upstream = new FakeUpstream().always("vertex", fail(error)).always("vertex/pt", ok())
    const result = await runRouter(catalog(), upstream, Effect.map(route(chat()), successOf))
    expect(result.body.provider).toBe("vertex/pt")
    expect(result.trace.attempts.map((a) => a.escalation)).toEqual([undefined, `${cause}:gemini@vertex`])
    expect(upstream.callsTo("vertex")).toBe(1)
  })

  it("tries the other standard endpoints before PT, and PT only when they fail too", async () => {
    const run = async (other: "ok" | "down") => {
      const upstream = new FakeUpstream()
        .always("studio", fail(unavailable))
        .always("other", other === "ok" ? ok() : fail(unavailable))
        .always("vertex/pt", ok())
      const result = await runRouter(
        ptCatalog(),
        upstream,
        Effect.map(route(chat({ provider: { sort: "price" } })), successOf),
      )
      return { result, slugs: upstream.calls.map((c) => c.slug) }
    }
    const rescuedByStandard = await run("ok")
    expect(rescuedByStandard.slugs).toEqual(["studio", "other"])
    expect(rescuedByStandard.result.body.provider).toBe("other")
    // PT was queued but never tried: the request did not escalate.
    expect(rescuedByStandard.result.trace.escalated).toBe(false)

    const rescuedByPt = await run("down")
    expect(rescuedByPt.slugs).toEqual(["studio", "other", "vertex/pt"])
    expect(rescuedByPt.result.trace.attempts.at(-1)?.escalation).toBe("upstream_error:gemini@studio")
  })

  it("serves from PT while the only standard endpoint's breaker is open; deny and batch get the honest errors", async () => {
    const upstream = new FakeUpstream().always("vertex", fail(unavailable)).always("vertex/pt", ok())
    const out = await runRouter(
      catalog(),
      upstream,
      Effect.gen(function* () {
        const routeWith = (provider: JsonObject) => route(chat({ provider }), {}, 1_000)
        // A request that may not escalate retries vertex alone until the breaker opens, then fails honestly.
        const denied = failureOf(yield* routeWith({ escalation: "deny" }))
        const callsToOpen = upstream.callsTo("vertex")
        const rescued = successOf(yield* routeWith({}))
        const deniedWhileOpen = failureOf(yield* routeWith({ escalation: "deny" }))
        const batchWhileOpen = failureOf(yield* routeWith({ priority: "batch" }))
        return { denied, callsToOpen, rescued, deniedWhileOpen, batchWhileOpen }
      }),
      { health },
    )
    expect(out.denied).toBeInstanceOf(UpstreamFailed)
    expect((out.denied as UpstreamFailed).upstreamStatus).toBe(503)
    expect(out.callsToOpen).toBe(3)

    // Open breaker: the plan has no standard attempt; PT serves, and the trace says why.
    expect(out.rescued.body.provider).toBe("vertex/pt")
    expect(out.rescued.trace.plan.attempts).toEqual([])
    expect(out.rescued.trace.plan.excluded).toEqual([
      { endpoint: "gemini@vertex", model: "gemini", reasons: ["breaker_open"] },
    ])
    expect(out.rescued.trace.attempts.map((a) => [a.endpoint, a.outcome, a.escalation])).toEqual([
      ["gemini@vertex/pt", "success", "breaker_open:gemini@vertex"],
    ])
    expect(out.rescued.trace.escalated).toBe(true)

    for (const error of [out.deniedWhileOpen, out.batchWhileOpen]) {
      expect(error).toBeInstanceOf(NoEndpoint)
      expect((error as NoEndpoint).excluded).toEqual([
        { endpoint: "gemini@vertex", model: "gemini", reasons: ["breaker_open"] },
        { endpoint: "gemini@vertex/pt", model: "gemini", reasons: ["pool:provisioned"] },
      ])
    }
    // Only the rescued request reached PT; vertex was not called while its breaker was open.
    expect(upstream.callsTo("vertex/pt")).toBe(1)
    expect(upstream.callsTo("vertex")).toBe(3)
  })

  it("never sends a batch request to PT during an outage: it retries the standard endpoint, then fails", async () => {
    const upstream = new FakeUpstream().always("vertex", fail(unavailable)).always("vertex/pt", ok())
    const error = await runRouter(
      catalog(),
      upstream,
      Effect.map(route(chat({ provider: { priority: "batch" } })), failureOf),
    )
    expect(error).toBeInstanceOf(UpstreamFailed)
    expect((error as UpstreamFailed).httpStatus).toBe(502)
    expect((error as UpstreamFailed).trace.escalated).toBe(false)
    expect(upstream.callsTo("vertex/pt")).toBe(0)
    // Nothing else could serve: sleep-and-retry on vertex, up to maxAttempts (5) calls, with growing waits.
    const at = upstream.calls.map((c) => c.at)
    expect(at).toHaveLength(5)
    for (let i = 1; i < at.length; i++) expect(at[i]! - at[i - 1]!).toBeGreaterThanOrEqual(100 * 2 ** (i - 1))
  })

  it("does not escalate when a standard endpoint is excluded by the request's own constraints", async () => {
    const upstream = new FakeUpstream().always("vertex/pt", ok())
    const error = await runRouter(
      catalog(),
      upstream,
      Effect.map(route(chat({ provider: { data_collection: "deny" } })), failureOf),
    )
    // PT would take it, but no standard endpoint is down: a permanent route to PT is not an escalation.
    expect(error).toBeInstanceOf(NoEndpoint)
    expect((error as NoEndpoint).excluded).toEqual([
      { endpoint: "gemini@vertex", model: "gemini", reasons: ["data_policy:training"] },
      { endpoint: "gemini@vertex/pt", model: "gemini", reasons: ["pool:provisioned"] },
    ])
    expect(upstream.calls).toEqual([])
  })
})
