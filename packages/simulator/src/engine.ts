import {
  type Catalog,
  ExplainPlans,
  type JsonObject,
  type ProviderClient,
  type ProviderPreferences,
  type RouteError,
  type RouteRequest,
  type RouteResult,
  Router,
  type RouterShape,
  type RoutingRequest,
  routerLayer,
  Simulated,
} from "@switchyard/core"
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import type * as Fiber from "effect/Fiber"
import * as Layer from "effect/Layer"
import * as Result from "effect/Result"
import * as Scope from "effect/Scope"
import {
  type CallResult,
  type ClientBehaviour,
  callRouter,
  count,
  type RequestTally,
  routeOutcome,
  sdkRetries,
  singleCall,
  smartRetry,
} from "./client.js"
import { providerSlugs, scenarioCatalog, scenarioUpstreamOptions } from "./deployment.js"
import { type MeteredEndpoint, PolicyRecorder, type PolicyResult, type RequestEnd } from "./metrics.js"
import type { Outcome } from "./outcome.js"
import { effectiveClasses, providerObjects } from "./provider-objects.js"
import { type ResolvedScenario, reservedCostOf } from "./resolve-scenario.js"
import type { ScenarioPolicy } from "./scenario.js"
import type { ArrivalTrace } from "./traffic.js"

/** Progress of one policy run, reported after each slice of virtual time. */
export interface Progress {
  readonly policy: string
  /** Virtual ms simulated so far (up to duration + deadline, when the last requests settle). */
  readonly virtualMs: number
  readonly endMs: number
  /** Requests that have ended. */
  readonly ended: number
  readonly requests: number
}

export interface PolicyRun {
  readonly result: PolicyResult
  /** Per-request columns (outcome, servedBy, cost…), indexed like the trace. */
  readonly recorder: PolicyRecorder
  readonly catalog: Catalog
  /** Defects (bugs) raised inside request fibers, first few messages. */
  readonly defects: ReadonlyArray<string>
}

const MESSAGES = [{ role: "user", content: "Summarize the attached quarterly report in five bullet points." }]
const ROUTED_MESSAGES: RoutingRequest["messages"] = [{ role: "user" }]

const noop = (): void => {}

/** The routing subset with another `max_tokens` (a replayed request's own). */
const withMaxTokens = (routing: RoutingRequest, maxTokens: number | undefined): RoutingRequest => {
  const { max_tokens: _, ...rest } = routing
  return maxTokens === undefined ? rest : { ...rest, max_tokens: maxTokens }
}

/** One request's end for the recorder, as a literal of one shape (no spreads: called once per request). */
const requestEnd = (
  tally: RequestTally,
  endedAt: number,
  outcome: Outcome,
  firstTokenAt: number | undefined,
  promptTokens: number,
  completionTokens: number,
  cachedTokens: number,
  servedBy: string | undefined,
): RequestEnd => ({
  outcome,
  endedAt,
  firstTokenAt,
  cost: tally.cost,
  cacheSavings: tally.cacheSavings,
  promptTokens,
  completionTokens,
  cachedTokens,
  servedBy,
  routerAttempts: tally.attempts,
  clientCalls: Math.max(1, tally.calls),
  client429s: tally.client429s,
  escalated: tally.escalated,
})

/** Run an effect that needs no virtual time to pass (building things); it must finish now. */
const runNow = <A, E>(vt: Simulated.VirtualTime, eff: Effect.Effect<A, E>): A => {
  const fiber = Simulated.forkVirtual(vt, eff)
  vt.runUntil(vt.now())
  const exit = fiber.pollUnsafe()
  if (exit === undefined) throw new Error("simulation setup did not complete")
  if (Exit.isFailure(exit)) throw new Error(`simulation setup failed: ${String(exit.cause)}`)
  return exit.value
}

const behaviourOf = (policy: ScenarioPolicy): ClientBehaviour => {
  switch (policy.kind) {
    case "single-provider":
      return sdkRetries(policy.retries ?? 2)
    case "client-smart-retry":
      return smartRetry(policy.retries ?? 3)
    default:
      return singleCall
  }
}

/**
 * Run one policy over the trace on the real router (catalog, policy, capacity, stats, health)
 * with simulated upstreams as its provider clients, in virtual time. A generator: it yields
 * progress after each slice of virtual time so a caller can render it; drive it to the end
 * (or use `simulatePolicy`) to get the run.
 */
export function* runPolicy(
  s: ResolvedScenario,
  trace: ArrivalTrace,
  policy: ScenarioPolicy,
  sliceMs = Math.max(60_000, s.bucketMs),
): Generator<Progress, PolicyRun, void> {
  const vt = Simulated.makeVirtualTime(0)
  const built = scenarioCatalog(s, policy)
  if (Result.isFailure(built)) throw new Error(built.failure.message)
  const catalog = built.success
  const upstreams: ReadonlyArray<Simulated.SimulatedUpstream> = providerSlugs(s).map((slug) =>
    runNow(vt, Simulated.makeSimulatedUpstream(slug, scenarioUpstreamOptions(s, slug))),
  )
  const clients = new Map<string, ProviderClient>(upstreams.map((u) => [u.slug, u.client]))
  const scope = runNow(vt, Scope.make())
  // the simulator never reads the plans' explanations (reasons, steps): the router writes none (same decisions)
  const layer = Layer.provide(
    routerLayer({ catalog, clients }, { seed: `${s.seed}/router/${policy.name}` }),
    Layer.succeed(ExplainPlans, false),
  )
  const router: RouterShape = Context.get(runNow(vt, Layer.buildWithScope(layer, scope)), Router)

  const metered: ReadonlyArray<MeteredEndpoint> = s.endpoints.map((e) => ({
    slug: e.slug,
    pool: e.pool ?? "standard",
    tokensPerMinute: e.capacity?.tokensPerMinute,
  }))
  const behaviour = behaviourOf(policy)
  const providers = providerObjects(s, policy)
  const classes = effectiveClasses(providers, s, catalog)
  const recorder = new PolicyRecorder(
    trace.at,
    trace.klass,
    classes,
    s.durationMs,
    s.bucketMs,
    metered,
    s.listPrice,
    reservedCostOf(s),
  )
  const slugById = new Map(catalog.endpoints.map((e) => [e.id, e.slug]))
  const sample = () => {
    const charged = new Map<string, number>()
    for (const u of upstreams)
      for (const p of u.probeAt(vt.now())) charged.set(slugById.get(p.endpoint) ?? p.endpoint, p.chargedTokens)
    recorder.sampleCharged(charged)
  }
  for (let k = 0; k <= recorder.buckets; k++) vt.schedule(Math.min(k * s.bucketMs, s.durationMs), sample)

  const defects: Array<string> = []
  let ended = 0

  // The routing subset depends only on (traffic class, call variant, streaming): built once per policy.
  const routingOf = (provider: ProviderPreferences | undefined, streaming: boolean): RoutingRequest => ({
    model: s.model,
    messages: ROUTED_MESSAGES,
    ...(streaming && { stream: true }),
    ...(s.maxTokens !== undefined && { max_tokens: s.maxTokens }),
    ...(provider !== undefined && { provider }),
  })
  const routings = providers.map((o) => ({
    plain: [routingOf(o.plain, false), routingOf(o.plain, true)] as const,
    pt: [routingOf(o.pt, false), routingOf(o.pt, true)] as const,
  }))

  const request = (i: number, variant: "plain" | "pt", remainingMs: number): RouteRequest => {
    const streaming = trace.stream[i] === 1
    const klass = trace.klass[i]!
    const provider = variant === "pt" ? providers[klass]!.pt : providers[klass]!.plain
    // The fields a client sends, in the same order, built without spreads (once per call).
    const body: JsonObject = { model: s.model, messages: MESSAGES }
    if (streaming) body.stream = true
    // a recorded request's own max_tokens (0: it sent none), else the scenario's
    const own = trace.maxTokens?.[i]
    const maxTokens = own === undefined ? s.maxTokens : own > 0 ? own : undefined
    if (maxTokens !== undefined) body.max_tokens = maxTokens
    if (provider !== undefined) body.provider = provider
    const conversation = trace.session?.[i] ?? 0
    const hint: JsonObject = { prompt_tokens: trace.promptTokens[i]!, output_tokens: trace.outputTokens[i]! }
    // a turn of a conversation: the upstream's prompt cache knows its prefix, and it is sent as the
    // conversation's session (the x-session-id header a client would send), for affinity
    if (conversation > 0) hint.session = `c${conversation}`
    body[Simulated.SIMULATION_HINT_FIELD] = hint
    const routing = routings[klass]![variant][streaming ? 1 : 0]
    const routed: RouteRequest = {
      body,
      routing: maxTokens === s.maxTokens ? routing : withMaxTokens(routing, maxTokens),
      estimatedPromptTokens: trace.promptTokens[i]!,
      requestId: `r${i}`,
      timeoutMs: Math.max(1, remainingMs),
    }
    return conversation > 0 ? { ...routed, sessionId: `c${conversation}` } : routed
  }

  // every request's deadline is one fixed delay after its start: timers set in time order
  const deadlines = vt.inOrder()
  const start = (i: number): void => {
    const deadlineAt = vt.now() + s.deadlineMs
    const streaming = trace.stream[i] === 1
    const tally: RequestTally = { calls: 0, attempts: 0, client429s: 0, escalated: false, cost: 0, cacheSavings: 0 }
    // A single non-streamed call is `router.route` alone, its exit read as `callRouter` would (fewer steps).
    const alone = behaviour === singleCall && !streaming
    const call = (variant: "plain" | "pt"): Effect.Effect<CallResult> =>
      Effect.suspend(() => callRouter(router, request(i, variant, deadlineAt - vt.now()), streaming))
    const fiber: Fiber.Fiber<CallResult | RouteResult, RouteError> = alone
      ? Simulated.forkVirtual(vt, router.route(request(i, "plain", deadlineAt - vt.now())))
      : Simulated.forkVirtual(vt, behaviour.run(call, tally))
    // The client's deadline: a virtual-time timer that interrupts the request's fiber, cancelled if the
    // request ends first. Cheaper than `Effect.timeoutOption` (a race of two more fibers per request),
    // and set at the same point (once the request has run up to its first wait), so timers due at the
    // same instant keep their order.
    let timedOut = false
    const cancelDeadline =
      fiber.pollUnsafe() === undefined
        ? deadlines(deadlineAt, () => {
            timedOut = true
            fiber.interruptUnsafe()
          })
        : noop
    fiber.addObserver((exit) => {
      cancelDeadline()
      ended++
      const endedAt = vt.now()
      // Past the deadline the request is lost to the client, whatever the fiber did while it was
      // being interrupted (as with a race against the deadline).
      if (timedOut) {
        recorder.record(i, requestEnd(tally, endedAt, "deadline", undefined, 0, 0, 0, undefined))
        return
      }
      const v = alone
        ? routeOutcome(exit as Exit.Exit<RouteResult, RouteError>)
        : Exit.isSuccess(exit)
          ? (exit.value as CallResult)
          : undefined
      if (v !== undefined) {
        if (alone) count(tally, v)
        recorder.record(
          i,
          v.ok
            ? requestEnd(
                tally,
                endedAt,
                "ok",
                v.firstTokenAt,
                v.promptTokens,
                v.completionTokens,
                v.cachedTokens,
                v.servedBy,
              )
            : requestEnd(tally, endedAt, v.outcome, undefined, 0, 0, 0, undefined),
        )
      } else {
        if (defects.length < 5 && Exit.isFailure(exit)) defects.push(String(exit.cause))
        recorder.record(i, requestEnd(tally, endedAt, "other", undefined, 0, 0, 0, undefined))
      }
    })
  }

  let next = 0
  const arrivals = vt.inOrder()
  const arrive = (): void => {
    const i = next++
    if (next < trace.count) arrivals(trace.at[next]!, arrive)
    start(i)
  }
  if (trace.count > 0) arrivals(trace.at[0]!, arrive)

  const endMs = s.durationMs + s.deadlineMs + 1
  for (let t = Math.min(sliceMs, endMs); ; t = Math.min(t + sliceMs, endMs)) {
    vt.runUntil(t)
    yield { policy: policy.name, virtualMs: t, endMs, ended, requests: trace.count }
    if (t >= endMs) break
  }
  runNow(vt, Scope.close(scope, Exit.void))
  return { result: recorder.summarize(policy.name, policy.kind), recorder, catalog, defects }
}

/** Run one policy to the end, synchronously. */
export const simulatePolicy = (s: ResolvedScenario, trace: ArrivalTrace, policy: ScenarioPolicy): PolicyRun => {
  const it = runPolicy(s, trace, policy)
  for (;;) {
    const step = it.next()
    if (step.done) return step.value
  }
}
