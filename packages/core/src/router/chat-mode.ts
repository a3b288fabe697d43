import * as Effect from "effect/Effect"
import type { Endpoint } from "../catalog/endpoint.js"
import type { ChatResult, JsonObject } from "../provider/contract.js"
import { UpstreamTimeout } from "../provider/errors.js"
import type { Books } from "../services/books.js"
import type { HealthReport } from "../services/health/service.js"
import { isCallbackClock } from "../simulated/timer.js"
import { successSample, traceEntry } from "./attempt.js"
import { attemptLimitMs, measuredP99Ms } from "./attempt-timeout.js"
import type { AttemptInfo, Mode, RequestContext } from "./context.js"
import type { MutableAttemptTrace } from "./trace.js"

const SUCCESS: HealthReport = { _tag: "Success" }

/** The upstream body of a non-streamed call: routing fields already stripped, no `stream` options. */
export const chatBody = (body: JsonObject): JsonObject => {
  if (!("stream" in body) && !("stream_options" in body)) return body
  const { stream: _s, stream_options: _o, ...rest } = body
  return rest
}

/** The failure of an attempt that ran out of time. */
const attemptTimeout =
  (endpoint: Endpoint, timeoutMs: number): (() => UpstreamTimeout) =>
  () =>
    new UpstreamTimeout({
      provider: endpoint.slug,
      status: 0,
      message: `No response within ${timeoutMs} ms`,
      phase: "attempt",
    })

/**
 * Non-streamed attempts. The attempt timeout bounds the whole call; TTFT of a non-streamed call is
 * its full latency (the first token arrives with the body).
 */
export const chatMode: Mode<ChatResult> = {
  timeoutMs: (ctx, endpoint, now, fallbackLeft) =>
    attemptLimitMs(ctx.routing, {
      configuredMs: ctx.routing.attemptTimeoutMs,
      leftMs: ctx.deadlineAt - now,
      p99Ms: measuredP99Ms(ctx, endpoint),
      fallbackLeft,
    }),
  call: (ctx, endpoint, client, timeoutMs, traceparent) => {
    const timeout = attemptTimeout(endpoint, timeoutMs)
    const body = ctx.body
    return client.enforcesDeadline === true
      ? ctx.services.deadlines.handing(
          (deadline) => client.chat({ body, bodyText: ctx.bodyText, endpoint, deadline, traceparent }),
          timeoutMs,
          timeout,
        )
      : ctx.services.deadlines.within(
          client.chat({ body, bodyText: ctx.bodyText, endpoint, traceparent }),
          timeoutMs,
          timeout,
        )
  },
  callOn: (ctx, endpoint, client, timeoutMs, traceparent) => {
    const chatOn = client.chatOn
    const clock = ctx.clock
    if (chatOn === undefined || client.enforcesDeadline !== true || !isCallbackClock(clock)) return undefined
    const body = ctx.body
    return (done) => {
      // the limit as `handing` holds it, released when the call ends or is cancelled
      const deadline = ctx.services.deadlines.handOn(clock, timeoutMs, attemptTimeout(endpoint, timeoutMs))
      const cancel = chatOn({ body, bodyText: ctx.bodyText, endpoint, deadline, traceparent }, clock, (result) => {
        deadline.release()
        done(result)
      })
      return () => {
        cancel()
        deadline.release()
      }
    }
  },
  onSuccess: (ctx, info, result) => {
    const now = ctx.clock.currentTimeMillisUnsafe()
    return booked(ctx, info, result, now).close(() => Effect.succeed(traced(ctx, info, result, now)))
  },
  onSuccessNow: (ctx, info, result) => {
    const now = ctx.clock.currentTimeMillisUnsafe()
    booked(ctx, info, result, now)
    return traced(ctx, info, result, now)
  },
  discard: (_ctx, ok) =>
    Effect.sync(() => {
      if (ok.trace !== undefined) ok.trace.outcome = "hedge_lost"
    }),
}

/** A success's bookkeeping at `now` (settle, observe, Stats, Health), in that order. */
const booked = (ctx: RequestContext, info: AttemptInfo, result: ChatResult, now: number): Books => {
  const latency = now - info.startedAt
  const books = ctx.services.books(now)
  books.settle(info.reservation, result.usage)
  books.observe(info.endpoint, result.signals)
  books.stats(info.endpoint.id, successSample(latency, latency, result.usage, result.usage))
  books.health(info.endpoint.id, SUCCESS, info.probe)
  return books
}

/** A success's trace entry, pushed. */
const traced = (ctx: RequestContext, info: AttemptInfo, result: ChatResult, now: number): MutableAttemptTrace =>
  ctx.trace.push(
    traceEntry(info, {
      endedAt: now,
      outcome: "success",
      status: 200,
      error: undefined,
      retryAfterMs: undefined,
      upstreamRequestId: result.requestId,
    }),
  )
