import { Effect, Exit, Layer, Option, Tracer } from "effect"
import { describe, expect, it } from "vitest"
import { Router, Stats } from "../../src/index.js"
import {
  byPrice,
  FakeUpstream,
  hang,
  ok,
  requestOf,
  route,
  routerEnv,
  settle,
  successOf,
  twoCatalog,
} from "./support.js"

/** A tracer that keeps every span it makes (Effect's NativeSpan: ids, parent, attributes, status). */
const recording = () => {
  const spans: Array<Tracer.NativeSpan> = []
  const tracer = Tracer.make({
    span: (options) => {
      const span = new Tracer.NativeSpan(options)
      spans.push(span)
      return span
    },
  })
  return { spans, tracer }
}

const parentId = (s: Tracer.Span) => Option.getOrUndefined(s.parent)?.spanId
const endMs = (s: Tracer.Span) => (s.status._tag === "Ended" ? Number(s.status.endTime / 1_000_000n) : undefined)

describe("router spans (with a tracer in the runtime)", () => {
  it("a hedge: the hedged attempt is a sibling of the first under the request span; the loser ends interrupted", async () => {
    const { spans, tracer } = recording()
    const upstream = new FakeUpstream().always("a", hang).always("b", ok({ latencyMs: 50 }))
    const env = routerEnv(twoCatalog(), upstream).pipe(Layer.provide(Layer.succeed(Tracer.Tracer, tracer)))
    const program = Effect.gen(function* () {
      const stats = yield* Stats
      for (const ttftMs of [100, 120, 150, 180, 200])
        yield* stats.record("m@a", { outcome: "success", ttftMs, latencyMs: ttftMs })
      return successOf(
        yield* route(byPrice({ hedge: true }), {
          requestId: "req-1",
          traceparent: "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01",
        }),
      )
    })
    const result = await Effect.runPromise(program.pipe(Effect.provide(env)))
    const [request, ...attempts] = spans
    expect(request).toMatchObject({ name: "chat m", kind: "server", traceId: "0af7651916cd43dd8448eb211c80319c" })
    expect(parentId(request!)).toBe("b7ad6b7169203331")
    expect(result.trace.traceId).toBe("0af7651916cd43dd8448eb211c80319c")
    expect(attempts.map((a) => [a.name, a.kind, parentId(a), a.attributes.get("switchyard.hedge"), endMs(a)])).toEqual([
      ["chat m", "client", request!.spanId, false, 250],
      ["chat m", "client", request!.spanId, true, 250],
    ])
    expect(
      attempts.map((a) => [a.attributes.get("switchyard.endpoint"), a.attributes.get("switchyard.outcome")]),
    ).toEqual([
      ["m@a", "hedge_lost"],
      ["m@b", "success"],
    ])
    const lost = attempts[0]!.status
    expect(lost._tag === "Ended" && Exit.isFailure(lost.exit)).toBe(true)
    expect(request!.attributes.get("switchyard.endpoint")).toBe("m@b")
    expect(endMs(request!)).toBe(250)
    // the upstream got the attempt span as its parent
    expect(upstream.calls.map((c) => c.traceparent)).toEqual(
      attempts.map((a) => `00-0af7651916cd43dd8448eb211c80319c-${a.spanId}-01`),
    )
  })

  it("a router built without a tracer of its own makes no span, even under one, and sends the caller's traceparent as it is", async () => {
    const { spans, tracer } = recording()
    const upstream = new FakeUpstream().always("a", ok())
    const tp = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01"
    const program = Effect.flatMap(Router, (router) =>
      settle(
        router.route(requestOf(byPrice(), { traceparent: tp })).pipe(Effect.provideService(Tracer.Tracer, tracer)),
      ),
    )
    const result = successOf(await Effect.runPromise(program.pipe(Effect.provide(routerEnv(twoCatalog(), upstream)))))
    expect(spans).toEqual([])
    expect(upstream.calls.map((c) => c.traceparent)).toEqual([tp])
    expect(result.trace.traceId).toBe("0af7651916cd43dd8448eb211c80319c")
  })
})
