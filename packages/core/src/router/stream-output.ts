import * as Cause from "effect/Cause"
import * as Channel from "effect/Channel"
import * as Clock from "effect/Clock"
import * as Deferred from "effect/Deferred"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import type * as Fiber from "effect/Fiber"
import * as Scope from "effect/Scope"
import * as Stream from "effect/Stream"
import type { JsonObject } from "../provider/contract.js"
import { type ProviderError, UpstreamTimeout } from "../provider/errors.js"
import { type Usage, usageFromOpenAi } from "../provider/usage.js"
import { rememberAffinity } from "./affinity.js"
import { successSample, traceEntry } from "./attempt.js"
import { contentLength } from "./chunks.js"
import { classify, errorTypeFor, httpStatusFor } from "./classify.js"
import type { AttemptOk, RequestContext } from "./context.js"
import { costBreakdown, usageJson } from "./cost.js"
import { type Committed, estimatedUsage } from "./stream-mode.js"
import type { AttemptOutcome, RouteStream, RouteTrace } from "./types.js"

/**
 * The in-band error chunk that ends a stream cut after its first content chunk (wire-facts §1): the
 * client sees `finish_reason: "error"` and the error, never a silent clean end. It carries no
 * `provider`: that was reported once, on the first chunk (clients merge chunk fields and concatenate
 * repeated strings — wire-facts §6.8).
 */
export const errorChunk = (
  first: JsonObject | undefined,
  endpoint: { readonly model: string },
  error: ProviderError,
): JsonObject => ({
  id: first?.id,
  object: "chat.completion.chunk",
  created: first?.created,
  model: endpoint.model,
  error: {
    code: httpStatusFor(error),
    message: error.message,
    metadata: { error_type: errorTypeFor(error), provider_code: error.status === 0 ? undefined : error.status },
  },
  choices: [{ index: 0, delta: { content: "" }, finish_reason: "error" }],
})

/**
 * The client's stream once an attempt committed: the held-back head, then the upstream's chunks, each
 * with `model` = the model used and, on the usage chunk, `usage.cost`. The serving provider is reported
 * once (wire-facts §6.8: clients merge chunk fields and concatenate repeated strings): our slug as
 * `provider` on the first chunk only; an upstream's own `provider` (OpenRouter sends it on every chunk)
 * is removed from every chunk and reported once as `upstream_provider`, on the first chunk that carries
 * one. After the first content chunk nothing else is ever tried: an upstream
 * failure or the request deadline ends the stream with `errorChunk`. When the stream ends — done,
 * cut, or interrupted by the consumer — the upstream is closed, capacity is settled to the usage
 * (reported, or estimated from the text when the upstream sent none), Stats/Health are told, and the
 * trace completes.
 */
type Batch = readonly [JsonObject, ...Array<JsonObject>]

export const committedStream = (ctx: RequestContext, ok: AttemptOk<Committed>): Effect.Effect<RouteStream> =>
  Effect.gen(function* () {
    const done = yield* Deferred.make<RouteTrace>()
    const { info, value } = ok
    const endpoint = info.endpoint
    // the stream committed to this endpoint: it holds the conversation's prefix now
    if (ctx.prepared.affinityKey !== undefined) yield* rememberAffinity(ctx, endpoint, yield* Clock.currentTimeMillis)
    const { capacity, health, stats } = ctx.services
    let usage: Usage | undefined
    let chars = 0
    let outcome: AttemptOutcome | undefined
    let failure: ProviderError | undefined
    let phase: "head" | "body" | "end" = "head"
    let finalized = false
    const first = value.head[0]

    const slug = endpoint.slug
    let upstreamReported = false
    const touch = (chunk: JsonObject): void => {
      chunk.model = endpoint.model
      // one rule for every chunk: `provider` once (ours, first chunk); an upstream's own once, apart
      if (chunk.provider !== undefined) {
        const upstreamProvider = chunk.provider
        delete chunk.provider
        if (!upstreamReported && upstreamProvider !== slug) {
          upstreamReported = true
          chunk.upstream_provider = upstreamProvider
        }
      }
      chars += contentLength(chunk)
      const u = usageFromOpenAi(chunk.usage)
      if (u !== undefined) {
        usage = u
        chunk.usage = usageJson(chunk.usage, u, costBreakdown(endpoint, u))
      }
    }
    for (const chunk of value.head) touch(chunk)
    if (first !== undefined) first.provider = slug

    const end = (o: AttemptOutcome) => {
      phase = "end"
      outcome = o
    }

    const take = (batch: ReadonlyArray<JsonObject>): Effect.Effect<Batch, Cause.Done> => {
      if (batch.length === 0) {
        end("success")
        return Cause.done()
      }
      for (const chunk of batch) touch(chunk)
      return Effect.succeed(batch as Batch)
    }
    const cut = (error: ProviderError): Effect.Effect<Batch> => {
      end("stream_error")
      failure = error
      return Effect.succeed([errorChunk(first, endpoint, error)] as const)
    }

    // Body phase: one child fiber (in the upstream's scope) pulls the upstream on demand — a pull of
    // this stream requests one upstream batch — under one deadline, the request's: no fiber, timer or
    // deadline entry per chunk. At the deadline the fiber is interrupted and the stream ends in-band.
    let pump: Fiber.Fiber<void, ProviderError> | undefined
    let pumpExit: Exit.Exit<void, ProviderError> | undefined
    let timedOut = false
    /** The pump waiting for the next request. */
    let requested: ((go: Effect.Effect<void>) => void) | undefined
    let pendingRequest = false
    /** The reader waiting for the next batch (or the pump's end). */
    let reader: ((next: Effect.Effect<Batch, Cause.Done>) => void) | undefined

    const bodyTimeout = (): ProviderError =>
      new UpstreamTimeout({
        provider: endpoint.slug,
        status: 0,
        message: `The request deadline passed mid-stream`,
        phase: "body",
      })
    const ended = (exit: Exit.Exit<void, ProviderError>): Effect.Effect<Batch, Cause.Done> => {
      if (Exit.isSuccess(exit)) return take([])
      if (timedOut) return cut(bodyTimeout())
      const error = Cause.findError(exit.cause)
      return error._tag === "Success" ? cut(error.success) : Effect.failCause(exit.cause as Cause.Cause<never>)
    }
    const awaitRequest = Effect.callback<void>((resume) => {
      if (pendingRequest) {
        pendingRequest = false
        resume(Effect.void)
      } else requested = resume
    })
    const deliver = (batch: ReadonlyArray<JsonObject>): void => {
      const r = reader
      reader = undefined
      r?.(take(batch))
    }
    // a reader that asks again while it is handed a batch (it wrote the batch at once) lets the
    // pump pull on without suspending
    const pullOn: Effect.Effect<void, ProviderError> = Effect.flatMap(value.pull, (batch) => {
      if (batch === undefined || batch.length === 0) return Effect.void
      deliver(batch)
      if (!pendingRequest) return pumpLoop
      pendingRequest = false
      return pullOn
    })
    const pumpLoop: Effect.Effect<void, ProviderError> = Effect.flatMap(awaitRequest, () => pullOn)
    const startPump = Effect.flatMap(Clock.currentTimeMillis, (now) =>
      Effect.map(
        Effect.forkIn(
          ctx.services.deadlines.handing(
            (deadline) =>
              Effect.withFiber((self) => {
                deadline.arm(() => {
                  timedOut = true
                  self.interruptUnsafe()
                })
                return pumpLoop
              }),
            Math.max(1, ctx.deadlineAt - now),
            bodyTimeout,
          ),
          value.scope,
          { startImmediately: true },
        ),
        (fiber) => {
          pump = fiber
          fiber.addObserver((exit) => {
            pumpExit = exit
            const r = reader
            reader = undefined
            r?.(ended(exit))
          })
        },
      ),
    )
    const request = Effect.callback<Batch, Cause.Done>((resume) => {
      if (pumpExit !== undefined) {
        resume(ended(pumpExit))
        return
      }
      reader = resume
      const go = requested
      requested = undefined
      if (go !== undefined) go(Effect.void)
      else pendingRequest = true
    })
    const body = Effect.suspend(() => (pump === undefined ? Effect.andThen(startPump, request) : request))

    const pull = Effect.suspend((): Effect.Effect<Batch, Cause.Done> => {
      switch (phase) {
        case "head":
          if (value.ended) end("success")
          else phase = "body"
          return Effect.succeed(value.head as Batch)
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
      yield* capacity.settle(info.reservation, used, now)
      if (final === "success") {
        yield* stats.record(
          endpoint.id,
          successSample(value.firstTokenAt - info.startedAt, now - info.startedAt, used, usage),
          now,
        )
        yield* health.record(endpoint.id, { _tag: "Success" }, info.probe, now)
      } else if (final === "stream_error" && failure !== undefined) {
        // classified like any failure: a model-side 400 sent mid-stream is the client's, not the endpoint's
        const c = classify(failure)
        yield* stats.record(endpoint.id, { outcome: c.stats }, now)
        yield* health.record(endpoint.id, c.health, info.probe, now)
      } else {
        yield* health.record(endpoint.id, { _tag: "Abandoned" }, info.probe, now)
      }
      ctx.trace.push(
        traceEntry(info, {
          endedAt: now,
          outcome: final,
          status: 200,
          error: failure === undefined ? undefined : `${failure._tag}: ${failure.message}`,
          retryAfterMs: undefined,
          upstreamRequestId: value.chat.requestId,
        }),
      )
      const cost = costBreakdown(endpoint, used)
      // read at the end: a streamed answer says which pool served in its events (Vertex trafficType)
      const traffic = value.chat.signals.trafficType
      yield* Deferred.succeed(
        done,
        ctx.trace.finish(now, { endpoint, usage: used, cost, firstTokenAt: value.firstTokenAt, traffic }),
      )
    })

    return {
      endpoint,
      upstreamRequestId: value.chat.requestId,
      // the committed attempt's own entry is pushed when the stream ends
      attempts: ctx.trace.attempts.length + 1,
      // one channel: the pull as it is, `finalize` on the channel's scope (when the stream ends or is closed)
      chunks: Stream.fromChannel(
        Channel.fromTransform((_, scope) => Effect.as(Scope.addFinalizer(scope, finalize), pull)),
      ),
      trace: Deferred.await(done),
      deadlineAt: ctx.deadlineAt,
    }
  })
