import { Effect, Exit } from "effect"
import { describe, expect, it } from "vitest"
import { type RouteTrace, UpstreamFailed } from "../../src/index.js"
import { redactDeep, redactGeneric } from "../../src/redact/redactor.js"
import { chat, FakeUpstream, fail, ok, route, runRouter, serverError, twoCatalog } from "./support.js"

// A trace's `plan` (every attempt's reasons, the steps) is written when first read. It must read the same whenever
// that is — what the router knew when it planned the request, not what it has learnt since — and every copy of the
// trace a client gets (JSON, `redactDeep` for `x-switchyard-trace`) must carry it.

const traceOf = (exit: Exit.Exit<{ readonly trace: RouteTrace }, unknown>): RouteTrace => {
  if (Exit.isSuccess(exit)) return exit.value.trace
  const failure = exit.cause.reasons.find((r) => r._tag === "Fail")
  if (failure?._tag === "Fail" && failure.error instanceof UpstreamFailed) return failure.error.trace
  throw new Error("expected a served request or an UpstreamFailed")
}

// `a` (cheaper) fails now and then: its success rate, outage and the picks change from one request to the next
const upstream = () =>
  new FakeUpstream()
    .script("a", ok(), fail(serverError), ok(), fail(serverError), fail(serverError), ok(), ok(), fail(serverError))
    .always("b", ok())

const requests = 14
// load balancing by price (no `sort`): the reasons say how each endpoint was picked and what its failures cost it
const body = chat({ model: "m" })

describe("the routing trace's plan", () => {
  it("reads the same when read right away and when read after later requests changed the live state", async () => {
    const readAtOnce = await runRouter(
      twoCatalog(),
      upstream(),
      Effect.gen(function* () {
        const plans: Array<string> = []
        for (let i = 0; i < requests; i++) plans.push(JSON.stringify(traceOf(yield* route(body, {}, 2_000)).plan))
        return plans
      }),
    )
    const readAtEnd = await runRouter(
      twoCatalog(),
      upstream(),
      Effect.gen(function* () {
        const traces: Array<RouteTrace> = []
        for (let i = 0; i < requests; i++) traces.push(traceOf(yield* route(body, {}, 2_000)))
        return traces.map((t) => JSON.stringify(t.plan))
      }),
    )
    expect(readAtEnd).toEqual(readAtOnce)
    // the live state did change what the plans say along the way (else this would prove nothing)
    expect(new Set(readAtOnce).size).toBeGreaterThan(1)
    const first = JSON.parse(readAtOnce[0]!) as RouteTrace["plan"]
    expect(first.attempts.map((a) => a.endpoint).sort()).toEqual(["m@a", "m@b"])
    expect(first.attempts.every((a) => a.reasons.length > 0)).toBe(true)
    expect(first.steps.length).toBeGreaterThan(0)
  })

  it("is in a spread, a JSON copy and a redacted copy of the trace, as plain data", async () => {
    const trace = await runRouter(
      twoCatalog(),
      new FakeUpstream().always("a", fail(serverError)).always("b", ok()),
      Effect.map(route(body, {}, 2_000), traceOf),
    )
    const plain = {
      attempts: trace.plan.attempts.map((a) => ({ ...a })),
      escalation: trace.plan.escalation,
      excluded: trace.plan.excluded,
      steps: trace.plan.steps,
    }
    expect({ ...trace }.plan.steps).toEqual(plain.steps)
    expect(JSON.parse(JSON.stringify(trace)).plan).toEqual(plain)
    expect(redactDeep(trace, redactGeneric).plan).toEqual(plain)
    expect(plain.attempts.map((a) => a.endpoint).sort()).toEqual(["m@a", "m@b"])
    expect(plain.steps.length).toBeGreaterThan(0)
  })
})
