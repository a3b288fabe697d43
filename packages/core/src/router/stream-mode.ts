import type * as Cause from "effect/Cause"
import * as Clock from "effect/Clock"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Scope from "effect/Scope"
import type { Endpoint } from "../catalog/endpoint.js"
import { type ChunkSource, readBatches, StreamDefect } from "../provider/chunk-source.js"
import type { ChatStream, JsonObject, ProviderClient } from "../provider/contract.js"
import { type ProviderError, TransportError, UpstreamTimeout } from "../provider/errors.js"
import { sourceOfStream } from "../provider/stream-source.js"
import type { Usage } from "../provider/usage.js"
import { isCallbackClock } from "../simulated/timer.js"
import { traceEntry } from "./attempt.js"
import { attemptLimitMs, measuredP99Ms } from "./attempt-timeout.js"
import { contentLength, isContentChunk } from "./chunks.js"
import type { AttemptInfo, Mode, RequestContext } from "./context.js"

/** A stream that produced its first content chunk: the client gets `head`, then the rest from `source`. */
export interface Committed {
  readonly chat: ChatStream
  /** Owns the upstream stream; closing it ends the upstream call. */
  readonly scope: Scope.Closeable
  /** The upstream's chunks after the head (`chat.source`, or `chat.chunks` read by one fiber). */
  readonly source: ChunkSource<JsonObject, ProviderError | StreamDefect>
  /** Held-back lifecycle chunks and the first content batch (never empty). */
  readonly head: ReadonlyArray<JsonObject>
  /** The upstream already ended while the head was read. */
  readonly ended: boolean
  readonly firstTokenAt: number
}

/** Rough usage of a stream that ended without a usage chunk (or was cut): estimated prompt + ~4 chars a token. */
export const estimatedUsage = (promptTokens: number, contentChars: number): Usage => ({
  promptTokens,
  completionTokens: Math.ceil(contentChars / 4),
  cachedTokens: 0,
  reasoningTokens: 0,
  estimated: true,
})

/** `source`, its cancellation a finalizer of `scope`. */
const closedWith = <S extends ChunkSource<JsonObject, ProviderError | StreamDefect>>(
  source: S,
  scope: Scope.Scope,
): Effect.Effect<S> =>
  Effect.as(
    Scope.addFinalizer(
      scope,
      Effect.sync(() => source.cancel()),
    ),
    source,
  )

/** The upstream's chunks as a source whose cancellation is a finalizer of `scope`. */
const upstreamSource = (
  chat: ChatStream,
  scope: Scope.Scope,
): Effect.Effect<ChunkSource<JsonObject, ProviderError | StreamDefect>> =>
  chat.source === undefined
    ? Effect.flatMap(Effect.context<never>(), (context) => closedWith(sourceOfStream(chat.chunks, context), scope))
    : closedWith(chat.source, scope)

/** The upstream stream, opened: its chunks are read from `source`. */
interface Opened {
  readonly chat: ChatStream
  readonly source: ChunkSource<JsonObject, ProviderError | StreamDefect>
}

const openStream = (
  ctx: RequestContext,
  endpoint: Endpoint,
  client: ProviderClient,
  scope: Scope.Closeable,
  traceparent: string | undefined,
): Effect.Effect<Opened, ProviderError> =>
  Effect.flatMap(client.stream({ body: ctx.body, bodyText: ctx.bodyText, endpoint, traceparent }), (chat) =>
    Effect.map(upstreamSource(chat, scope), (source): Opened => ({ chat, source })),
  )

/**
 * Read `opened` on its source's callbacks up to the first content chunk (the batch that holds it
 * included), then report the committed stream through `done`; a stream that ends first fails with a
 * reset, an upstream failure fails the attempt, a `StreamDefect` dies. Nothing more is read once the
 * attempt is `over` (timed out or interrupted: its scope then closes the source).
 */
const readHead = (
  opened: Opened,
  endpoint: Endpoint,
  scope: Scope.Closeable,
  clock: Clock.Clock,
  done: (result: Effect.Effect<Committed, ProviderError>) => void,
  over: () => boolean,
): void => {
  const { chat, source } = opened
  const head: Array<JsonObject> = []
  readBatches(
    source,
    (batch) => {
      let content = false
      for (const chunk of batch) {
        head.push(chunk)
        if (!content && isContentChunk(chunk)) content = true
      }
      if (!content) return true
      done(Effect.succeed({ chat, scope, source, head, ended: false, firstTokenAt: clock.currentTimeMillisUnsafe() }))
      return false
    },
    (error) => {
      if (error instanceof StreamDefect) done(Effect.failCause(error.cause as Cause.Cause<never>))
      else if (error !== undefined) done(Effect.fail(error))
      else
        done(
          Effect.fail(
            new TransportError({
              provider: endpoint.slug,
              status: 200,
              message: "The stream ended before its first token",
              kind: "reset",
            }),
          ),
        )
    },
    over,
  )
}

/**
 * Streamed attempts succeed at the first content chunk: until then the router may still fall back
 * (the time-to-first-token timeout bounds this phase). Settlement, stats and health of a committed
 * stream happen when it ends (see `stream-output.ts`).
 */
export const streamMode: Mode<Committed> = {
  timeoutMs: (ctx, endpoint, now, fallbackLeft) =>
    attemptLimitMs(ctx.routing, {
      configuredMs: Math.min(ctx.routing.firstTokenTimeoutMs, ctx.routing.attemptTimeoutMs),
      leftMs: ctx.deadlineAt - now,
      p99Ms: measuredP99Ms(ctx, endpoint),
      fallbackLeft,
    }),
  call: (ctx, endpoint, client, timeoutMs, traceparent) => {
    const deadlines = ctx.services.deadlines
    const timeout = () =>
      new UpstreamTimeout({
        provider: endpoint.slug,
        status: 0,
        message: `No first token within ${timeoutMs} ms`,
        phase: "first_token",
      })
    return Effect.uninterruptibleMask((restore) =>
      Effect.flatMap(Scope.make(), (scope) =>
        restore(
          Effect.clockWith((clock) => {
            // one limit over both phases: opening the stream (an effect), then its head (callbacks)
            const at = clock.currentTimeMillisUnsafe() + timeoutMs
            const streamOn = client.streamOn
            // an in-process client on the virtual clock opens on its callbacks (no fiber), under the same limit
            const opening =
              streamOn !== undefined && isCallbackClock(clock)
                ? Effect.flatMap(
                    deadlines.withinOn<ChatStream, ProviderError, UpstreamTimeout>(timeoutMs, timeout, (done) =>
                      streamOn({ body: ctx.body, bodyText: ctx.bodyText, endpoint, traceparent }, clock, done),
                    ),
                    (chat) => Effect.map(upstreamSource(chat, scope), (source): Opened => ({ chat, source })),
                  )
                : deadlines.within(openStream(ctx, endpoint, client, scope, traceparent), timeoutMs, timeout)
            return Effect.flatMap(opening, (opened) =>
              deadlines.until<Committed, ProviderError, UpstreamTimeout>(at, timeout, (done, over) =>
                readHead(opened, endpoint, scope, clock, done, over),
              ),
            )
          }),
        ).pipe(Effect.onExit((exit) => (Exit.isSuccess(exit) ? Effect.void : Scope.close(scope, exit)))),
      ),
    )
  },
  onSuccess: (ctx, info, committed) =>
    Effect.as(ctx.services.capacity.observe(info.endpoint, committed.chat.signals), undefined),
  discard: (ctx, ok) => closeLost(ctx, ok.info, ok.value),
}

/** A committed stream that lost a hedge race: close the upstream, settle what it produced, record `hedge_lost`. */
const closeLost = (ctx: RequestContext, info: AttemptInfo, committed: Committed): Effect.Effect<void> =>
  Effect.gen(function* () {
    yield* Scope.close(committed.scope, Exit.void)
    const now = yield* Clock.currentTimeMillis
    let chars = 0
    for (const chunk of committed.head) chars += contentLength(chunk)
    yield* ctx.services.capacity.settle(
      info.reservation,
      estimatedUsage(ctx.prepared.planRequest.estimatedPromptTokens, chars),
      now,
    )
    yield* ctx.services.health.record(info.endpoint.id, { _tag: "Abandoned" }, info.probe, now)
    ctx.trace.push(
      traceEntry(info, { endedAt: now, outcome: "hedge_lost", status: 200, error: undefined, retryAfterMs: undefined }),
    )
  })
