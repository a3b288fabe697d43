import * as Effect from "effect/Effect"
import * as Result from "effect/Result"
import type { Endpoint } from "../catalog/endpoint.js"
import { type ProviderError, TransportError } from "../provider/errors.js"
import type { Usage } from "../provider/usage.js"
import type { Books } from "../services/books.js"
import { estimateCharge, outputCharge } from "../services/capacity/charge.js"
import type { ReserveOptions } from "../services/capacity/service.js"
import type { StateUnavailable } from "../services/errors.js"
import type { HealthReport } from "../services/health/service.js"
import type { Entry } from "../services/live-state.js"
import type { StatsSample } from "../services/stats/window.js"
import { type Classified, classify } from "./classify.js"
import type { AttemptControl, AttemptInfo, AttemptResult, Mode, QueuedAttempt, RequestContext } from "./context.js"
import type { MutableAttemptTrace } from "./trace.js"
import { unmappedParameters } from "./unmapped.js"

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
    output: outputCharge(endpoint, ctx.prepared.planRequest.maxTokens),
    prompt: ctx.prepared.planRequest.estimatedPromptTokens,
  }
}

/** This request's estimated charge on `endpoint` (the same the snapshot predicted utilization with). */
export const chargeOf = (ctx: RequestContext, endpoint: Endpoint): number =>
  estimateCharge(
    endpoint,
    ctx.prepared.planRequest.estimatedPromptTokens,
    ctx.prepared.planRequest.maxTokens,
    ctx.services.capacity.promptScale(endpoint),
  )

const finiteOrUndefined = (n: number): number | undefined => (Number.isFinite(n) ? Math.ceil(n) : undefined)

export const traceEntry = (
  info: Pick<AttemptInfo, "queued" | "startedAt" | "hedge">,
  fields: Pick<MutableAttemptTrace, "endedAt" | "outcome" | "status" | "error" | "retryAfterMs"> & {
    readonly upstreamRequestId?: string | undefined
  },
): MutableAttemptTrace => {
  const endpoint = info.queued.planned.endpoint
  return {
    endpoint: endpoint.id,
    model: endpoint.model,
    pool: endpoint.pool,
    startedAt: info.startedAt,
    escalation: info.queued.escalation,
    hedge: info.hedge,
    endedAt: fields.endedAt,
    outcome: fields.outcome,
    status: fields.status,
    error: fields.error,
    retryAfterMs: fields.retryAfterMs,
    upstreamRequestId: fields.upstreamRequestId,
  }
}

/**
 * The Stats sample of a success: TTFT, latency, output tokens (of `used`, reported or estimated) and, when
 * the upstream reported its usage, the prompt tokens with their prompt-cache parts (the measured cache-hit
 * share the effective price is computed from; an estimate would count no hits).
 */
export const successSample = (
  ttftMs: number,
  latencyMs: number,
  used: Usage,
  reported: Usage | undefined,
): StatsSample =>
  reported === undefined
    ? { outcome: "success", ttftMs, latencyMs, outputTokens: used.completionTokens }
    : {
        outcome: "success",
        ttftMs,
        latencyMs,
        outputTokens: used.completionTokens,
        promptTokens: reported.promptTokens,
        cacheReadTokens: reported.cachedTokens,
        cacheWriteTokens: reported.cacheWriteTokens ?? 0,
        cacheWrite1hTokens: reported.cacheWrite1hTokens ?? 0,
      }

const ABANDONED: HealthReport = { _tag: "Abandoned" }

type Refusal<A> = Extract<AttemptResult<A>, { _tag: "Refused" }>

/** An attempt refused before the call (by Health or the CapacityMeter): traced, nothing reached the upstream. */
const refusal = <A>(
  ctx: RequestContext,
  queued: QueuedAttempt,
  startedAt: number,
  hedge: boolean,
  reason: Refusal<A>["reason"],
  waitMs: number,
  error: string,
): AttemptResult<A> => {
  ctx.trace.push(
    traceEntry(
      { queued, startedAt, hedge },
      {
        endedAt: startedAt,
        outcome: "refused_capacity",
        status: undefined,
        error,
        retryAfterMs: finiteOrUndefined(waitMs),
      },
    ),
  )
  return { _tag: "Refused", queued, endpoint: queued.planned.endpoint, waitMs, reason }
}

/** Health or the CapacityMeter said no before the call: nothing is held. */
const notAdmitted = <A>(
  ctx: RequestContext,
  queued: QueuedAttempt,
  startedAt: number,
  hedge: boolean,
  entry: Exclude<Entry, { _tag: "Admitted" }>,
): AttemptResult<A> =>
  entry._tag === "Blocked"
    ? refusal(
        ctx,
        queued,
        startedAt,
        hedge,
        entry.reason,
        entry.untilMs === undefined ? Number.POSITIVE_INFINITY : Math.max(0, entry.untilMs - startedAt),
        entry.reason === "cooldown" ? "cooling down after a rate limit" : "circuit breaker open",
      )
    : refusal(ctx, queued, startedAt, hedge, entry.reason, entry.waitMs, `capacity ${entry.reason}`)

/** The call was interrupted (client gone, hedge lost, deadline): refund, abandon a probe, record it. */
const cancelled = (ctx: RequestContext, info: AttemptInfo, control: AttemptControl): Effect.Effect<void> =>
  Effect.clockWith((clock) => {
    const { capacity, health } = ctx.services
    const endedAt = clock.currentTimeMillisUnsafe()
    return Effect.andThen(capacity.release(info.reservation, endedAt), () =>
      Effect.map(health.record(info.endpoint.id, ABANDONED, info.probe, endedAt), () => {
        ctx.trace.push(
          traceEntry(info, {
            endedAt,
            outcome: control.lost ? "hedge_lost" : "cancelled",
            status: undefined,
            error: undefined,
            retryAfterMs: undefined,
          }),
        )
      }),
    )
  })

/** A failed call's bookkeeping through `books`: the reservation released, a 429 or retry-after observed, Stats, Health. */
const bookFailure = (info: AttemptInfo, c: Classified, books: Books): Books => {
  const endpoint = info.endpoint
  books.release(info.reservation)
  if (c.rateLimited || c.retryAfterMs !== undefined)
    books.observe(endpoint, c.retryAfterMs === undefined ? {} : { retryAfterMs: c.retryAfterMs }, {
      rateLimited: c.rateLimited,
    })
  books.stats(endpoint.id, { outcome: c.stats })
  books.health(endpoint.id, c.health, info.probe)
  return books
}

/** A failed attempt's trace entry (pushed) and result. */
const failure = <A>(
  ctx: RequestContext,
  info: AttemptInfo,
  error: ProviderError,
  c: Classified,
  endedAt: number,
): AttemptResult<A> => {
  ctx.trace.push(
    traceEntry(info, {
      endedAt,
      outcome: c.outcome,
      status: error.status === 0 ? undefined : error.status,
      error: `${error._tag}: ${error.message}`,
      retryAfterMs: c.retryAfterMs,
      upstreamRequestId: error.requestId,
    }),
  )
  return {
    _tag: "Failed",
    queued: info.queued,
    endpoint: info.endpoint,
    error,
    classified: c,
    deadlineHit: error._tag === "UpstreamTimeout" && endedAt >= ctx.deadlineAt,
  }
}

/** The upstream call failed: classify it, tell CapacityMeter, Stats and Health, trace it. */
const failed = <A>(ctx: RequestContext, info: AttemptInfo, error: ProviderError): Effect.Effect<AttemptResult<A>> =>
  Effect.clockWith((clock) => {
    const endedAt = clock.currentTimeMillisUnsafe()
    const c = classify(error)
    return bookFailure(info, c, ctx.services.books(endedAt)).close(() =>
      Effect.succeed(failure<A>(ctx, info, error, c, endedAt)),
    )
  })

/**
 * An attempt on callbacks ended (`Mode.callOn`): its bookkeeping at once (`RouterServices.booksAtOnce`), its
 * result — what `admitted`'s continuation computes for a call that ended the same way.
 */
const endedNow = <A>(
  ctx: RequestContext,
  info: AttemptInfo,
  onSuccessNow: NonNullable<Mode<A>["onSuccessNow"]>,
  result: Result.Result<A, ProviderError>,
): AttemptResult<A> => {
  if (Result.isSuccess(result))
    return { _tag: "Ok", info, value: result.success, trace: onSuccessNow(ctx, info, result.success) }
  const endedAt = ctx.clock.currentTimeMillisUnsafe()
  const c = classify(result.failure)
  bookFailure(info, c, ctx.services.books(endedAt))
  return failure<A>(ctx, info, result.failure, c, endedAt)
}

/**
 * One attempt: admission (`LiveState.admit`: Health permit, then CapacityMeter reservation) → upstream call (interruptible through
 * `restore`, bounded by the per-attempt timeout) → classification and bookkeeping. Never fails:
 * the outcome is a value (only a fail-closed shared store can fail it, with `StateUnavailable`, before
 * anything is held). Run it inside `Effect.uninterruptibleMask` and pass its `restore`, so a
 * reservation can never leak: an interrupted call releases its reservation, abandons a half-open
 * probe and records `cancelled` (or `hedge_lost` when `control.lost` is set) before the
 * interruption propagates. `now`: the Clock's reading the caller already took for this step (see
 * `services/now.ts`); without it the attempt reads the Clock.
 */
export const runAttempt = <A>(
  ctx: RequestContext,
  queued: QueuedAttempt,
  mode: Mode<A>,
  restore: Restore,
  control: AttemptControl,
  hedge: boolean,
  now?: number,
): Effect.Effect<AttemptResult<A>, StateUnavailable> => {
  if (now === undefined)
    return Effect.clockWith((clock) =>
      runAttempt(ctx, queued, mode, restore, control, hedge, clock.currentTimeMillisUnsafe()),
    )
  const endpoint = queued.planned.endpoint
  const charge = chargeOf(ctx, endpoint)
  const options = reserveOptions(ctx, endpoint)
  const twins = ctx.services.twins
  // over the gates at once (the in-memory store's; a shared store's lease) the admission runs at once and the call
  // follows in the same step; else its effect (a round trip)
  const entry =
    twins !== undefined
      ? twins.live.admit(endpoint, charge, options, now)
      : ctx.services.live.admit(endpoint, charge, options, now)
  if (!Effect.isEffect(entry)) return admitted(ctx, queued, mode, restore, control, hedge, now, entry)
  return Effect.flatMap(entry, (e) => admitted(ctx, queued, mode, restore, control, hedge, now, e))
}

/** The attempt once `LiveState.admit` answered `entry` at `startedAt`: refused, or the call and its bookkeeping. */
const admitted = <A>(
  ctx: RequestContext,
  queued: QueuedAttempt,
  mode: Mode<A>,
  restore: Restore,
  control: AttemptControl,
  hedge: boolean,
  startedAt: number,
  entry: Entry,
): Effect.Effect<AttemptResult<A>> => {
  const endpoint = queued.planned.endpoint
  if (entry._tag !== "Admitted") return Effect.succeed(notAdmitted<A>(ctx, queued, startedAt, hedge, entry))
  const info: AttemptInfo = {
    queued,
    endpoint,
    reservation: entry.reservation,
    probe: entry.probe,
    startedAt,
    hedge,
  }
  const client = ctx.deployment.clients.get(endpoint.provider)
  if (client?.unmappedParameters !== undefined) {
    const dropped = unmappedParameters(ctx.deployment, endpoint, ctx.prepared)
    if (dropped.length > 0)
      ctx.trace.step(`${endpoint.id}: not sent (no ${endpoint.providerKind} equivalent): ${dropped.join(", ")}`)
  }
  const timeoutMs = client === undefined ? 0 : mode.timeoutMs(ctx, endpoint, startedAt, control.fallbackLeft)
  const traceparent =
    client === undefined || ctx.trace.spans === undefined
      ? ctx.traceparent
      : ctx.trace.spans.attemptStarted(endpoint, startedAt, queued.escalation, hedge)
  const onSuccessNow = mode.onSuccessNow
  const start =
    client === undefined || mode.callOn === undefined || !ctx.services.booksAtOnce
      ? undefined
      : mode.callOn(ctx, endpoint, client, timeoutMs, traceparent)
  // an in-process client in virtual time: the call on the Clock's callbacks, its end booked at once, one wait
  if (start !== undefined && onSuccessNow !== undefined)
    return restore(
      Effect.callback<AttemptResult<A>>((resume) => {
        const cancel = start((result) => resume(Effect.succeed(endedNow(ctx, info, onSuccessNow, result))))
        return Effect.suspend(() => {
          cancel()
          return cancelled(ctx, info, control)
        })
      }),
    )
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
      : mode.call(ctx, endpoint, client, timeoutMs, traceparent)
  return Effect.flatMap(
    Effect.result(Effect.onInterrupt(restore(call), () => cancelled(ctx, info, control))),
    (result): Effect.Effect<AttemptResult<A>> =>
      Result.isSuccess(result)
        ? Effect.map(
            mode.onSuccess(ctx, info, result.success),
            (trace): AttemptResult<A> => ({ _tag: "Ok", info, value: result.success, trace }),
          )
        : failed<A>(ctx, info, result.failure),
  )
}
