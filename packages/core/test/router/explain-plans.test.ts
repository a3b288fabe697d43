import { Effect, Exit, Layer } from "effect"
import { describe, expect, it } from "vitest"
import { ExplainPlans, type RouteResult } from "../../src/index.js"
import { byPrice, FakeUpstream, ok, route, routerEnv, successOf, twoCatalog } from "./support.js"

/** One request on a fresh router (built with `explain`), both endpoints answering. */
const routed = async (explain: boolean): Promise<RouteResult> => {
  const upstream = new FakeUpstream().always("a", ok()).always("b", ok())
  const env = routerEnv(twoCatalog(), upstream).pipe(Layer.provide(Layer.succeed(ExplainPlans, explain)))
  const exit = await Effect.runPromise(route(byPrice()).pipe(Effect.provide(env)))
  expect(Exit.isSuccess(exit)).toBe(true)
  return successOf(exit)
}

describe("ExplainPlans", () => {
  it("false: the trace's plan has no reasons or steps, and the request is routed the same", async () => {
    const explained = await routed(true)
    const bare = await routed(false)
    expect(explained.trace.plan.steps.length).toBeGreaterThan(0)
    expect(explained.trace.plan.attempts.every((a) => a.reasons.length > 0)).toBe(true)
    expect(bare.trace.plan.steps).toEqual([])
    expect(bare.trace.plan.attempts.map((a) => a.reasons)).toEqual(bare.trace.plan.attempts.map(() => []))
    expect(bare.trace.plan.attempts.map((a) => a.endpoint)).toEqual(
      explained.trace.plan.attempts.map((a) => a.endpoint),
    )
    expect(bare.endpoint.slug).toBe(explained.endpoint.slug)
    expect(bare.trace.attempts.map((a) => [a.endpoint, a.outcome])).toEqual(
      explained.trace.attempts.map((a) => [a.endpoint, a.outcome]),
    )
  })
})
