import { Cause, Clock, Deferred, Effect, Exit, Scope, Stream } from "effect"
import type { JsonObject } from "../provider/contract.js"
import { type ProviderError, UpstreamTimeout } from "../provider/errors.js"
import type { Usage } from "../provider/usage.js"
import { traceEntry } from "./attempt.js"
import { contentLength, usageFromJson } from "./chunks.js"
import { errorTypeFor, httpStatusFor } from "./classify.js"
import type { AttemptOk, RequestContext } from "./context.js"
import { costOf, usageJson } from "./cost.js"
import { type Committed, estimatedUsage } from "./stream-mode.js"
import type { AttemptOutcome, RouteStream, RouteTrace } from "./types.js"

/**
 * The in-band error chunk that ends a stream cut after its first content chunk (wire-facts §1): the
 * client sees `finish_reason: "error"` and the error, never a silent clean end. It carries no
 * `provider` (that was sent once, on the first chunk).
 */
export const errorChunk = (first: JsonObject | undefined, model: string, error: ProviderError): JsonObject => ({
  id: first?.id,
  object: "chat.completion.chunk",
  created: first?.created,
  model,
  error: {
    code: httpStatusFor(error),
    message: error.message,
    metadata: { error_type: errorTypeFor(error), provider_code: error.status === 0 ? undefined : error.status },
  },
  choices: [{ index: 0, delta: { content: "" }, finish_reason: "error" }],
})

/**
 * The client's stream once an attempt committed: the held-back head (with top-level `provider` on
 * the first chunk only), then the upstream's chunks, each with `model` = the model used and, on the
 * usage chunk, `usage.cost`. After the first content chunk nothing else is ever tried: an upstream
 * failure or the request deadline ends the stream with `errorChunk`. When the stream ends — done,
 * cut, or interrupted by the consumer — the upstream is closed, capacity is settled to the usage
 * (reported, or estimated from the text when the upstream sent none), Stats/Health are told, and the
 * trace completes.
 */
export const committedStream = (ctx: RequestContext, ok: AttemptOk<Committed>): Effect.Effect<RouteStream> =>
  Effect.gen(function* () {
    const done = yield* Deferred.make<RouteTrace>()
    const { info, value } = ok
    const endpoint = info.endpoint
    const { capacity, health, stats } = ctx.services
    let usage: Usage | undefined
    let chars = 0
    let outcome: AttemptOutcome | undefined
    let failure: ProviderError | undefined
    let phase: "head" | "body" | "end" = "head"
    let finalized = false
    const first = value.head[0]

    const touch = (chunk: JsonObject): void => {
      chunk.model = endpoint.model
      chars += contentLength(chunk)
      const u = usageFromJson(chunk.usage)
      if (u !== undefined) {
        usage = u
        chunk.usage = usageJson(chunk.usage, u, costOf(endpoint, u))
      }
    }
    for (const chunk of value.head) touch(chunk)
    if (first !== undefined) first.provider = endpoint.slug

    const end = (o: AttemptOutcome) => {
      phase = "end"
      outcome = o
    }

    const body = Effect.flatMap(Clock.currentTimeMillis, (now) => {
      const left = Math.max(1, ctx.deadlineAt - now)
      return ctx.services.deadlines
        .within(
          value.pull,
          left,
          () =>
            new UpstreamTimeout({
              provider: endpoint.slug,
              status: 0,
              message: `The request deadline passed mid-stream`,
              phase: "body",
            }),
        )
        .pipe(
          Effect.matchEffect({
            onSuccess: (batch): Effect.Effect<readonly [JsonObject, ...Array<JsonObject>], Cause.Done> => {
              if (batch === undefined || batch.length === 0) {
                end("success")
                return Cause.done()
              }
              for (const chunk of batch) touch(chunk)
              return Effect.succeed(batch as readonly [JsonObject, ...Array<JsonObject>])
            },
            onFailure: (error) => {
              end("stream_error")
              failure = error
              return Effect.succeed([errorChunk(first, endpoint.model, error)] as const)
            },
          }),
        )
    })

    const pull = Effect.suspend((): Effect.Effect<readonly [JsonObject, ...Array<JsonObject>], Cause.Done> => {
      switch (phase) {
        case "head":
          if (value.ended) end("success")
          else phase = "body"
          return Effect.succeed(value.head as readonly [JsonObject, ...Array<JsonObject>])
        case "body":
          return body
        case "end":
          return Cause.done()
      }
    })

    const finalize = Effect.gen(function* () {
      if (finalized) return
      finalized = true
      yield* Scope.close(value.scope, Exit.void)
      const now = yield* Clock.currentTimeMillis
      const final = outcome ?? "cancelled"
      const used = usage ?? estimatedUsage(ctx, chars)
      yield* capacity.settle(info.reservation, used)
      if (final === "success") {
        yield* stats.record(endpoint.id, {
          outcome: "success",
          ttftMs: value.firstTokenAt - info.startedAt,
          latencyMs: now - info.startedAt,
          outputTokens: used.completionTokens,
        })
        yield* health.record(endpoint.id, { _tag: "Success" }, info.probe)
      } else if (final === "stream_error") {
        yield* stats.record(endpoint.id, { outcome: "failure" })
        yield* health.record(endpoint.id, { _tag: "Failure" }, info.probe)
      } else {
        yield* health.record(endpoint.id, { _tag: "Abandoned" }, info.probe)
      }
      ctx.trace.push(
        traceEntry(info, {
          endedAt: now,
          outcome: final,
          status: 200,
          error: failure === undefined ? undefined : `${failure._tag}: ${failure.message}`,
          retryAfterMs: undefined,
        }),
      )
      const cost = costOf(endpoint, used)
      yield* Deferred.succeed(done, ctx.trace.finish(now, { endpoint, usage: used, cost }))
    })

    return {
      endpoint,
      chunks: Stream.fromPull(Effect.succeed(pull)).pipe(Stream.ensuring(finalize)),
      trace: Deferred.await(done),
    }
  })
