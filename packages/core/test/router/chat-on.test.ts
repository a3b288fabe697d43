import { Context, Effect, Exit, Layer, Scope } from "effect"
import { describe, expect, it } from "vitest"
import type { ProviderClient } from "../../src/index.js"
import { Router, type RouterShape, routerLayer } from "../../src/index.js"
import { readBatches } from "../../src/provider/chunk-source.js"
import { makeSimulatedUpstream } from "../../src/simulated/upstream.js"
import { forkVirtual, makeVirtualTime, type VirtualTime } from "../../src/simulated/virtual-time.js"
import { catalogOf, chat, requestOf } from "./support.js"

/** Run an effect that needs no virtual time to pass. */
const now = <A>(vt: VirtualTime, eff: Effect.Effect<A>): A => {
  const fiber = forkVirtual(vt, eff)
  vt.runUntil(vt.now())
  const exit = fiber.pollUnsafe()
  if (exit === undefined || !Exit.isSuccess(exit)) throw new Error(`did not succeed: ${String(exit)}`)
  return exit.value
}

const catalog = catalogOf({
  providers: [
    { slug: "fast", kind: "simulated" },
    { slug: "slow", kind: "simulated" },
  ],
  models: [
    {
      id: "m",
      endpoints: [
        { provider: "fast", price: { prompt: 1, completion: 2 }, contextLength: 100_000 },
        { provider: "slow", price: { prompt: 2, completion: 4 }, contextLength: 100_000 },
      ],
    },
  ],
  routing: { requestTimeoutMs: 4_000, attemptTimeoutMs: 1_500, maxAttempts: 3, admission: false },
})

/**
 * Route 300 requests (every third streamed, read to its end) over two simulated upstreams in virtual time (429s, 500s, attempt timeouts,
 * fallbacks, every fifth request abandoned by its client after 300 ms) and list what each request ended with
 * (its trace, or its error and trace, or its interruption), and when. `withCallbacks: false` hides the upstreams'
 * `chatOn` and `streamOn`, so every call runs as an effect.
 */
const routeAll = (withCallbacks: boolean): Array<string> => {
  const vt = makeVirtualTime(0)
  const upstream = (slug: string, median: number, tokensPerMinute: number) =>
    now(
      vt,
      makeSimulatedUpstream(slug, {
        seed: slug,
        latency: { type: "lognormal", median, p90: median * 3 },
        throughput: { type: "uniform", min: 60, max: 120 },
        errorRate: 0.03,
        capacity: { tokensPerMinute },
        overheadMs: 20,
      }),
    )
  const ups = [upstream("fast", 150, 1_000), upstream("slow", 400, 200_000)]
  let calls = 0
  const clients = new Map<string, ProviderClient>(
    ups.map((u) => {
      const { chatOn, streamOn } = u.client
      return [
        u.slug,
        {
          ...u.client,
          chatOn: withCallbacks
            ? (call, clock, done) => {
                calls++
                return chatOn!(call, clock, done)
              }
            : undefined,
          streamOn: withCallbacks
            ? (call, clock, done) => {
                calls++
                return streamOn!(call, clock, done)
              }
            : undefined,
        },
      ]
    }),
  )
  const scope = now(vt, Scope.make())
  const router: RouterShape = Context.get(
    now(vt, Layer.buildWithScope(routerLayer({ catalog, clients }, { seed: "chat-on" }), scope)),
    Router,
  )
  const out: Array<string> = []
  for (let i = 0; i < 300; i++)
    vt.schedule(i * 100, () => {
      const streamed = i % 3 === 1
      const request = requestOf(chat({ model: "m", max_tokens: 60, ...(streamed && { stream: true }) }), {
        requestId: `r${i}`,
        estimatedPromptTokens: 500 + ((i * 677) % 4_000),
      })
      const fiber = forkVirtual(
        vt,
        streamed
          ? Effect.flatMap(router.stream(request), (rs) =>
              Effect.andThen(
                Effect.callback<void>((resume) => {
                  readBatches(
                    rs.source!,
                    () => true,
                    () => resume(Effect.void),
                  )
                }),
                rs.trace,
              ),
            )
          : Effect.map(router.route(request), (r) => r.trace),
      )
      if (i % 5 === 4) vt.schedule(vt.now() + 300, () => fiber.interruptUnsafe())
      fiber.addObserver((exit) => {
        const end = Exit.isSuccess(exit)
          ? JSON.stringify(exit.value)
          : exit.cause.reasons[0]?._tag === "Fail"
            ? JSON.stringify(exit.cause.reasons[0].error)
            : "interrupted"
        out.push(`r${i}@${vt.now()} ${end}`)
      })
    })
  vt.runUntil(60_000)
  // what the upstreams saw, and how many calls went through `chatOn`
  out.push(JSON.stringify(ups.map((u) => u.probeAt(vt.now()))), `calls on callbacks: ${calls}`)
  return out
}

describe("attempts over an in-process client on the virtual clock's callbacks (chatOn, streamOn)", () => {
  it("decide, time and book every attempt as the effect path does", () => {
    const onCallbacks = routeAll(true)
    const asEffects = routeAll(false)
    expect(onCallbacks).toHaveLength(302)
    expect(Number(onCallbacks.at(-1)!.split(": ")[1])).toBeGreaterThan(300)
    expect(asEffects.at(-1)).toBe("calls on callbacks: 0")
    // what the run went through: fallbacks after 429s and 500s, attempt timeouts, refusals, clients that left
    const all = onCallbacks.join("\n")
    for (const outcome of ["rate_limited", "upstream_error", "timeout", "refused_capacity", "success"])
      expect(all).toContain(`"outcome":"${outcome}"`)
    expect(onCallbacks.filter((line) => line.endsWith("interrupted")).length).toBeGreaterThan(0)
    expect(onCallbacks.slice(0, -1)).toEqual(asEffects.slice(0, -1))
  })
})
