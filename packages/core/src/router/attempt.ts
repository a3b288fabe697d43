import { Clock, Effect, Result } from "effect"
import type { Endpoint } from "../catalog/endpoint.js"
import { TransportError } from "../provider/errors.js"
import type { CapacitySignals } from "../provider/usage.js"
import { estimateCharge } from "../services/capacity/charge.js"
import type { ReserveOptions } from "../services/capacity/service.js"
import { classify } from "./classify.js"
import type { AttemptControl, AttemptInfo, AttemptResult, Mode, QueuedAttempt, RequestContext } from "./context.js"
import type { MutableAttemptTrace } from "./trace.js"

/** Restores the interruptibility of an enclosing `Effect.uninterruptibleMask`. */
export type Restore = <A, E, R>(effect: Effect.Effect<A, E, R>) => Effect.Effect<A, E, R>

/**
 * CapacityMeter admission for this request on this endpoint: PT pools always enforce admission (and keep
 * `criticalHeadroom` free for `critical` requests); standard endpoints follow `routing.admission`.
 */
export const reserveOptions = (ctx: RequestContext, endpoint: Endpoint): ReserveOptions => {
  const pt = endpoint.pool === "provisioned"
  return {
    admission: pt || ctx.routing.admission,
    headroom: pt && ctx.prepared.priority !== "critical" ? ctx.routing.criticalHeadroom : 0,
  }
}

export const chargeOf = (ctx: RequestContext, endpoint: Endpoint): number =>
  ctx.charges.get(endpoint.id) ??
  estimateCharge(endpoint, ctx.prepared.planRequest.estimatedPromptTokens, ctx.prepared.planRequest.maxTokens)

const finiteOrUndefined = (n: number): number | undefined => (Number.isFinite(n) ? Math.ceil(n) : undefined)

export const traceEntry = (
  info: Pick<AttemptInfo, "queued" | "startedAt" | "hedge">,
  fields: Pick<MutableAttemptTrace, "endedAt" | "outcome" | "status" | "error" | "retryAfterMs">,
): MutableAttemptTrace => {
  const endpoint = info.queued.planned.endpoint
  return {
    endpoint: endpoint.id,
    model: endpoint.model,
    pool: endpoint.pool,
    startedAt: info.startedAt,
    escalation: info.queued.escalation,
    hedge: info.hedge,
    ...fields,
  }
}

/**
 * One attempt: Health permit → CapacityMeter reservation → upstream call (interruptible through
 * `restore`, bounded by the per-attempt timeout) → classification and bookkeeping. Never fails:
 * the outcome is a value. Run it inside `Effect.uninterruptibleMask` and pass its `restore`, so a
 * reservation can never leak: an interrupted call releases its reservation, abandons a half-open
 * probe and records `cancelled` (or `hedge_lost` when `control.lost` is set) before the
 * interruption propagates.
 */
export const runAttempt = <A>(
  ctx: RequestContext,
  queued: QueuedAttempt,
  mode: Mode<A>,
  restore: Restore,
  control: AttemptControl,
  hedge: boolean,
): Effect.Effect<AttemptResult<A>> =>
  Effect.gen(function* () {
    const { capacity, health, stats } = ctx.services
    const endpoint = queued.planned.endpoint
    const startedAt = yield* Clock.currentTimeMillis
    const base = { queued, startedAt, hedge }
    const permit = yield* health.acquire(endpoint.id)
    if (permit._tag === "Blocked") {
      const waitMs = permit.untilMs === undefined ? Number.POSITIVE_INFINITY : Math.max(0, permit.untilMs - startedAt)
      ctx.trace.push(
        traceEntry(base, {
          endedAt: startedAt,
          outcome: "refused_capacity",
          status: undefined,
          error: permit.reason === "cooldown" ? "cooling down after a rate limit" : "circuit breaker open",
          retryAfterMs: finiteOrUndefined(waitMs),
        }),
      )
      return { _tag: "Refused", queued, endpoint, waitMs, reason: permit.reason } as const
    }
    const admission = yield* capacity.reserve(endpoint, chargeOf(ctx, endpoint), reserveOptions(ctx, endpoint))
    if (admission._tag === "Refused") {
      yield* health.record(endpoint.id, { _tag: "Abandoned" }, permit.probe)
      ctx.trace.push(
        traceEntry(base, {
          endedAt: startedAt,
          outcome: "refused_capacity",
          status: undefined,
          error: `capacity ${admission.reason}`,
          retryAfterMs: finiteOrUndefined(admission.waitMs),
        }),
      )
      return { _tag: "Refused", queued, endpoint, waitMs: admission.waitMs, reason: admission.reason } as const
    }
    const info: AttemptInfo = {
      queued,
      endpoint,
      reservation: admission.reservation,
      probe: permit.probe,
      startedAt,
      hedge,
    }
    const client = ctx.deployment.clients.get(endpoint.provider)
    const call =
      client === undefined
        ? Effect.fail(
            new TransportError({
              provider: endpoint.provider,
              status: 0,
              message: `No client is configured for provider '${endpoint.provider}'`,
              kind: "connect",
            }),
          )
        : mode.call(ctx, endpoint, client, mode.timeoutMs(ctx, startedAt))
    const cancelled = Effect.gen(function* () {
      const now = yield* Clock.currentTimeMillis
      yield* capacity.release(info.reservation)
      yield* health.record(endpoint.id, { _tag: "Abandoned" }, info.probe)
      ctx.trace.push(
        traceEntry(base, {
          endedAt: now,
          outcome: control.lost ? "hedge_lost" : "cancelled",
          status: undefined,
          error: undefined,
          retryAfterMs: undefined,
        }),
      )
    })
    const result = yield* restore(call).pipe(
      Effect.onInterrupt(() => cancelled),
      Effect.result,
    )
    if (Result.isSuccess(result)) {
      const trace = yield* mode.onSuccess(ctx, info, result.success)
      return { _tag: "Ok", info, value: result.success, trace } as const
    }
    const error = result.failure
    const endedAt = yield* Clock.currentTimeMillis
    const c = classify(error)
    yield* capacity.release(info.reservation)
    if (c.rateLimited || c.retryAfterMs !== undefined) {
      const signals: CapacitySignals = c.retryAfterMs === undefined ? {} : { retryAfterMs: c.retryAfterMs }
      yield* capacity.observe(endpoint, signals, { rateLimited: c.rateLimited })
    }
    yield* stats.record(endpoint.id, { outcome: c.stats })
    yield* health.record(endpoint.id, c.health, info.probe)
    ctx.trace.push(
      traceEntry(base, {
        endedAt,
        outcome: c.outcome,
        status: error.status === 0 ? undefined : error.status,
        error: `${error._tag}: ${error.message}`,
        retryAfterMs: c.retryAfterMs,
      }),
    )
    return {
      _tag: "Failed",
      queued,
      endpoint,
      error,
      classified: c,
      deadlineHit: error._tag === "UpstreamTimeout" && endedAt >= ctx.deadlineAt,
    } as const
  })
