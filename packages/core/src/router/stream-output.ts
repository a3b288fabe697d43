import * as Clock from "effect/Clock"
import type * as Context from "effect/Context"
import * as Deferred from "effect/Deferred"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Scope from "effect/Scope"
import type * as Stream from "effect/Stream"
import type { Endpoint } from "../catalog/endpoint.js"
import { type ChunkRead, type ChunkSource, chunkStream, StreamDefect } from "../provider/chunk-source.js"
import type { JsonObject } from "../provider/contract.js"
import { type ProviderError, UpstreamTimeout } from "../provider/errors.js"
import { type Usage, usageFromOpenAi } from "../provider/usage.js"
import type { HealthReport } from "../services/health/service.js"
import { rememberAffinity } from "./affinity.js"
import { successSample, traceEntry } from "./attempt.js"
import { contentLength } from "./chunks.js"
import { classify, errorTypeFor, httpStatusFor } from "./classify.js"
import type { AttemptInfo, AttemptOk, RequestContext } from "./context.js"
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
): JsonObject =>
  inBandErrorChunk(first, endpoint.model, {
    code: httpStatusFor(error),
    message: error.message,
    metadata: { error_type: errorTypeFor(error), provider_code: error.status === 0 ? undefined : error.status },
  })

/**
 * An in-band error chunk of a stream whose first chunk was `first` (undefined: none yet): its `id` and `created`
 * (every chunk of a stream has the same, wire-facts §5), `model`, the `error`, `finish_reason: "error"`.
 */
export const inBandErrorChunk = (first: JsonObject | undefined, model: unknown, error: JsonObject): JsonObject => ({
  id: first?.id,
  object: "chat.completion.chunk",
  created: first?.created,
  model,
  error,
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
export const committedStream = (ctx: RequestContext, ok: AttemptOk<Committed>): Effect.Effect<RouteStream> =>
  Effect.withFiber((fiber) => {
    const clock = fiber.getRef(Clock.Clock)
    const value = ok.value
    const endpoint = ok.info.endpoint
    // the stream committed to this endpoint: it holds the conversation's prefix now
    const remembered =
      ctx.prepared.affinityKey === undefined
        ? Effect.void
        : rememberAffinity(ctx, endpoint, clock.currentTimeMillisUnsafe())
    return Effect.flatMap(remembered, () => {
      const done = Deferred.makeUnsafe<RouteTrace>()
      const stream = new CommittedStream(ctx, ok, done, fiber.context)
      const routed = new Routed(
        endpoint,
        value.chat.requestId,
        ctx.trace.attempts.length + 1,
        stream,
        done,
        ctx.deadlineAt,
      )
      if (value.ended) return Effect.succeed<RouteStream>(routed)
      // the body runs under the request's deadline: one deadline entry, not a timer per chunk
      const left = Math.max(1, ctx.deadlineAt - clock.currentTimeMillisUnsafe())
      return Effect.map(ctx.services.deadlines.register(left, stream.expire), (release): RouteStream => {
        stream.release = release
        return routed
      })
    })
  })

/** A committed stream as the router hands it out: `chunks` (the Stream view) is made only when read. */
class Routed implements RouteStream {
  readonly trace: Effect.Effect<RouteTrace>
  private view: Stream.Stream<JsonObject> | undefined = undefined

  constructor(
    readonly endpoint: Endpoint,
    readonly upstreamRequestId: string | undefined,
    /** The committed attempt's own entry is pushed when the stream ends. */
    readonly attempts: number,
    readonly source: CommittedStream,
    done: Deferred.Deferred<RouteTrace>,
    readonly deadlineAt: number,
  ) {
    this.trace = Deferred.await(done)
  }

  get chunks(): Stream.Stream<JsonObject> {
    this.view ??= chunkStream<JsonObject, never>(this.source)
    return this.view
  }
}

/**
 * A committed stream as the client reads it: the head, then each upstream batch as it is read (touched in
 * place), all on the reader's callbacks — no fiber while it streams. Its end (done, cut in-band, or
 * cancelled by the reader) runs the bookkeeping once, in a fiber of its own (`finalize`). While it streams
 * it keeps only what that needs (not the request's context: its body, snapshot and plan are not needed).
 */
class CommittedStream implements ChunkSource<JsonObject, StreamDefect> {
  /** Releases the body's deadline entry. */
  release: () => void = NO_RELEASE
  private head: ReadonlyArray<JsonObject> | undefined
  private readonly ended: boolean
  private readonly upstream: Committed["source"]
  private readonly scope: Committed["scope"]
  private readonly chat: Committed["chat"]
  private readonly firstTokenAt: number
  /** `id` and `created` of the first chunk, for the in-band error chunk. */
  private readonly first: JsonObject | undefined
  private readonly info: AttemptInfo
  private readonly services: RequestContext["services"]
  private readonly recorder: RequestContext["trace"]
  private readonly promptTokens: number
  private phase: "body" | "end" = "body"
  /** The reader waiting for the upstream's next batch. */
  private reader: ChunkRead<JsonObject, StreamDefect> | undefined = undefined
  /** What the next read gets once the stream has ended: the in-band error chunk, or a defect. */
  private last: { readonly batch: Batch } | { readonly defect: StreamDefect } | undefined = undefined
  private usage: Usage | undefined = undefined
  private chars = 0
  private outcome: AttemptOutcome | undefined = undefined
  private failure: ProviderError | undefined = undefined
  private finalized = false
  private upstreamReported = false
  private readonly onUpstream: ChunkRead<JsonObject, ProviderError | StreamDefect> = (error, batch) =>
    this.upstreamRead(error, batch)

  constructor(
    ctx: RequestContext,
    ok: AttemptOk<Committed>,
    private readonly done: Deferred.Deferred<RouteTrace>,
    private readonly context: Context.Context<never>,
  ) {
    const value = ok.value
    this.info = ok.info
    this.services = ctx.services
    this.recorder = ctx.trace
    this.promptTokens = ctx.prepared.planRequest.estimatedPromptTokens
    this.head = value.head
    this.ended = value.ended
    this.upstream = value.source
    this.scope = value.scope
    this.chat = value.chat
    this.firstTokenAt = value.firstTokenAt
    for (const chunk of value.head) this.touch(chunk)
    const first = value.head[0]
    this.first = first === undefined ? undefined : { id: first.id, created: first.created }
    if (first !== undefined) first.provider = ok.info.endpoint.slug
  }

  read(done: ChunkRead<JsonObject, StreamDefect>): void {
    const head = this.head
    if (head !== undefined) {
      this.head = undefined
      if (this.ended && !this.finalized) this.end("success")
      done(undefined, head)
    } else if (this.phase === "body") {
      this.reader = done
      this.upstream.read(this.onUpstream)
    } else {
      const last = this.last
      this.last = undefined
      if (last === undefined) done(undefined, undefined)
      else if ("batch" in last) done(undefined, last.batch)
      else done(last.defect, undefined)
    }
  }

  private upstreamRead(error: ProviderError | StreamDefect | undefined, batch: ReadonlyArray<JsonObject> | undefined) {
    const reader = this.reader
    this.reader = undefined
    if (reader === undefined || this.phase !== "body") return
    if (batch !== undefined) {
      for (const chunk of batch) this.touch(chunk)
      reader(undefined, batch)
    } else if (error === undefined) {
      this.end("success")
      reader(undefined, undefined)
    } else if (error instanceof StreamDefect) {
      // a bug, not the endpoint's failure: recorded as abandoned
      this.end(undefined)
      reader(error, undefined)
    } else {
      reader(undefined, this.cut(error))
    }
  }

  /**
   * The request's deadline passed mid-stream: the upstream is closed, the stream ends in-band. (A
   * property, so the deadline entry holds this stream and nothing of the scope that registered it.)
   */
  readonly expire = (): void => {
    if (this.phase === "end") return
    const cut = this.cut(
      new UpstreamTimeout({
        provider: this.info.endpoint.slug,
        status: 0,
        message: `The request deadline passed mid-stream`,
        phase: "body",
      }),
    )
    const reader = this.reader
    this.reader = undefined
    if (reader !== undefined) reader(undefined, cut)
    // not read yet: the next read gets it (after the head when that is still unread)
    else this.last = { batch: cut }
  }

  /** The reader is gone: the upstream is closed and the stream recorded as cancelled. */
  cancel(): void {
    this.reader = undefined
    this.last = undefined
    this.head = undefined
    if (this.phase !== "end") this.end(undefined)
  }

  /** Ends with an upstream failure: the in-band error chunk the client gets last. */
  private cut(error: ProviderError): Batch {
    this.failure = error
    this.end("stream_error")
    return [errorChunk(this.first, this.info.endpoint, error)]
  }

  /** The stream is over (undefined: cancelled or died): stop the upstream, settle, record, finish the trace. */
  private end(outcome: AttemptOutcome | undefined): void {
    this.phase = "end"
    this.outcome = outcome
    if (this.finalized) return
    this.finalized = true
    this.release()
    this.upstream.cancel()
    Effect.runForkWith(this.context)(this.finalize())
  }

  /** `model` = the model used; `provider` once (ours, first chunk) and an upstream's own once, apart; usage + cost. */
  private touch(chunk: JsonObject): void {
    const endpoint = this.info.endpoint
    chunk.model = endpoint.model
    if (chunk.provider !== undefined) {
      const upstreamProvider = chunk.provider
      delete chunk.provider
      if (!this.upstreamReported && upstreamProvider !== endpoint.slug) {
        this.upstreamReported = true
        chunk.upstream_provider = upstreamProvider
      }
    }
    this.chars += contentLength(chunk)
    const u = usageFromOpenAi(chunk.usage)
    if (u !== undefined) {
      this.usage = u
      chunk.usage = usageJson(chunk.usage, u, costBreakdown(endpoint, u))
    }
  }

  private finalize(): Effect.Effect<void> {
    const { info, done, recorder, scope, chat, firstTokenAt } = this
    const endpoint = info.endpoint
    const failure = this.failure
    const final = this.outcome ?? "cancelled"
    const reported = this.usage
    const used = reported ?? estimatedUsage(this.promptTokens, this.chars)
    return Effect.andThen(
      Scope.close(scope, Exit.void),
      Effect.clockWith((clock) => {
        const now = clock.currentTimeMillisUnsafe()
        const books = this.services.books(now)
        books.settle(info.reservation, used)
        if (final === "success") {
          books.stats(endpoint.id, successSample(firstTokenAt - info.startedAt, now - info.startedAt, used, reported))
          books.health(endpoint.id, SUCCESS, info.probe)
        } else if (final === "stream_error" && failure !== undefined) {
          // classified like any failure: a model-side 400 sent mid-stream is the client's, not the endpoint's
          const c = classify(failure)
          books.stats(endpoint.id, { outcome: c.stats })
          books.health(endpoint.id, c.health, info.probe)
        } else {
          books.health(endpoint.id, ABANDONED, info.probe)
        }
        return books.close(() => {
          recorder.push(
            traceEntry(info, {
              endedAt: now,
              outcome: final,
              status: 200,
              error: failure === undefined ? undefined : `${failure._tag}: ${failure.message}`,
              retryAfterMs: undefined,
              upstreamRequestId: chat.requestId,
            }),
          )
          const cost = costBreakdown(endpoint, used)
          // read at the end: a streamed answer says which pool served in its events (Vertex trafficType)
          const traffic = chat.signals.trafficType
          return Deferred.succeed(done, recorder.finish(now, { endpoint, usage: used, cost, firstTokenAt, traffic }))
        })
      }),
    )
  }
}

const SUCCESS: HealthReport = { _tag: "Success" }
const ABANDONED: HealthReport = { _tag: "Abandoned" }

type Batch = readonly [JsonObject, ...Array<JsonObject>]

const NO_RELEASE = (): void => {}
