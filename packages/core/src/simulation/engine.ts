import { Context, Effect, Exit, Layer, Option, Random, Result, Scope } from "effect"
import type { Catalog } from "../catalog/catalog.js"
import type { ProviderClient } from "../provider/contract.js"
import { ActiveDeployment, Router, type RouterShape } from "../router/service.js"
import type { RouteRequest } from "../router/types.js"
import type { ProviderPreferences } from "../schema/provider-preferences.js"
import type { RoutingRequest } from "../schema/routing-request.js"
import { CapacityMeter } from "../services/capacity/service.js"
import { Health } from "../services/health/service.js"
import { Stats } from "../services/stats/service.js"
import {
  type CallResult,
  type ClientBehaviour,
  callRouter,
  type RequestTally,
  sdkRetries,
  singleCall,
  smartRetry,
} from "./client.js"
import { providerSlugs, scenarioCatalog, scenarioUpstreamOptions } from "./deployment.js"
import { type MeteredEndpoint, PolicyRecorder, type PolicyResult } from "./metrics.js"
import { SIMULATION_HINT_FIELD } from "./request-shape.js"
import type { ResolvedScenario } from "./resolve-scenario.js"
import type { ScenarioPolicy } from "./scenario.js"
import type { ArrivalTrace } from "./traffic.js"
import { makeSimulatedUpstream, type SimulatedUpstream } from "./upstream.js"
import { forkVirtual, makeVirtualTime, type VirtualTime } from "./virtual-time.js"

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

/** Run an effect that needs no virtual time to pass (building things); it must finish now. */
const runNow = <A, E>(vt: VirtualTime, eff: Effect.Effect<A, E>): A => {
  const fiber = forkVirtual(vt, eff)
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

/** The `provider` object of each call variant, per traffic class (built once per policy). */
const providerObjects = (
  s: ResolvedScenario,
  policy: ScenarioPolicy,
): ReadonlyArray<{ readonly plain: ProviderPreferences | undefined; readonly pt: ProviderPreferences }> => {
  const provisioned = s.endpoints.filter((e) => e.pool === "provisioned").map((e) => e.slug)
  const ptOrder = policy.ptOrder ?? provisioned
  const cheapest = [...s.endpoints]
    .filter((e) => (e.pool ?? "standard") === "standard")
    .sort((a, b) => a.price.prompt + a.price.completion - (b.price.prompt + b.price.completion))[0]
  const target = policy.target ?? cheapest?.slug ?? s.endpoints[0]!.slug
  return s.classes.map((c) => {
    const base: ProviderPreferences = {
      ...c.provider,
      ...(c.priority !== undefined && { priority: c.priority }),
      ...policy.provider,
    }
    const pt: ProviderPreferences = { ...base, order: ptOrder, allow_fallbacks: true }
    switch (policy.kind) {
      case "single-provider":
        return { plain: { ...base, only: [target], allow_fallbacks: false }, pt }
      case "pt-first":
        return { plain: pt, pt }
      default:
        return { plain: Object.keys(base).length > 0 ? base : undefined, pt }
    }
  })
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
  const vt = makeVirtualTime(0)
  const built = scenarioCatalog(s, policy)
  if (Result.isFailure(built)) throw new Error(built.failure.message)
  const catalog = built.success
  const upstreams: ReadonlyArray<SimulatedUpstream> = providerSlugs(s).map((slug) =>
    runNow(vt, makeSimulatedUpstream(slug, scenarioUpstreamOptions(s, slug))),
  )
  const clients = new Map<string, ProviderClient>(upstreams.map((u) => [u.slug, u.client]))
  const scope = runNow(vt, Scope.make())
  const layer = Router.layer.pipe(
    Layer.provide([ActiveDeployment.layer({ catalog, clients }), CapacityMeter.layer, Stats.layer, Health.layer]),
  )
  const router: RouterShape = Context.get(
    runNow(vt, Layer.buildWithScope(layer, scope).pipe(Random.withSeed(`${s.seed}/router/${policy.name}`))),
    Router,
  )

  const metered: ReadonlyArray<MeteredEndpoint> = s.endpoints.map((e) => ({
    slug: e.slug,
    pool: e.pool ?? "standard",
    tokensPerMinute: e.capacity?.tokensPerMinute,
  }))
  const recorder = new PolicyRecorder(trace.at, s.durationMs, s.bucketMs, metered, s.listPrice)
  const slugById = new Map(catalog.endpoints.map((e) => [e.id, e.slug]))
  const sample = () => {
    const charged = new Map<string, number>()
    for (const u of upstreams)
      for (const p of u.probeAt(vt.now())) charged.set(slugById.get(p.endpoint) ?? p.endpoint, p.chargedTokens)
    recorder.sampleCharged(charged)
  }
  for (let k = 0; k <= recorder.buckets; k++) vt.schedule(Math.min(k * s.bucketMs, s.durationMs), sample)

  const behaviour = behaviourOf(policy)
  const providers = providerObjects(s, policy)
  const defects: Array<string> = []
  let ended = 0

  const request = (i: number, provider: ProviderPreferences | undefined, remainingMs: number): RouteRequest => {
    const streaming = trace.stream[i] === 1
    const routing: RoutingRequest = {
      model: s.model,
      messages: ROUTED_MESSAGES,
      ...(streaming && { stream: true }),
      ...(s.maxTokens !== undefined && { max_tokens: s.maxTokens }),
      ...(provider !== undefined && { provider }),
    }
    return {
      body: {
        model: s.model,
        messages: MESSAGES,
        ...(streaming && { stream: true }),
        ...(s.maxTokens !== undefined && { max_tokens: s.maxTokens }),
        ...(provider !== undefined && { provider }),
        [SIMULATION_HINT_FIELD]: { prompt_tokens: trace.promptTokens[i]!, output_tokens: trace.outputTokens[i]! },
      },
      routing,
      estimatedPromptTokens: trace.promptTokens[i]!,
      requestId: `r${i}`,
      timeoutMs: Math.max(1, remainingMs),
    }
  }

  const start = (i: number): void => {
    const arrived = vt.now()
    const deadlineAt = arrived + s.deadlineMs
    const streaming = trace.stream[i] === 1
    const objects = providers[trace.klass[i]!]!
    const tally: RequestTally = { calls: 0, attempts: 0, client429s: 0, escalated: false, cost: 0 }
    const call = (variant: "plain" | "pt"): Effect.Effect<CallResult> =>
      Effect.suspend(() =>
        callRouter(router, request(i, variant === "pt" ? objects.pt : objects.plain, deadlineAt - vt.now()), streaming),
      )
    const fiber = forkVirtual(vt, Effect.timeoutOption(behaviour.run(call, tally), s.deadlineMs))
    fiber.addObserver((exit) => {
      ended++
      const common = {
        endedAt: vt.now(),
        cost: tally.cost,
        routerAttempts: tally.attempts,
        clientCalls: Math.max(1, tally.calls),
        client429s: tally.client429s,
        escalated: tally.escalated,
      }
      if (Exit.isFailure(exit)) {
        if (defects.length < 5) defects.push(String(exit.cause))
        recorder.record(i, {
          ...common,
          outcome: "other",
          firstTokenAt: undefined,
          promptTokens: 0,
          completionTokens: 0,
          servedBy: undefined,
        })
        return
      }
      const r = exit.value
      if (Option.isNone(r)) {
        recorder.record(i, {
          ...common,
          outcome: "deadline",
          firstTokenAt: undefined,
          promptTokens: 0,
          completionTokens: 0,
          servedBy: undefined,
        })
        return
      }
      const v = r.value
      recorder.record(
        i,
        v.ok
          ? {
              ...common,
              outcome: "ok",
              firstTokenAt: v.firstTokenAt,
              promptTokens: v.promptTokens,
              completionTokens: v.completionTokens,
              servedBy: v.servedBy,
            }
          : {
              ...common,
              outcome: v.outcome,
              firstTokenAt: undefined,
              promptTokens: 0,
              completionTokens: 0,
              servedBy: undefined,
            },
      )
    })
  }

  let next = 0
  const arrive = (): void => {
    const i = next++
    if (next < trace.count) vt.schedule(trace.at[next]!, arrive)
    start(i)
  }
  if (trace.count > 0) vt.schedule(trace.at[0]!, arrive)

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
