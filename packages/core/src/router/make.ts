import type * as Clock from "effect/Clock"
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import * as Result from "effect/Result"
import type * as Scope from "effect/Scope"
import * as Tracer from "effect/Tracer"
import { plan } from "../policy/plan.js"
import type { Snapshot } from "../policy/types.js"
import type { ChatResult } from "../provider/contract.js"
import { randomFunction } from "../random/seeded.js"
import { Affinity } from "../services/affinity/service.js"
import { booksAtOnce, makeBooks } from "../services/books.js"
import { CapacityMeter } from "../services/capacity/service.js"
import { Health } from "../services/health/service.js"
import { LiveState, type LiveStateAtOnce, type LiveStateServices } from "../services/live-state.js"
import { RetryBudget, type RetryBudgetAtOnce } from "../services/retry-budget/service.js"
import { Stats } from "../services/stats/service.js"
import { atOnceOf, twinOf } from "../services/twin.js"
import { keepStringPrototypeFast } from "../string-prototype.js"
import { rememberAffinity } from "./affinity.js"
import { chatBody, chatMode } from "./chat-mode.js"
import { streamBody } from "./chunks.js"
import type { AttemptOk, RequestContext, RouterServices } from "./context.js"
import { costBreakdown } from "./cost.js"
import { makeDeadlines } from "./deadlines.js"
import { servedRoute } from "./decorated-text.js"
import { ActiveDeployment, type ActiveDeploymentTwin, type Deployment } from "./deployment.js"
import type { RouteError } from "./errors.js"
import { execute } from "./execute.js"
import { ExplainPlans } from "./explain-plans.js"
import { type Prepared, prepare } from "./prepare.js"
import type { RouterShape } from "./router-shape.js"
import { buildSnapshot, readSnapshot } from "./snapshot.js"
import { RequestSpans } from "./spans.js"
import { endpointStatus } from "./status.js"
import { streamMode } from "./stream-mode.js"
import { committedStream } from "./stream-output.js"
import { TraceRecorder } from "./trace.js"
import { parseTraceparent } from "./traceparent.js"
import type { RouteRequest, RouteResult, RouteStream } from "./types.js"
import { unmappedParameters } from "./unmapped.js"

/**
 * Build the router from its services. A function declaration (hoisted) so `Router.layer` in
 * `service.ts` can reference it whatever the module evaluation order. Everything per-process is
 * built here once; each request is one Effect program over these values.
 */
export function makeRouter(): Effect.Effect<RouterShape, never, ActiveDeployment | LiveStateServices | Scope.Scope> {
  return Effect.gen(function* () {
    // a String subclass anywhere in the process (ioredis, node-redis) would slow every string scan on the request path
    keepStringPrototypeFast()
    const active = yield* ActiveDeployment
    const capacity = yield* CapacityMeter
    const stats = yield* Stats
    const health = yield* Health
    const live = yield* LiveState
    const budget = yield* RetryBudget
    const liveTwin = atOnceOf<LiveStateAtOnce>(live)
    const budgetTwin = atOnceOf<RetryBudgetAtOnce>(budget)
    const services: RouterServices = {
      capacity,
      stats,
      health,
      live,
      budget,
      affinity: yield* Affinity,
      random: yield* randomFunction,
      deadlines: makeDeadlines(yield* Effect.scope),
      books: makeBooks(capacity, stats, health),
      booksAtOnce: booksAtOnce(capacity, stats, health),
      twins: liveTwin === undefined || budgetTwin === undefined ? undefined : { live: liveTwin, budget: budgetTwin },
    }
    const explain = yield* ExplainPlans
    /** The deployment in force, read at once when `active` is the in-memory one (its twin). */
    const current = twinOf<ActiveDeploymentTwin>(active)
    // Spans only when the runtime has a tracer of its own (Effect's OTLP exporter, or an embedding
    // app's): with Effect's native one, the router creates none and reads no span from the fiber.
    const runtimeTracer = yield* Tracer.Tracer
    const tracer = runtimeTracer === Tracer.nativeTracer ? undefined : runtimeTracer

    /** The request's context, once its snapshot is read. */
    const opened = (
      request: RouteRequest,
      streamed: boolean,
      spans: RequestSpans | undefined,
      deployment: Deployment,
      p: Prepared,
      snapshot: Snapshot,
      clock: Clock.Clock,
      now: number,
    ): RequestContext => {
      const routing = deployment.catalog.routing
      const routePlan = plan(p.planRequest, p.candidates, snapshot, {
        random: services.random,
        explain,
        escalating: false,
        unmapped: (e) => unmappedParameters(deployment, e, p),
        failurePenalty: routing.failurePenalty,
        affinityTolerance: routing.affinity.tolerance,
      })
      const parent = request.traceparent === undefined ? undefined : parseTraceparent(request.traceparent)
      const trace = new TraceRecorder(
        request.requestId,
        spans?.traceId ?? parent?.traceId,
        p.requestedModels,
        p.priority,
        now,
        spans,
      )
      trace.setPlan(routePlan)
      return {
        services,
        deployment,
        routing,
        prepared: p,
        body: streamed ? streamBody(p.body) : chatBody(p.body),
        bodyText: request.bodyText,
        plan: routePlan,
        snapshot,
        trace,
        startedAt: now,
        deadlineAt: now + p.timeoutMs,
        traceparent: parent === undefined || spans !== undefined ? undefined : request.traceparent,
        clock,
      }
    }

    /**
     * The request on `deployment`, now (its `clock`'s time): prepared, counted by the retry budget, its snapshot read
     * (at once over the twins, else as the services' effects), planned; then `run` on its context.
     */
    const started = <A>(
      request: RouteRequest,
      streamed: boolean,
      spans: RequestSpans | undefined,
      deployment: Deployment,
      clock: Clock.Clock,
      run: (ctx: RequestContext) => Effect.Effect<A, RouteError>,
    ): Effect.Effect<A, RouteError> => {
      const now = clock.currentTimeMillisUnsafe()
      if (spans !== undefined) spans.endpoints = deployment.catalog.endpointsById
      const prepared = prepare(deployment.catalog, request)
      if (Result.isFailure(prepared)) return Effect.fail(prepared.failure)
      const p = prepared.success
      const routing = deployment.catalog.routing
      const twins = services.twins
      if (twins !== undefined) {
        twins.budget.recordRequest(now)
        const snapshot = readSnapshot(twins.live, services, routing, p, now)
        return Effect.isEffect(snapshot)
          ? Effect.flatMap(snapshot, (s) => run(opened(request, streamed, spans, deployment, p, s, clock, now)))
          : run(opened(request, streamed, spans, deployment, p, snapshot, clock, now))
      }
      const reads = Effect.andThen(services.budget.recordRequest(now), buildSnapshot(services, routing, p, now))
      return Effect.flatMap(reads, (snapshot) =>
        run(opened(request, streamed, spans, deployment, p, snapshot, clock, now)),
      )
    }

    /** The request begun (`started`) on the deployment in force, then `run` on its context. */
    const begin = <A>(
      request: RouteRequest,
      streamed: boolean,
      spans: RequestSpans | undefined,
      run: (ctx: RequestContext) => Effect.Effect<A, RouteError>,
    ): Effect.Effect<A, RouteError> =>
      current === undefined
        ? Effect.flatMap(active.get, (deployment) =>
            Effect.clockWith((clock) => started(request, streamed, spans, deployment, clock, run)),
          )
        : Effect.clockWith((clock) => started(request, streamed, spans, current.current(), clock, run))

    /** The served completion as the client sees it, and the finished trace (built when it runs: see `ctx.clock`). */
    const served = (ctx: RequestContext, ok: AttemptOk<ChatResult>): Effect.Effect<RouteResult> => {
      const endpoint = ok.info.endpoint
      const chat = ok.value
      const usage = chat.usage
      const cost = costBreakdown(endpoint, usage)
      const now = ctx.clock.currentTimeMillisUnsafe()
      const trace = ctx.trace.finish(now, {
        endpoint,
        usage,
        cost,
        firstTokenAt: ok.trace?.endedAt ?? now,
        traffic: chat.signals.trafficType,
      })
      return Effect.as(
        rememberAffinity(ctx, endpoint, now),
        servedRoute(chat, endpoint, usage, cost, trace, ctx.deadlineAt),
      )
    }

    const runRoute = (ctx: RequestContext): Effect.Effect<RouteResult, RouteError> =>
      Effect.flatMap(
        Effect.uninterruptibleMask((restore) => execute(ctx, chatMode, restore)),
        (ok) => served(ctx, ok),
      )
    const runStream = (ctx: RequestContext): Effect.Effect<RouteStream, RouteError> =>
      Effect.uninterruptibleMask((restore) =>
        Effect.flatMap(execute(ctx, streamMode, restore), (ok) => committedStream(ctx, ok)),
      )

    /**
     * A request with its spans: the request span starts now, continuing the caller's `traceparent`
     * (else the fiber's current span); what a failure or an interruption leaves open ends at exit.
     */
    const traced = <A>(
      tracer: Tracer.Tracer,
      request: RouteRequest,
      streamed: boolean,
      run: (ctx: RequestContext) => Effect.Effect<A, RouteError>,
    ): Effect.Effect<A, RouteError> =>
      Effect.flatMap(Effect.serviceOption(Tracer.ParentSpan), (fiberParent) =>
        Effect.clockWith((clock) => {
          const caller = request.traceparent === undefined ? undefined : parseTraceparent(request.traceparent)
          const parent: Option.Option<Tracer.AnySpan> =
            caller === undefined ? fiberParent : Option.some(Tracer.externalSpan(caller))
          const model = request.routing.model ?? request.routing.models?.[0]
          const spans = new RequestSpans(tracer, parent, model, request.requestId, clock.currentTimeMillisUnsafe())
          return Effect.onExit(begin(request, streamed, spans, run), (exit) =>
            Effect.clockWith((c) => Effect.sync(() => spans.exited(exit, c.currentTimeMillisUnsafe()))),
          )
        }),
      )

    const route = (request: RouteRequest): Effect.Effect<RouteResult, RouteError> =>
      tracer === undefined ? begin(request, false, undefined, runRoute) : traced(tracer, request, false, runRoute)

    const stream = (request: RouteRequest): Effect.Effect<RouteStream, RouteError> =>
      tracer === undefined ? begin(request, true, undefined, runStream) : traced(tracer, request, true, runStream)

    return {
      route,
      stream,
      endpointStatus: (model) =>
        Effect.flatMap(active.get, (deployment) => endpointStatus(services, deployment, model)),
    }
  })
}
