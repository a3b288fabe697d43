import * as Effect from "effect/Effect"
import type { Endpoint } from "../catalog/endpoint.js"
import type { ChatResult, JsonObject } from "../provider/contract.js"
import { UpstreamTimeout } from "../provider/errors.js"
import type { HealthReport } from "../services/health/service.js"
import { successSample, traceEntry } from "./attempt.js"
import { attemptLimitMs, measuredP99Ms } from "./attempt-timeout.js"
import type { Mode } from "./context.js"

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
          (deadline) => client.chat({ body, endpoint, deadline, traceparent }),
          timeoutMs,
          timeout,
        )
      : ctx.services.deadlines.within(client.chat({ body, endpoint, traceparent }), timeoutMs, timeout)
  },
  onSuccess: (ctx, info, result) => {
    const now = ctx.clock.currentTimeMillisUnsafe()
    const latency = now - info.startedAt
    const books = ctx.services.books(now)
    books.settle(info.reservation, result.usage)
    books.observe(info.endpoint, result.signals)
    books.stats(info.endpoint.id, successSample(latency, latency, result.usage, result.usage))
    books.health(info.endpoint.id, SUCCESS, info.probe)
    return books.close(() =>
      Effect.succeed(
        ctx.trace.push(
          traceEntry(info, {
            endedAt: now,
            outcome: "success",
            status: 200,
            error: undefined,
            retryAfterMs: undefined,
            upstreamRequestId: result.requestId,
          }),
        ),
      ),
    )
  },
  discard: (_ctx, ok) =>
    Effect.sync(() => {
      if (ok.trace !== undefined) ok.trace.outcome = "hedge_lost"
    }),
}
