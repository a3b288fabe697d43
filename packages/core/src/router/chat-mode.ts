import { Clock, Effect } from "effect"
import type { ChatResult, JsonObject } from "../provider/contract.js"
import { UpstreamTimeout } from "../provider/errors.js"
import { traceEntry } from "./attempt.js"
import type { Mode } from "./context.js"

/** The upstream body of a non-streamed call: routing fields already stripped, no `stream` options. */
export const chatBody = (body: JsonObject): JsonObject => {
  if (!("stream" in body) && !("stream_options" in body)) return body
  const { stream: _s, stream_options: _o, ...rest } = body
  return rest
}

/**
 * Non-streamed attempts. The attempt timeout bounds the whole call; TTFT of a non-streamed call is
 * its full latency (the first token arrives with the body).
 */
export const chatMode: Mode<ChatResult> = {
  timeoutMs: (ctx, now) => Math.max(1, Math.min(ctx.routing.attemptTimeoutMs, ctx.deadlineAt - now)),
  call: (ctx, endpoint, client, timeoutMs) =>
    client.chat({ body: ctx.body, endpoint }).pipe(
      Effect.timeoutOrElse({
        duration: timeoutMs,
        orElse: () =>
          Effect.fail(
            new UpstreamTimeout({
              provider: endpoint.slug,
              status: 0,
              message: `No response within ${timeoutMs} ms`,
              phase: "attempt",
            }),
          ),
      }),
    ),
  onSuccess: (ctx, info, result) =>
    Effect.gen(function* () {
      const { capacity, health, stats } = ctx.services
      const now = yield* Clock.currentTimeMillis
      const latency = now - info.startedAt
      yield* capacity.settle(info.reservation, result.usage)
      yield* capacity.observe(info.endpoint, result.signals)
      yield* stats.record(info.endpoint.id, {
        outcome: "success",
        ttftMs: latency,
        latencyMs: latency,
        outputTokens: result.usage.completionTokens,
      })
      yield* health.record(info.endpoint.id, { _tag: "Success" }, info.probe)
      return ctx.trace.push(
        traceEntry(info, { endedAt: now, outcome: "success", status: 200, error: undefined, retryAfterMs: undefined }),
      )
    }),
  discard: (_ctx, ok) =>
    Effect.sync(() => {
      if (ok.trace !== undefined) ok.trace.outcome = "hedge_lost"
    }),
}
