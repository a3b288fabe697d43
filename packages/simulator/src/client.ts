import {
  type ChunkSource,
  type CostDetails,
  type JsonObject,
  type RouteError,
  type RouteRequest,
  type RouteResult,
  type RouterShape,
  type RouteStream,
  type RouteTrace,
  readBatches,
  type StreamDefect,
  sourceOfStream,
} from "@switchyard/core"
import * as Cause from "effect/Cause"
import * as Clock from "effect/Clock"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Result from "effect/Result"
import type { Outcome } from "./outcome.js"

/** What one client → router call produced. */
export type CallResult =
  | {
      readonly ok: true
      readonly firstTokenAt: number | undefined
      readonly cost: number
      /** USD prompt caching saved (cache reads' savings less cache writes' premium). */
      readonly cacheSavings: number
      readonly promptTokens: number
      readonly completionTokens: number
      /** Prompt tokens read from the provider's prompt cache. */
      readonly cachedTokens: number
      readonly servedBy: string
      readonly attempts: number
      readonly escalated: boolean
    }
  | {
      readonly ok: false
      /** HTTP status the gateway would answer (429, 5xx, 4xx). */
      readonly status: number
      readonly outcome: Exclude<Outcome, "ok" | "deadline">
      readonly retryAfterMs: number | undefined
      readonly attempts: number
      readonly escalated: boolean
      /** Cost of a stream cut after it started (tokens were served). */
      readonly cost: number
      readonly cacheSavings: number
    }

/** Running totals for one request across its client calls (kept when the deadline interrupts). */
export interface RequestTally {
  calls: number
  attempts: number
  client429s: number
  escalated: boolean
  cost: number
  /** USD prompt caching saved over the request's calls. */
  cacheSavings: number
}

/** Upstream calls the router made (attempts refused before the call by Health or the meter are not calls). */
const attemptsOf = (trace: RouteTrace | undefined): number => {
  if (trace === undefined) return 0
  let n = 0
  for (const a of trace.attempts) if (a.outcome !== "refused_capacity") n++
  return n
}

const failure = (e: RouteError): CallResult => {
  switch (e._tag) {
    case "AllRateLimited":
      return {
        ok: false,
        status: 429,
        outcome: "rate_limited",
        retryAfterMs: e.retryAfterMs,
        attempts: attemptsOf(e.trace),
        escalated: e.trace.escalated,
        cost: 0,
        cacheSavings: 0,
      }
    case "UpstreamFailed":
      return {
        ok: false,
        status: e.httpStatus,
        outcome: e.httpStatus === 429 ? "rate_limited" : e.httpStatus >= 500 ? "upstream_error" : "other",
        retryAfterMs: undefined,
        attempts: attemptsOf(e.trace),
        escalated: e.trace.escalated,
        cost: 0,
        cacheSavings: 0,
      }
    case "DeadlineExceeded":
      return {
        ok: false,
        status: 504,
        outcome: "upstream_error",
        retryAfterMs: undefined,
        attempts: attemptsOf(e.trace),
        escalated: e.trace.escalated,
        cost: 0,
        cacheSavings: 0,
      }
    case "NoEndpoint":
      return {
        ok: false,
        status: 404,
        outcome: "no_endpoint",
        retryAfterMs: undefined,
        attempts: 0,
        escalated: false,
        cost: 0,
        cacheSavings: 0,
      }
    case "StateUnavailable":
      return {
        ok: false,
        status: 503,
        outcome: "other",
        retryAfterMs: undefined,
        attempts: 0,
        escalated: false,
        cost: 0,
        cacheSavings: 0,
      }
    case "ModelNotFound":
    case "InvalidRequest":
      return {
        ok: false,
        status: 400,
        outcome: "other",
        retryAfterMs: undefined,
        attempts: 0,
        escalated: false,
        cost: 0,
        cacheSavings: 0,
      }
  }
}

/** Net USD prompt caching saved on a served request (its trace's cost details). */
const savingsOf = (d: CostDetails | undefined): number => (d === undefined ? 0 : d.readSavings - d.writePremium)

const hasError = (chunk: Record<string, unknown>): boolean => {
  if (chunk.error !== undefined) return true
  const choices = chunk.choices as Array<{ finish_reason?: unknown }> | undefined
  return choices?.[0]?.finish_reason === "error"
}

const hasContent = (chunk: Record<string, unknown>): boolean => {
  const choices = chunk.choices as Array<{ delta?: { content?: unknown } }> | undefined
  const c = choices?.[0]?.delta?.content
  return typeof c === "string" && c.length > 0
}

/** A served non-streamed call. */
const served = (r: RouteResult): CallResult => ({
  ok: true,
  firstTokenAt: undefined,
  cost: r.cost,
  cacheSavings: savingsOf(r.trace.costDetails),
  promptTokens: r.usage.promptTokens,
  completionTokens: r.usage.completionTokens,
  cachedTokens: r.usage.cachedTokens,
  servedBy: r.endpoint.slug,
  attempts: attemptsOf(r.trace),
  escalated: r.trace.escalated,
})

/**
 * What a non-streamed call's `router.route`, run as a fiber of its own, produced: what `callRouter` answers for it,
 * or undefined when it ended with neither a value nor a route error (interrupted, or a defect) — as `callRouter`'s
 * fiber would have ended.
 */
export const routeOutcome = (exit: Exit.Exit<RouteResult, RouteError>): CallResult | undefined => {
  if (Exit.isSuccess(exit)) return served(exit.value)
  if (Cause.hasDies(exit.cause)) return undefined
  const error = Cause.findError(exit.cause)
  return Result.isSuccess(error) ? failure(error.success) : undefined
}

/** One call through the real router: `route` for JSON, `stream` (consumed to the end) for SSE. */
export const callRouter = (
  router: RouterShape,
  request: RouteRequest,
  streaming: boolean,
): Effect.Effect<CallResult> => {
  if (!streaming) return Effect.match(router.route(request), { onFailure: failure, onSuccess: served })
  return Effect.matchEffect(router.stream(request), {
    onFailure: (e) => Effect.succeed(failure(e)),
    onSuccess: (rs) =>
      Effect.flatMap(readBody(rs), (body) =>
        Effect.map(rs.trace, (trace): CallResult => {
          const usage = trace.usage
          if (body.broken)
            return {
              ok: false,
              status: 200,
              outcome: "stream_error",
              retryAfterMs: undefined,
              attempts: attemptsOf(trace),
              escalated: trace.escalated,
              cost: trace.cost ?? 0,
              cacheSavings: savingsOf(trace.costDetails),
            }
          return {
            ok: true,
            firstTokenAt: body.firstTokenAt,
            cost: trace.cost ?? 0,
            cacheSavings: savingsOf(trace.costDetails),
            promptTokens: usage?.promptTokens ?? 0,
            completionTokens: usage?.completionTokens ?? 0,
            cachedTokens: usage?.cachedTokens ?? 0,
            servedBy: rs.endpoint.slug,
            attempts: attemptsOf(trace),
            escalated: trace.escalated,
          }
        }),
      ),
  })
}

/** What the client saw of a stream's body. */
interface BodySeen {
  /** Virtual time of the first content chunk. */
  firstTokenAt: number | undefined
  /** The stream ended in-band with an error. */
  broken: boolean
}

/**
 * Read a routed stream to its end on the router's `source` callbacks, as a socket writer does: the
 * client's fiber waits once for the whole body, not once per batch.
 */
const readBody = (rs: RouteStream): Effect.Effect<BodySeen> =>
  Effect.withFiber((fiber) => {
    const clock = fiber.getRef(Clock.Clock)
    const source: ChunkSource<JsonObject, StreamDefect> = rs.source ?? sourceOfStream(rs.chunks, fiber.context)
    const seen: BodySeen = { firstTokenAt: undefined, broken: false }
    return Effect.callback<BodySeen>((resume) => {
      readBatches(
        source,
        (batch) => {
          for (const chunk of batch) {
            if (hasError(chunk)) seen.broken = true
            if (seen.firstTokenAt === undefined && hasContent(chunk))
              seen.firstTokenAt = clock.currentTimeMillisUnsafe()
          }
          return true
        },
        (error) =>
          resume(error === undefined ? Effect.succeed(seen) : Effect.failCause(error.cause as Cause.Cause<never>)),
      )
      return Effect.sync(() => source.cancel())
    })
  })

export interface ClientBehaviour {
  /** `plain`: the class's routing only. `pt`: the policy's PT order for this call. */
  readonly run: (
    call: (variant: "plain" | "pt") => Effect.Effect<CallResult>,
    tally: RequestTally,
  ) => Effect.Effect<CallResult>
}

export const count = (tally: RequestTally, r: CallResult): CallResult => {
  tally.calls++
  tally.attempts += r.attempts
  if (!r.ok && r.status === 429) tally.client429s++
  if (r.escalated) tally.escalated = true
  tally.cost += r.cost
  tally.cacheSavings += r.cacheSavings
  return r
}

/** Send once, no client retry (the engine runs a non-streamed one as `router.route` alone: `routeOutcome`). */
export const singleCall: ClientBehaviour = {
  run: (call, tally) => Effect.map(call("plain"), (r) => count(tally, r)),
}

const SDK_RETRYABLE = (status: number) => status === 408 || status === 409 || status === 429 || status >= 500

/**
 * The OpenAI SDK's retry loop: up to `retries` more calls on 408/409/429/5xx, waiting
 * `retry-after-ms` when the server gives one (≤ 60 s), else 0.5 s × 2^n capped at 8 s.
 */
export const sdkRetries = (retries: number): ClientBehaviour => ({
  run: (call, tally) =>
    Effect.gen(function* () {
      let r = count(tally, yield* call("plain"))
      for (let n = 0; n < retries && !r.ok && r.outcome !== "stream_error" && SDK_RETRYABLE(r.status); n++) {
        const wait =
          r.retryAfterMs !== undefined && r.retryAfterMs <= 60_000 ? r.retryAfterMs : Math.min(8_000, 500 * 2 ** n)
        yield* Effect.sleep(wait)
        r = count(tally, yield* call("plain"))
      }
      return r
    }),
})

/**
 * The reference description's `call_with_retry`: one cost-optimized call; on any non-200, up to
 * `maxRetries` calls with `provider.order` = the PT pool and `allow_fallbacks: true`, sleeping
 * `retry-after-ms` (default 1 000 ms) after a 429 and retrying at once after other statuses.
 */
export const smartRetry = (maxRetries: number): ClientBehaviour => ({
  run: (call, tally) =>
    Effect.gen(function* () {
      let r = count(tally, yield* call("plain"))
      for (let attempt = 0; attempt < maxRetries && !r.ok; attempt++) {
        r = count(tally, yield* call("pt"))
        if (!r.ok && r.status === 429) yield* Effect.sleep(r.retryAfterMs ?? 1_000)
      }
      return r
    }),
})
